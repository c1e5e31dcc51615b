import {toYamlStream} from '../core/apply/manifests.js'
import {namespaceSetOwnerLabels} from '../core/apply/ownership.js'
import {sortForApply} from '../core/apply/phases.js'
import type {AuthenticationConfig} from '../core/config/types.js'
import {DeclinedError, InvalidFileError, UsageError} from '../core/errors.js'
import {buildNamespacesBootstrapPlan} from '../core/namespaces/bootstrap-plan.js'
import {teamAccessProblems, teamAccessSuggestions} from '../core/namespaces/access.js'
import {DEFAULT_NAMESPACE_SET, groupByNamespace, renderNamespaceSet} from '../core/namespaces/render.js'
import {checkNamespaceSetFast} from '../core/namespaces/fast-check.js'
import type {NamespaceSet} from '../core/namespaces/schema.js'
import {readYamlFast} from '../core/yaml-fast.js'
import {positionOf, readYamlDocument, schemaIssues, type YamlDocument} from '../core/yaml-file.js'
import type {Plan, StepRecord} from '../core/plan.js'
import {type RunSummary, summariseRun} from '../core/run-summary.js'
import type {Clock, Interrupts, Kube, KubeObject, KubeTarget, UserFiles} from '../ports.js'
import type {TaskDisplay} from '../ui/tasks.js'
import {ManifestApply, type ApplyProgress} from './apply-manifests.js'
import {applyStageActs, interruptible, runUntilStopped} from './apply-steps.js'
import {loadPrecompiledValidator} from './precompiled-validators.js'
import {StepRun} from './step-run.js'

export interface NamespacesPorts {
  files: UserFiles
  clock: Clock
  kube(target: KubeTarget): Promise<Kube>
  /** Ctrl-C for a run that is not inside another (which passes its own signal). */
  interrupts?: Interrupts
}

/** How the cluster the namespaces go to authenticates, from its cluster file. */
export interface ClusterAccess {
  cluster: string
  authentication: AuthenticationConfig
  /** The cluster file, named in suggestions. */
  clusterFile?: string
}

export interface BootstrapNamespacesInput {
  /** The NamespaceSet file. */
  file: string
  /** When given, every team's group must be one someone who logs in can hold (exit 3 otherwise); it also names the cluster. */
  access?: ClusterAccess
  /** `--kubeconfig`; by default KUBECONFIG, else the admin kubeconfig `cluster create` exported of `cluster`. */
  kubeconfig?: string
  /** `--context`, named by the user. */
  context?: string
  /** `--cluster`: the cluster to change; the kubeconfig context must point at its API. */
  cluster?: string
  prune: boolean
  force: boolean
  /** Render only; with outputDir, write one manifest file per namespace. No cluster is contacted. */
  dryRun: boolean
  outputDir?: string
  timeoutMs: number
  /** Ownership scope for prune (default `default`: one set per cluster). */
  setName?: string
  podSecurityVersion?: string
  concurrency?: number
  onProgress?: (event: ApplyProgress) => void
  /**
   * The caller's stop signal (a run inside `cluster create`); without one the run stops on Ctrl-C
   * itself (`ports.interrupts`). Either way it stops between requests and waits.
   */
  signal?: AbortSignal
  /** A real run asks this, with the plan and the namespaces, before contacting the cluster; no → DeclinedError (exit 9). */
  confirm?: (plan: Plan, namespaces: string[]) => Promise<boolean>
  /** How the steps show while they run (default: not at all). */
  display?: TaskDisplay
  /** Where plain progress lines go (default: standard output). */
  write?: (line: string) => void
}

export interface BootstrapNamespacesResult {
  file: string
  dryRun: boolean
  namespaces: string[]
  /** Rendered objects. */
  objects: number
  /** Files written under outputDir (dry run), relative to it. */
  files: string[]
  applied: number
  /** Objects already as rendered (left alone). */
  unchanged: number
  pruned: string[]
  durationMs: number
  /** The steps a run executes, in order (what --dry-run prints and the confirmation shows). */
  plan: Plan
  /** A real run: every plan step with what became of it. */
  steps?: StepRecord[]
  /** A real run that finished: its end-of-run summary. */
  summary?: RunSummary
}

/**
 * Reads and validates a NamespaceSet file: exit 2 when missing, exit 3 (path, line:column) when
 * invalid. A valid file is read by js-yaml and checked by the precompiled validator and rules.ts;
 * zod (~170 ms to load, more than a converged re-run spends on the API) and `yaml` are loaded only
 * to explain a problem.
 */
export async function loadNamespaceSet(files: UserFiles, path: string, access?: ClusterAccess, validator = loadPrecompiledValidator('core/namespaces/namespace-set.precompiled.js')): Promise<NamespaceSet> {
  const text = await files.read(path)
  if (text === undefined) throw new UsageError(`namespaces file ${path} does not exist`, {suggestions: ['Pass the path of a NamespaceSet file with -f (see examples/namespaces.yaml)']})
  const yaml = readYamlDocument(text, path, readYamlFast)
  const fast = await validator
  const set = (fast && checkNamespaceSetFast(yaml.data, fast)) || (await explainNamespaceSet(yaml, path))
  if (access) {
    const problems = teamAccessProblems(set, access.authentication, access.cluster)
    if (problems.length > 0) {
      const issues = problems.map((p) => ({path: `namespaces[${p.index}].team`, message: p.message, ...positionOf(yaml.doc, yaml.lines, ['namespaces', p.index, 'team'])}))
      throw new InvalidFileError(path, issues, {suggestions: teamAccessSuggestions(problems, access.authentication, access.clusterFile)})
    }
  }
  return set
}

