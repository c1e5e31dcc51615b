import {parse as parseYaml} from 'yaml'

import {decideBundleObject, isAppliedAction, summarizeBundle, type BundleAction} from '../core/addons/bundle.js'
import {renderAddon, renderAddonBundle, isAddonEnabled, orderAddons, resolveAddonVersion, resolveImages, ADDON_NAMES} from '../core/addons/render.js'
import {addonMetadataSchema, type AddonData} from '../core/addons/metadata.js'
import {toYamlStream} from '../core/apply/manifests.js'
import {addonOwnerLabels} from '../core/apply/ownership.js'
import {refKey, refOf, sortForApply} from '../core/apply/phases.js'
import {rolloutState} from '../core/apply/rollout.js'
import type {ClusterConfig} from '../core/config/types.js'
import {buildAddonsInstallPlan, GATEWAY_API_STEP} from '../core/addons/install-plan.js'
import {CliError, DeclinedError, UsageError} from '../core/errors.js'
import type {Plan, StepRecord} from '../core/plan.js'
import {type RunSummary, summariseRun} from '../core/run-summary.js'
import type {Clock, Interrupts, Kops, Kube, KubeObject, KubeTarget, PackageFiles, UserFiles, Workspace} from '../ports.js'
import type {TaskDisplay} from '../ui/tasks.js'
import {ManifestApply, type ApplyProgress} from './apply-manifests.js'
import {applyStageActs, interruptible, runUntilStopped} from './apply-steps.js'
import {StepRun} from './step-run.js'

export interface AddonsPorts {
  packageFiles: PackageFiles
  files: UserFiles
  clock: Clock
  kube(target: KubeTarget): Promise<Kube>
  /** Ctrl-C for a run that is not inside another (which passes its own signal). */
  interrupts?: Interrupts
}

