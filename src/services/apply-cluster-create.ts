import {randomBytes} from 'node:crypto'

import {diffSpecs} from '../core/drift.js'
import {parseUpdateApplied} from '../core/kops/kops-output.js'
import {desiredDiscoveryBucket, desiredStateBucket} from '../core/aws/bucket.js'
import type {Plan, StepRecord} from '../core/plan.js'
import {type RunSummary, summariseRun} from '../core/run-summary.js'
import type {CallerIdentity, Clock, Dns, Identity, Kops, Kube, KubeTarget, PackageFiles, StateStore, UserFiles, Workspace} from '../ports.js'
import type {TaskDisplay} from '../ui/tasks.js'
import {installAddons} from './addons.js'
import type {ApplyProgress} from './apply-manifests.js'
import {writeClusterMetadata} from './cluster-metadata.js'
import {type CreateClusterInput, type HardeningSummary, planClusterCreate} from './create-cluster.js'
import {
  checkNamespaceTeams,
  clusterAccessOf,
  type CreatePreflight,
  decideClusterCreate,
  freshClusterRecord,
  namespacesFileOf,
  planFromPreflight,
  preflightActs,
  preflightClusterCreate,
  recordMatches,
} from './create-preflight.js'
import {ensureDnsZone, verifyPrivateZone} from './dns-zone.js'
import {bootstrapNamespaces} from './namespaces.js'
import {runLockedOperation, type OperationContext, type OperationSpec} from './operation.js'
import {type BucketOutcome, ensureBucket} from './state-bucket.js'
import {type StepAct, type StepResult, StepRun} from './step-run.js'
import {validateUntilHealthy} from './validate-cluster.js'

export interface CreatePorts {
  identity: Identity
  store: StateStore
  dns: Dns
  kops: Kops
  clock: Clock
  workspace: Workspace
  packageFiles: PackageFiles
  files: UserFiles
  operation: OperationContext
  kube(target: KubeTarget): Promise<Kube>
}

export interface ApplyCreateOptions {
  display: TaskDisplay
  /** How long the validation loop may wait for a healthy cluster. */
  waitMs: number
  intervalMs?: number
  /** Consecutive healthy validations required. */
  consecutive?: number
  /** argv, for the audit record. */
  command: string[]
  /** Where plain progress lines go (default: standard output). */
  write?: (line: string) => void
}

export interface CreateResult {
  cluster: string
  dryRun: false
  kubeconfig: string
  /** Every plan step with what became of it, in plan order (also in the audit record). */
  steps: StepRecord[]
  hardening: HardeningSummary
  summary: RunSummary
}

/**
 * The plan a real run would follow, from the same preflight it runs (reads only): shown before the
 * confirmation of an interactive `cluster create`. Refuses exactly what the run would refuse.
 */
export async function previewClusterCreate(ports: Pick<CreatePorts, 'store' | 'dns' | 'kops' | 'packageFiles' | 'files' | 'clock' | 'identity'>, input: CreateClusterInput): Promise<Plan> {
  await ports.identity.whoAmI()
  const kops = ports.kops.withStateStore(`s3://${input.config.stateStore.bucket}`)
  return planFromPreflight(input, await preflightClusterCreate(ports, kops, input), ports.clock.now())
}

/**
 * `cluster create --yes`: the create plan, executed step for step by one runner (step-run.ts): the
 * preflight's reads, the state bucket (the lock lives in it), the lock, then everything else under
 * it, each step find → compare → act, so a re-run after a failure at any step completes the job
 * without redoing finished work. Nothing is created before every precondition of every resource
 * has been checked; holding the lock, the existing cluster is judged again, as another run may
 * have changed it. The audit record stores the plan and each step's outcome under the step's id.
 */