/** The zod schema's verdict: the value, or every problem with its path and position (exit 3). */
async function explainNamespaceSet(yaml: YamlDocument, path: string): Promise<NamespaceSet> {
  const {namespaceSetSchema} = await import('../core/namespaces/schema.js')
  const parsed = namespaceSetSchema.safeParse(yaml.data)
  if (!parsed.success) throw new InvalidFileError(path, schemaIssues(parsed.error, namespaceSetSchema, yaml.doc, yaml.lines))
  return parsed.data
}

/** The manifests of a set, sorted for apply (phase, kind, namespace, name). */
export function renderNamespaceManifests(set: NamespaceSet, options: {setName?: string; podSecurityVersion?: string} = {}): KubeObject[] {
  return sortForApply(renderNamespaceSet(set, options))
}

/**
 * `namespaces bootstrap`: validate the file, render every namespace, then either write the
 * manifests (dry run, no cluster needed) or server-side apply them — prune removes namespaces and
 * objects of this set that the file no longer lists. A real run executes the plan step for step
 * (services/step-run.ts).
 */
export async function bootstrapNamespaces(ports: NamespacesPorts, input: BootstrapNamespacesInput): Promise<BootstrapNamespacesResult> {
  const set = await loadNamespaceSet(ports.files, input.file, input.access)
  const setName = input.setName ?? DEFAULT_NAMESPACE_SET
  const objects = renderNamespaceSet(set, {setName, podSecurityVersion: input.podSecurityVersion})
  const cluster = input.cluster ?? input.access?.cluster
  const {plan, stages} = buildNamespacesBootstrapPlan({cluster: cluster ?? `context ${input.context ?? '(not named)'}`, setName, objects, prune: input.prune, timeoutMs: input.timeoutMs})
  const result: BootstrapNamespacesResult = {
    file: input.file,
    dryRun: input.dryRun,
    namespaces: set.namespaces.map((n) => n.name),
    objects: objects.length,
    files: [],
    applied: 0,
    unchanged: 0,
    pruned: [],
    durationMs: 0,
    plan,
  }
  if (input.dryRun) {
    if (input.outputDir) result.files = await writeNamespaceManifests(ports.files, input.outputDir, set, objects)
    return result
  }
  // A NamespaceSet file names no cluster: acting on whatever the current context points at is how the
  // wrong cluster gets changed. So the run names it, by --cluster (checked against the context's
  // server) or by --context (the user's explicit choice) — before anyone is asked to confirm.
  if (cluster === undefined && input.context === undefined) {
    throw new UsageError('namespaces bootstrap changes a cluster; name it with -c CLUSTER_FILE or --cluster NAME (checked against the kubeconfig context), or --context NAME', {
      suggestions: ['kopsmith namespaces bootstrap -f namespaces.yaml -c clusters/prod.yaml --yes', 'Or render only: --dry-run --output-dir DIR'],
    })
  }
  if (input.confirm && !(await input.confirm(plan, result.namespaces))) throw new DeclinedError('not applying the namespaces: answered no; nothing was applied')

  const started = ports.clock.now()
  const what = `namespaces bootstrap on ${plan.cluster}`
  const stop = interruptible(ports.interrupts, input.signal, what)
  const run = new StepRun(plan, {display: input.display ?? 'silent', clock: ports.clock, ...(stop.signal ? {signal: stop.signal} : {}), ...(input.write ? {write: input.write} : {})})
  let kube: Kube | undefined
  let engine: ManifestApply | undefined
  await runUntilStopped(what, run, stop, async () => {
    kube = await ports.kube({kubeconfig: input.kubeconfig, context: input.context, cluster})
    const client = kube
    const owners = [namespaceSetOwnerLabels(setName)]
    await run.run(
      applyStageActs(
        'namespaces',
        stages,
        (progress) =>
          (engine = new ManifestApply(client, objects, {
            force: input.force,
            owners,
            prune: input.prune ? {scopes: owners} : undefined,
            timeoutMs: input.timeoutMs,
            concurrency: input.concurrency,
            clock: ports.clock,
            onProgress: progress,
            ...(stop.signal ? {signal: stop.signal} : {}),
          })),
        {dryRun: false, onProgress: input.onProgress},
      ),
    )
  }, () => kube?.close())
  if (engine) {
    const applied = engine.finish()
    result.applied = applied.applied.length
    result.unchanged = applied.unchanged.length
    result.pruned = applied.pruned.map((r) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`)
    result.durationMs = applied.durationMs
  }
  result.steps = run.records
  const deployers = set.namespaces.filter((n) => n.deployer).map((n) => n.name)
  const target = cluster ? `--cluster ${cluster}` : `--context ${input.context}`
  result.summary = summariseRun(run.records, {
    started,
    ended: ports.clock.now(),
    use: [`kubectl get namespaces -l ${Object.entries(namespaceSetOwnerLabels(setName)).map(([k, v]) => `${k}=${v}`).join(',')}`],
    ...(deployers.length > 0 ? {next: `kopsmith namespaces token ${deployers[0]} ${target}   (a kubeconfig for its CI deployer)`} : {}),
  })
  return result
}

/**
 * One file per namespace, Namespace first, so `kubectl apply -f DIR` (which goes file by file, in
 * document order) creates each namespace before what lives in it.
 */
async function writeNamespaceManifests(files: UserFiles, outputDir: string, set: NamespaceSet, objects: KubeObject[]): Promise<string[]> {
  const out = outputDir.replace(/\/+$/, '')
  const written: string[] = []
  for (const group of groupByNamespace(set, objects)) {
    const name = `${group.namespace}.yaml`
    await files.write(`${out}/${name}`, toYamlStream(sortForApply(group.objects)))
    written.push(name)
  }
  return written
}