/** Reads `addons/<name>/addon.yaml` and the templates it lists, through the package loader. */
export async function loadAddons(packageFiles: PackageFiles): Promise<AddonData[]> {
  const names = await packageFiles.list('addons')
  const addons: AddonData[] = []
  for (const name of names) {
    const text = await packageFiles.read(`addons/${name}/addon.yaml`).catch(() => undefined)
    if (text === undefined) continue
    const parsed = addonMetadataSchema.safeParse(parseYaml(text))
    // Shipped data that does not match its schema is a bug in kopsmith, not a user error.
    if (!parsed.success) throw new CliError(`addons/${name}/addon.yaml is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
    const templates = await Promise.all(parsed.data.manifests.map(async (file) => ({file, text: await packageFiles.read(`addons/${name}/${file}`)})))
    const bundleDir = parsed.data.gatewayApi && `addons/${name}/${parsed.data.gatewayApi.directory}`
    const bundleFiles = bundleDir ? (await packageFiles.list(bundleDir)).filter((f) => f.endsWith('.yaml')) : []
    const bundle = await Promise.all(bundleFiles.map(async (file) => ({file, text: await packageFiles.read(`${bundleDir}/${file}`)})))
    addons.push({metadata: parsed.data, templates, ...(bundleDir ? {bundle} : {})})
  }
  return orderAddons(addons)
}

export interface AddonListEntry {
  name: string
  version: string
  namespace: string
  enabled: boolean
  images: string[]
  followsKubernetesMinor: boolean
  kubernetes: {min: string; max: string}
  healthChecks: Array<{kind: string; namespace: string; name: string}>
}

/** What `addons install` would install on this cluster, enabled or not. No cluster needed. */
export function listAddons(config: ClusterConfig, addons: readonly AddonData[]): AddonListEntry[] {
  return addons.map(({metadata}) => {
    const enabled = isAddonEnabled(config, metadata.name)
    let images: string[] = []
    let version = metadata.version
    try {
      images = Object.values(resolveImages(metadata, config.kubernetesVersion))
      version = resolveAddonVersion(metadata, config.kubernetesVersion)
    } catch (error) {
      if (enabled) throw error
    }
    return {
      name: metadata.name,
      version,
      namespace: metadata.namespace,
      enabled,
      images,
      followsKubernetesMinor: metadata.followsKubernetesMinor,
      kubernetes: metadata.kubernetes,
      healthChecks: metadata.healthChecks,
    }
  })
}

/** Addons whose version is chosen by the Kubernetes minor: `cluster upgrade` re-applies these after each hop. */
export function addonsFollowingKubernetesMinor(addons: readonly AddonData[]): string[] {
  return addons.filter((a) => a.metadata.followsKubernetesMinor).map((a) => a.metadata.name)
}

export interface InstallAddonsInput {
  config: ClusterConfig
  /** The cluster file, named in the command the summary suggests next. */
  file?: string
  /** `--kubeconfig`; by default KUBECONFIG, else the admin kubeconfig `cluster create` exported. Not needed for dryRun with outputDir. */
  kubeconfig?: string
  /** `--context`, named by the user; otherwise the context must point at this cluster's API. */
  context?: string
  force: boolean
  prune: boolean
  timeoutMs: number
  /**
   * Change nothing. With outputDir: render only, writing `<addon>.yaml` per addon — no cluster, no
   * credentials. Without: compare with the cluster (reads only) and report what would be done.
   */
  dryRun: boolean
  outputDir?: string
  /** Restrict to these addons (e.g. those following the Kubernetes minor after an upgrade hop). */
  only?: string[]
  concurrency?: number
  pollIntervalMs?: number
  onProgress?: (event: ApplyProgress) => void
  /**
   * The caller's stop signal (a run inside `cluster create` or `cluster upgrade`); without one the
   * run stops on Ctrl-C itself (`ports.interrupts`). Either way it stops between requests and waits.
   */
  signal?: AbortSignal
  /** A real run asks this, with the plan, before contacting the cluster; no → DeclinedError (exit 9). */
  confirm?: (plan: Plan) => Promise<boolean>
  /** How the steps show while they run (default: not at all). */
  display?: TaskDisplay
  /** Where plain progress lines go (default: standard output). */
  write?: (line: string) => void
}

export interface GatewayApiReport {
  version: string
  channel: string
  /** False for a render-only dry run: the cluster was not read. */
  checked: boolean
  /** e.g. `10 installed v1.6.1, 2 unchanged v1.6.1`. */
  summary: string
  objects: Array<{kind: string; name: string; action: BundleAction; installed?: string; summary: string}>
}

export interface InstallAddonsResult {
  cluster: string
  dryRun: boolean
  addons: Array<{name: string; version: string; enabled: boolean; objects: number}>
  /** The Gateway API release shipped with the ingress addon, and what was (or would be) done with each of its objects. */
  gatewayApi?: GatewayApiReport
  files: string[]
  /** Objects applied because they were new, changed or drifted (dry run: that would be). */
  applied: number
  /** Objects already as rendered, left alone. */
  unchanged: number
  /** Dry run: that would be pruned. */
  pruned: string[]
  rollouts: string[]
  durationMs: number
  /** The steps a run executes, in order (what --dry-run prints and the confirmation shows). */
  plan: Plan
  /** A run that compared with or changed the cluster: every plan step with what became of it. */
  steps?: StepRecord[]
  /** A real run that finished: its end-of-run summary. */
  summary?: RunSummary
}

/**
 * `addons install`: render the enabled addons for this cluster, then write them (dry run) or
 * server-side apply them in phases with rollout waits; prune removes objects of our addons that are
 * no longer rendered — including every object of an addon that was switched off. Upstream bundle
 * objects (Gateway API) are first compared with the cluster's: installed when missing, upgraded
 * when older, a newer or other-channel release kept (see core/addons/bundle.ts). A run that reads
 * the cluster executes the plan step for step (services/step-run.ts); a dry run executes the same
 * steps, reading and comparing only.
 */
export async function installAddons(ports: AddonsPorts, input: InstallAddonsInput): Promise<InstallAddonsResult> {
  const all = await loadAddons(ports.packageFiles)
  const unknown = (input.only ?? []).filter((n) => !all.some((a) => a.metadata.name === n))
  if (unknown.length > 0) throw new UsageError(`unknown addon(s): ${unknown.join(', ')}`, {suggestions: [`Known addons: ${all.map((a) => a.metadata.name).join(', ')}`]})
  const selected = input.only ? all.filter((a) => input.only!.includes(a.metadata.name)) : all
  const rendered = selected.map((addon) => {
    const enabled = isAddonEnabled(input.config, addon.metadata.name)
    const objects = enabled ? renderAddon(input.config, addon) : []
    return {addon, enabled, objects}
  })
  const bundleAddon = rendered.find((r) => r.enabled && r.addon.metadata.gatewayApi)
  const bundle = bundleAddon ? renderAddonBundle(bundleAddon.addon) : []
  const spec = bundleAddon?.addon.metadata.gatewayApi
  const name = input.config.name
  const scopeNames = [...new Set([...ADDON_NAMES.filter((n) => !input.only || input.only.includes(n)), ...selected.map((a) => a.metadata.name)])]
  const renderedObjects = rendered.flatMap((r) => r.objects)
  const {plan, stages} = buildAddonsInstallPlan({
    cluster: name,
    objects: renderedObjects,
    ...(spec ? {gatewayApi: {version: spec.bundleVersion, channel: spec.channel, objects: bundle.length}} : {}),
    prune: input.prune,
    pruneScopes: scopeNames,
    timeoutMs: input.timeoutMs,
  })
  const result: InstallAddonsResult = {
    cluster: name,
    dryRun: input.dryRun,
    addons: rendered.map((r) => ({
      name: r.addon.metadata.name,
      version: r.enabled ? resolveAddonVersion(r.addon.metadata, input.config.kubernetesVersion) : r.addon.metadata.version,
      enabled: r.enabled,
      objects: r.objects.length,
    })),
    files: [],
    applied: 0,
    unchanged: 0,
    pruned: [],
    rollouts: [],
    durationMs: 0,
    plan,
  }
  if (input.dryRun && input.outputDir) {
    const out = input.outputDir.replace(/\/+$/, '')
    for (const r of rendered.filter((x) => x.enabled)) {
      const file = `${r.addon.metadata.name}.yaml`
      await ports.files.write(`${out}/${file}`, toYamlStream(sortForApply(r.objects)))
      result.files.push(file)
    }
    if (spec) result.gatewayApi = {version: spec.bundleVersion, channel: spec.channel, checked: false, summary: 'not compared with a cluster (render only)', objects: []}
    return result
  }
  if (!input.dryRun && input.confirm && !(await input.confirm(plan))) throw new DeclinedError(`not installing the addons on ${name}: answered no; nothing was applied`)

  const started = ports.clock.now()
  const what = `addons install on ${name}`
  const stop = interruptible(ports.interrupts, input.signal, what)
  const run = new StepRun(plan, {display: input.display ?? 'silent', clock: ports.clock, ...(stop.signal ? {signal: stop.signal} : {}), ...(input.write ? {write: input.write} : {})})
  let kube: Kube | undefined
  let engine: ManifestApply | undefined
  await runUntilStopped(what, run, stop, async () => {
    kube = await ports.kube({kubeconfig: input.kubeconfig, context: input.context, cluster: name})
    const client = kube
    let skipped = new Set<string>()
    let forceRefs = new Set<string>()
    const scopes = scopeNames.map(addonOwnerLabels)
    await run.run({
      ...(spec
        ? {
            [GATEWAY_API_STEP]: async () => {
              const decisions = await Promise.all(bundle.map(async (o) => (stop.signal?.throwIfAborted(), decideBundleObject(o, await client.get(refOf(o))))))
              result.gatewayApi = {
                version: spec.bundleVersion,
                channel: spec.channel,
                checked: true,
                summary: summarizeBundle(decisions),
                objects: decisions.map((d) => ({kind: d.ref.kind, name: d.ref.name, action: d.action, ...(d.installed ? {installed: d.installed} : {}), summary: d.summary})),
              }
              skipped = new Set(decisions.filter((d) => !isAppliedAction(d.action)).map((d) => refKey(d.ref)))
              // An upgrade replaces an older release someone may have installed with another tool: take its fields.
              forceRefs = new Set(decisions.filter((d) => d.action === 'upgrade').map((d) => refKey(d.ref)))
              return result.gatewayApi.summary
            },
          }
        : {}),
      ...applyStageActs(
        'addons',
        stages,
        (progress) =>
          (engine = new ManifestApply(
            client,
            renderedObjects.filter((o) => !skipped.has(refKey(refOf(o)))),
            {
              force: input.force,
              forceRefs,
              owners: scopes,
              prune: input.prune ? {scopes} : undefined,
              dryRun: input.dryRun,
              timeoutMs: input.timeoutMs,
              concurrency: input.concurrency,
              pollIntervalMs: input.pollIntervalMs,
              clock: ports.clock,
              onProgress: progress,
              ...(stop.signal ? {signal: stop.signal} : {}),
            },
          )),
        {dryRun: input.dryRun, onProgress: input.onProgress},
      ),
    })
  }, () => kube?.close())
  if (engine) {
    const applied = engine.finish()
    result.applied = applied.applied.length
    result.unchanged = applied.unchanged.length
    result.pruned = applied.pruned.map(describe)
    result.rollouts = applied.rollouts.map((r) => `${describe(r)}: ${r.message}`)
    result.durationMs = applied.durationMs
  }
  result.steps = run.records
  if (!input.dryRun) result.summary = summariseRun(run.records, {started, ended: ports.clock.now(), ...(input.file ? {next: `kopsmith addons status -f ${input.file}`} : {})})
  return result
}

export interface AddonStatus {
  name: string
  enabled: boolean
  expectedVersion: string
  installed: boolean
  /** Whether every health-check workload runs exactly the expected images. */
  upToDate: boolean
  healthy: boolean
  workloads: Array<{kind: string; namespace: string; name: string; found: boolean; ready: boolean; message: string; images: string[]}>
}

/** `addons status`: per addon, whether its workloads exist, run the expected images and finished rolling out. */
export async function addonsStatus(ports: AddonsPorts, input: {config: ClusterConfig; kubeconfig?: string; context?: string}): Promise<AddonStatus[]> {
  const addons = await loadAddons(ports.packageFiles)
  const kube = await ports.kube({kubeconfig: input.kubeconfig, context: input.context, cluster: input.config.name})
  try {
    return await Promise.all(
      addons.map(async ({metadata}) => {
        const enabled = isAddonEnabled(input.config, metadata.name)
        const expectedImages = enabled ? Object.values(resolveImages(metadata, input.config.kubernetesVersion)) : []
        const workloads = await Promise.all(
          metadata.healthChecks.map(async (check) => {
            const live = await kube.get({apiVersion: 'apps/v1', kind: check.kind, name: check.name, namespace: check.namespace})
            if (!live) return {...check, found: false, ready: false, message: 'not installed', images: []}
            const state = rolloutState(live)
            return {...check, found: true, ready: state.done, message: state.message, images: containerImages(live)}
          }),
        )
        const installed = workloads.length > 0 && workloads.every((w) => w.found)
        return {
          name: metadata.name,
          enabled,
          expectedVersion: enabled ? resolveAddonVersion(metadata, input.config.kubernetesVersion) : metadata.version,
          installed,
          upToDate: installed && workloads.every((w) => expectedImages.every((img) => w.images.includes(img))),
          healthy: installed && workloads.every((w) => w.ready),
          workloads,
        }
      }),
    )
  } finally {
    kube.close()
  }
}

function containerImages(workload: KubeObject): string[] {
  const spec = workload.spec as {template?: {spec?: {containers?: Array<{image?: string}>}}} | undefined
  return (spec?.template?.spec?.containers ?? []).flatMap((c) => (c.image ? [c.image] : []))
}

function describe(ref: {kind: string; name: string; namespace?: string}): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`
}

/**
 * After `cluster upgrade`: exports a fresh admin kubeconfig (kops' admin credentials last 18 h)
 * and re-applies only the addons whose versions follow the Kubernetes minor, rendered for the new
 * version. Returns their names.
 */
export async function reapplyMinorFollowingAddons(
  ports: AddonsPorts & {kops: Kops; workspace: Workspace},
  config: ClusterConfig,
  kubernetesVersion: string,
  signal: AbortSignal,
): Promise<string[]> {
  const only = addonsFollowingKubernetesMinor(await loadAddons(ports.packageFiles)).filter((name) => isAddonEnabled(config, name))
  if (only.length === 0) return []
  const kubeconfig = `kubeconfig/${config.name}`
  const kops = ports.kops.withStateStore(`s3://${config.stateStore.bucket}`)
  await kops.exportKubeconfig(config.name, ports.workspace.resolve(kubeconfig), {signal})
  await ports.workspace.setMode(kubeconfig, 0o600)
  await installAddons(ports, {
    config: {...config, kubernetesVersion},
    kubeconfig: ports.workspace.resolve(kubeconfig),
    only,
    force: false,
    prune: false,
    dryRun: false,
    timeoutMs: 10 * 60_000,
    signal,
  })
  return only
}