export async function applyClusterCreate(ports: CreatePorts, input: CreateClusterInput, options: ApplyCreateOptions): Promise<CreateResult> {
  const {config} = input
  const name = config.name
  const logFile = ports.workspace.runLogPath(name, 'create')
  const kopsPort = ports.kops.withStateStore(`s3://${config.stateStore.bucket}`, {logFile})
  await checkNamespaceTeams(ports.files, input)
  const {plan} = await planClusterCreate(ports, {...input, outputDir: undefined})
  const run = new StepRun(plan, {display: options.display, clock: ports.clock, ...(options.write ? {write: options.write} : {})})
  const spec: OperationSpec = {bucket: config.stateStore.bucket, cluster: name, operation: 'create', command: options.command, run}
  const found: Partial<CreatePreflight> = {}
  const started = ports.clock.now()

  const prepare = async (signal: AbortSignal, identity: CallerIdentity): Promise<void> => {
    await run.run(
      {
        'preflight:credentials': async () => identity.arn,
        ...preflightActs(ports, kopsPort, input, found, signal),
        'state-bucket:ensure': async () => {
          // The preflight found what exists: the plan now says it (same steps, their live state).
          run.refine(planFromPreflight(input, found as CreatePreflight, ports.clock.now()))
          return bucketResult(await ensureBucket(ports.store, desiredStateBucket(config), signal))
        },
      },
      signal,
    )
  }

  const result = await runLockedOperation(ports.operation, spec, async (signal) => {
    let decision = found.decision!
    const manifestPath = `rendered/${name}/kops.yaml`
    const kubeconfigPath = `kubeconfig/${name}`
    const kubeconfig = ports.workspace.resolve(kubeconfigPath)
    const kops = {signal}
    const skipped = (outcome: string): StepResult => ({status: 'skipped', outcome})
    const acts: Record<string, StepAct> = {
      'discovery-bucket:ensure': async () => bucketResult(await ensureBucket(ports.store, desiredDiscoveryBucket(config), signal)),
      [config.dns.type === 'public' ? 'dns:ensure-public-zone' : 'dns:check-private-zone']: async () => {
        const report = await ensureDnsZone(ports.dns, config, {delegate: input.delegate, timeoutMs: 10 * 60_000, signal})
        return report.action === 'found' ? {status: 'unchanged', outcome: 'found'} : report.action
      },
      'render:kops-spec': async () => {
        // Judged again under the lock: another run may have changed the cluster since the preflight.
        decision = await decideClusterCreate(ports, input, {kopsVersion: found.kops!.kops.version, stateBucketExists: true})
        spec.overrides = decision.changes
        await ports.workspace.writeFile(manifestPath, decision.rendered.manifest)
        return `written to ${manifestPath}`
      },
      'kops:create-or-replace': async (r) => {
        const file = ports.workspace.resolve(manifestPath)
        const stored = await kopsPort.getCluster(name, kops)
        if (!stored) {
          await kopsPort.createFromFile(file, {...kops, onOutput: r.output})
          return 'created'
        }
        const drift = specDrift(decision.rendered, stored, await kopsPort.getInstanceGroups(name, kops))
        if (drift.length === 0) return {status: 'unchanged', outcome: 'the stored spec matches'}
        r.output(`${drift.length} field(s) differ, e.g. ${drift[0]}`)
        await kopsPort.replaceFromFile(file, {...kops, force: true, onOutput: r.output})
        return 'replaced'
      },
      'metadata:write': async () => {
        if (recordMatches(input, decision, ports.clock.now())) return {status: 'unchanged', outcome: 'the record matches'}
        await writeClusterMetadata(ports.store, config.stateStore.bucket, freshClusterRecord(input, decision, ports.clock.now()))
        return decision.record ? 'updated' : 'written'
      },
      'kops:encryption-secret': async (r) => {
        if (await kopsPort.hasEncryptionConfig(name, kops)) return {status: 'unchanged', outcome: 'exists, not rotated'}
        // Generated in memory and handed to kops on standard input: no file ever holds the key.
        await kopsPort.createEncryptionConfigSecret(name, encryptionConfig(randomBytes(32).toString('base64')), {...kops, onOutput: r.output})
        return 'created'
      },
      'kops:update-cluster': async (r) => {
        const applied = parseUpdateApplied((await kopsPort.updateCluster(name, {...kops, yes: true, onOutput: r.output})).output)
        return applied === 'no changes' ? {status: 'unchanged', outcome: applied} : applied
      },
      'validate:wait': async (r) => {
        const validation = await validateUntilHealthy(kopsPort, ports.clock, {
          name,
          waitMs: options.waitMs,
          intervalMs: options.intervalMs ?? 10_000,
          count: options.consecutive ?? 2,
          signal,
          onAttempt: (a) => r.output(`attempt ${a.attempt}: ${a.healthy ? `healthy (${a.consecutive} in a row)` : (a.error ?? `${a.result.failures.length} failure(s): ${a.result.failures[0]?.message ?? ''}`)}`),
        })
        return `healthy after ${validation.attempts} attempt(s)`
      },
      'kubeconfig:export': async (r) => {
        await kopsPort.exportKubeconfig(name, kubeconfig, {...kops, onOutput: r.output})
        await ports.workspace.setMode(kubeconfigPath, 0o600)
        return 'exported, mode 0600'
      },
      ...(input.writeKubeconfig === undefined
        ? {}
        : {
            'kubeconfig:write-user': async (r) => {
              // kops merges into an existing file (other contexts stay) and writes it 0600.
              await kopsPort.exportKubeconfig(name, input.writeKubeconfig!, {...kops, onOutput: r.output})
              return `context ${name} written to ${input.writeKubeconfig}`
            },
          }),
      ...(config.dns.type === 'private'
        ? {'dns:verify-private-zone': async () => `associated with ${(await verifyPrivateZone(ports.dns, config)).vpcs.map((x) => x.vpcId).join(', ')}`}
        : {}),
      'addons:install': async (r) => {
        if (input.skip.has('addons')) return skipped('--skip addons')
        const installed = await installAddons(ports, {config, kubeconfig, force: false, prune: true, dryRun: false, timeoutMs: 10 * 60_000, signal, onProgress: (p) => r.output(describeProgress(p))})
        return `${installed.applied} object(s) applied`
      },
      'namespaces:bootstrap': async (r) => {
        const nsFile = namespacesFileOf(input)
        if (!nsFile) return skipped(input.skip.has('namespaces') ? '--skip namespaces' : 'spec.namespaces.file is not set')
        const bootstrapped = await bootstrapNamespaces(ports, {
          file: nsFile, access: clusterAccessOf(input), kubeconfig, cluster: name, prune: false, force: false, dryRun: false, timeoutMs: 10 * 60_000, signal,
          onProgress: (p) => r.output(describeProgress(p)),
        })
        return `${bootstrapped.namespaces.length} namespace(s)`
      },
    }
    await run.run(acts, signal)
    return {kubeconfig, hardening: decision.hardening}
  }, {prepare})
  return {
    cluster: name,
    dryRun: false as const,
    kubeconfig: result.kubeconfig,
    steps: run.records,
    hardening: result.hardening,
    summary: summariseRun(run.records, {
      started,
      ended: ports.clock.now(),
      logFile,
      auditRecord: spec.auditRecord,
      use: [`export KUBECONFIG=${result.kubeconfig}`, 'kubectl get nodes'],
      next: `kopsmith cluster validate -f ${input.file}`,
    }),
  }
}

function bucketResult(outcome: BucketOutcome): StepResult {
  return outcome.action === 'unchanged' ? {status: 'unchanged', outcome: 'exists, hardened'} : outcome.action
}

function describeProgress(p: ApplyProgress): string {
  const ref = 'ref' in p ? `${p.ref.kind}/${p.ref.namespace ? `${p.ref.namespace}/` : ''}${p.ref.name}` : ''
  switch (p.type) {
    case 'phase':
      return `${p.phase}: ${p.count} object(s)`
    case 'waiting':
    case 'ready':
      return `${ref}: ${p.message}`
    default:
      return `${p.type} ${ref}`
  }
}

/** Field paths where the stored kops spec differs from what we render (kops-filled fields ignored). */
function specDrift(rendered: {cluster: object; instanceGroups: readonly object[]}, stored: Record<string, unknown>, storedIgs: ReadonlyArray<Record<string, unknown>>): string[] {
  return diffSpecs(rendered, {cluster: stored, instanceGroups: storedIgs}).map((d) => d.path)
}

function encryptionConfig(secret: string): string {
  return [
    'apiVersion: apiserver.config.k8s.io/v1',
    'kind: EncryptionConfiguration',
    'resources:',
    '  - resources: [secrets]',
    '    providers:',
    '      - aescbc:',
    '          keys:',
    `            - {name: key1, secret: ${secret}}`,
    '      - identity: {}',
    '',
  ].join('\n')
}
