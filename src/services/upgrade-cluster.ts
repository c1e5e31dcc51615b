import semver from 'semver'
import YAML from 'yaml'

import type {ClusterConfig} from '../core/config/types.js'
import {diffSpecs, type DriftEntry} from '../core/drift.js'
import {InvalidFileError, PreconditionError, RefusedError, UnhealthyError, UsageError} from '../core/errors.js'
import {
  chooseRolloutMethod,
  planUpgradePath,
  resolveTargetVersion,
  rolloutActions,
  type RolloutAction,
  type RolloutMethod,
  setClusterVersion,
  storedKubernetesVersion,
  type UpgradeHop,
} from '../core/kops/upgrade-path.js'
import {apiOutOfReach, describeRoll, describeSurge, previewRollout, type RolloutPreview} from '../core/kops/rollout.js'
import {summariseValidation} from '../core/kops/validation.js'
import {LABELS, lockKey} from '../core/naming.js'
import {evaluateWindow, parseMaintenanceWindow} from '../core/window.js'
import type {Plan, PlanStep, StepRecord} from '../core/plan.js'
import {type RunSummary, summariseRun} from '../core/run-summary.js'
import type {Clock, Kops, PackageFiles, Workspace} from '../ports.js'
import type {TaskDisplay} from '../ui/tasks.js'
import {runLockedOperation, type OperationContext, type OperationSpec} from './operation.js'
import {type StepAct, StepRun} from './step-run.js'
import {renderClusterManifests} from './render-cluster.js'
import {validateUntilHealthy} from './validate-cluster.js'

export interface UpgradePorts {
  /** Unbound kops; the service binds it to the cluster's state bucket and a run log. */
  kops: Kops
  clock: Clock
  workspace: Workspace
  /** Lock + audit (loads the AWS SDK), asked for only when the upgrade really runs. */
  operation: () => Promise<OperationContext>
  /** With it, the plan shows how the stored spec differs from the cluster file beyond the version. */
  packageFiles?: PackageFiles
  /**
   * Re-applies the addons whose versions follow the Kubernetes minor (cluster-autoscaler), after
   * the last hop; returns their names. Absent: addons are left as they are.
   */
  followAddons?: (kubernetesVersion: string, signal: AbortSignal) => Promise<string[]>
}

export interface UpgradeInput {
  config: ClusterConfig
  /** The cluster file's path, for messages. */
  file: string
  /** `--to`: a full version, or a minor (`1.36`) meaning its stable-channel patch. Default: the file's version. */
  to?: string
  dryRun: boolean
  yes: boolean
  /** A person at a terminal: the maintenance window does not apply and the plan can be confirmed. */
  interactive: boolean
  ignoreWindow: boolean
  /** argv, for the audit record. */
  command: string[]
  /** Validation after each hop. */
  validate: {waitMs: number; intervalMs: number; count: number}
  /** Asked (interactive, without --yes) after the plan is known; false cancels. */
  confirm?: (plan: Plan) => Promise<boolean>
  onProgress?: (event: UpgradeProgress) => void
  /** How the steps show while they run (default: not at all). */
  display?: TaskDisplay
  /** Where plain progress lines go (default: standard output). */
  write?: (line: string) => void
}

export type UpgradeProgress = {kind: 'output'; line: string} | {kind: 'log'; path: string}

export type UpgradeStatus = 'up-to-date' | 'planned' | 'upgraded' | 'skipped' | 'cancelled'

export interface UpgradeHopResult extends UpgradeHop {
  status: 'pending' | 'done' | 'already-set'
}

export interface WindowReport {
  spec: string
  inside: boolean
  next: {start: string; end: string}
}

export interface UpgradeResult {
  cluster: string
  status: UpgradeStatus
  /** Set when nothing was done on purpose (outside the window). */
  reason?: string
  nextWindow?: {start: string; end: string}
  /** The stored version when the run started (null when skipped before reading it). */
  from: string | null
  to: string
  kops: string | null
  method: RolloutMethod | null
  /** The stored spec had changes not yet rolled out (an earlier run stopped mid-hop); finished first. */
  resumed: boolean
  hops: UpgradeHopResult[]
  window: WindowReport | null
  plan: Plan | null
  /**
   * kops' own rolling-update preview when the plan was made, per instance group in roll order: what
   * each hop replaces (every instance) and what kops marks NeedsUpdate now. Null when skipped.
   */
  rollout: RolloutPreview | null
  /** Addons re-applied for the new Kubernetes minor, once the hops are done. */
  addons?: string[]
  /** An upgrade that ran: every plan step with what became of it (also in the audit record). */
  steps?: StepRecord[]
  summary?: RunSummary
}

const PRE_VALIDATION_MAX_WAIT_MS = 5 * 60_000

/**
 * `cluster upgrade`: plan one minor at a time from the version stored in the state store to the
 * target, then — under the cluster lock — validate, and per hop set `spec.kubernetesVersion` in
 * the stored spec (`kops get cluster` → change → `kops replace -f`), roll it out (`reconcile`, or
 * update + rolling-update control plane then nodes) and validate again. The stored version says
 * where a path stands, and a pending `update`/`rolling-update` says a hop did not finish, so a
 * re-run after any failure resumes mid-path.
 *
 * The version is set by patching the stored object rather than re-rendering the cluster file: a
 * hop must change the version and nothing else (intermediate hops use versions the file never
 * names, and unreviewed edits to the file must not ride along with an upgrade), and the stored
 * object keeps what kops assigned at create time. Applying the file is `cluster create`'s job.
 */
export async function upgradeCluster(ports: UpgradePorts, input: UpgradeInput): Promise<UpgradeResult> {
  const {config} = input
  const name = config.name
  const target = resolveTargetVersion(input.to ?? config.kubernetesVersion)
  if (!target) {
    throw new UsageError(`--to ${input.to}: expected a Kubernetes version such as 1.35.7, or a minor such as 1.36 (its stable patch)`, {suggestions: ['kopsmith cluster upgrade -f FILE --to 1.35.7']})
  }
  const applying = !input.dryRun
  if (applying && !input.yes && !input.interactive) {
    throw new UsageError('cluster upgrade changes the cluster and this run cannot ask for confirmation; pass --yes', {
      suggestions: [`kopsmith cluster upgrade -f ${input.file} --yes`, `Preview first: kopsmith cluster upgrade -f ${input.file} --dry-run`],
    })
  }

  const window = windowReport(input, ports.clock.now())
  if (applying && window && !window.inside && !input.interactive && !input.ignoreWindow) {
    return {
      cluster: name,
      status: 'skipped',
      reason: 'outside maintenance window',
      nextWindow: window.next,
      from: null,
      to: target,
      kops: null,
      method: null,
      resumed: false,
      hops: [],
      window,
      plan: null,
      rollout: null,
    }
  }

  const logFile = applying ? ports.workspace.runLogPath(name, 'upgrade') : undefined
  if (logFile) input.onProgress?.({kind: 'log', path: logFile})
  const kops = ports.kops.withStateStore(`s3://${config.stateStore.bucket}`, logFile ? {logFile} : {})
  const kopsVersion = (await kops.version()).version
  const method = chooseRolloutMethod(kopsVersion, config.upgrade.drainTimeout)
  const observed = await observe(kops, name, config, target, kopsVersion)
  const plan = buildUpgradePlan(name, observed, method, config)
  if (ports.packageFiles) {
    const drift = await storedSpecDrift(kops, ports.packageFiles, config)
    if (drift.length > 0) {
      plan.steps.unshift({
        id: 'upgrade:drift',
        title: `The stored spec differs from ${input.file} in ${drift.length} field(s)`,
        action: 'check',
        reason: `an upgrade changes only the Kubernetes version; converge the rest with kopsmith cluster create -f ${input.file}`,
        changes: drift.map((d) => ({field: d.path, from: d.live, to: d.desired})),
      })
    }
  }
  if (ports.followAddons && observed.hops.length > 0) {
    plan.steps.push({id: 'upgrade:addons', title: 'Re-apply addons that follow the Kubernetes minor', action: 'run', reason: 'cluster-autoscaler must match the cluster\'s minor'})
  }
  // The lock's own steps are shown as they will run, around the steps under it.
  if (observed.hops.length > 0 || observed.pendingRollout) plan.steps = withLockSteps(plan.steps, config.stateStore.bucket, name)
  const base = {cluster: name, from: observed.current, to: target, kops: kopsVersion, method, window, rollout: observed.rollout}

  if (observed.hops.length === 0 && !observed.pendingRollout) {
    return {...base, status: 'up-to-date', resumed: false, hops: [], plan}
  }
  const pendingHops = observed.hops.map((h) => ({...h, status: 'pending' as const}))
  if (input.dryRun) return {...base, status: 'planned', resumed: observed.pendingRollout, hops: pendingHops, plan}
  if (!input.yes && !(await input.confirm?.(plan))) return {...base, status: 'cancelled', resumed: false, hops: pendingHops, plan}

  const context = await ports.operation()
  // One runner executes the plan it showed: the lock's own steps around the hops, each step's
  // outcome recorded under its id in the audit record (step-run.ts).
  const run = new StepRun(plan, {display: input.display ?? 'silent', clock: ports.clock, ...(input.write ? {write: input.write} : {})})
  const spec: OperationSpec = {bucket: config.stateStore.bucket, cluster: name, operation: 'upgrade', command: input.command, run}
  const started = ports.clock.now()
  const prepare = async (signal: AbortSignal): Promise<void> => {
    const drift = plan.steps.find((s) => s.id === 'upgrade:drift')
    if (drift) await run.run({'upgrade:drift': async () => ({status: 'skipped', outcome: `${drift.changes?.length ?? 0} field(s) left for cluster create`})}, signal)
  }
  const result = await runLockedOperation(context, spec, async (signal) => {
    const onOutput = (line: string): void => input.onProgress?.({kind: 'output', line})
    // Re-read under the lock: another run may have moved the cluster on since we planned.
    const now = await observe(kops, name, config, target, kopsVersion)
    if (now.current !== observed.current || now.pendingRollout !== observed.pendingRollout || now.hops.map((h) => h.to).join() !== observed.hops.map((h) => h.to).join()) {
      throw new PreconditionError(`${name} moved on since this plan was made (now on ${now.current}${now.pendingRollout ? ', a rollout pending' : ''}); nothing was changed by this run`, {
        suggestions: [`Run the same command again for a plan of what is there now: kopsmith cluster upgrade -f ${input.file}`],
      })
    }
    await refuseOlderKops(context, config.stateStore.bucket, name, kopsVersion)

    const validateOn = (version: string): StepAct => async (r) => {
      const validation = await validateUntilHealthy(kops, ports.clock, {name, ...input.validate, signal, onAttempt: (a) => r.output(`attempt ${a.attempt}: ${a.healthy ? 'healthy' : (a.error ?? `${a.result.failures.length} failure(s)`)}`)})
      return `healthy on ${version} after ${validation.attempts} attempt(s)`
    }
    const rolling = (r: {output(line: string): void}) => ({signal, onOutput: r.output, step: r.output})
    const hops: UpgradeHopResult[] = []
    const acts: Record<string, StepAct> = {
      'upgrade:validate-before': async () => {
        const before = await validateUntilHealthy(kops, ports.clock, {name, waitMs: Math.min(input.validate.waitMs, PRE_VALIDATION_MAX_WAIT_MS), intervalMs: input.validate.intervalMs, count: 1, signal})
        if (!before.healthy) {
          throw new UnhealthyError(`refusing to upgrade ${name}: it is not healthy now (${summariseValidation(before.result)})`, {
            suggestions: [`Fix the cluster first; see kopsmith cluster validate -f ${input.file}`],
            details: {cluster: name, failures: before.result.failures, nodes: before.result.nodes},
          })
        }
        return `healthy on ${now.current}`
      },
    }
    if (now.pendingRollout) {
      acts[`upgrade:finish-${now.current}`] = async (r) => {
        await rollOut(kops, name, rolloutActions(method, config.upgrade.drainTimeout), rolling(r))
        return 'rolled out'
      }
      acts[`upgrade:validate-${now.current}`] = validateOn(now.current)
    }
    for (const hop of now.hops) {
      acts[`upgrade:hop-${hop.to}`] = async (r) => {
        const stored = await kops.getCluster(name, {signal})
        if (!stored) throw new PreconditionError(`cluster ${name} disappeared from s3://${config.stateStore.bucket} during the upgrade`)
        const already = storedKubernetesVersion(stored) === hop.to
        if (!already) await kops.replaceFromContent(YAML.stringify(setClusterVersion(stored, hop.to, config.upgrade.maxSurge)), {signal, onOutput})
        await rollOut(kops, name, rolloutActions(method, config.upgrade.drainTimeout), rolling(r))
        hops.push({...hop, status: already ? 'already-set' : 'done'})
        return already ? `${hop.to} was set already; rolled out` : `set ${hop.to}; rolled out`
      }
      acts[`upgrade:validate-${hop.to}`] = validateOn(hop.to)
    }
    let addons: string[] | undefined
    if (plan.steps.some((s) => s.id === 'upgrade:addons')) {
      acts['upgrade:addons'] = async () => {
        addons = await ports.followAddons!(target, signal)
        return addons.join(', ') || 'none'
      }
    }
    await run.run(acts, signal)
    return {...base, from: now.current, status: 'upgraded' as const, resumed: now.pendingRollout, hops, plan: run.currentPlan, ...(addons ? {addons} : {})}
  }, {prepare})
  return {
    ...result,
    steps: run.records,
    summary: summariseRun(run.records, {
      started,
      ended: ports.clock.now(),
      ...(logFile ? {logFile} : {}),
      auditRecord: spec.auditRecord,
      next: `kopsmith cluster validate -f ${input.file}`,
    }),
  }
}

/** The lock's own steps, around what runs under it (a drift report comes before: it needs no lock). */
function withLockSteps(steps: PlanStep[], bucket: string, cluster: string): PlanStep[] {
  const before = steps.filter((s) => s.id === 'upgrade:drift')
  const rest = steps.filter((s) => s.id !== 'upgrade:drift')
  return [
    ...before,
    {id: 'lock:acquire', title: `Lock s3://${bucket}/${lockKey(cluster)}`, action: 'run', reason: 'one mutating run per cluster; a second one fails fast with exit 8'},
    ...rest,
    {id: 'lock:release', title: 'Release the lock and write the audit record', action: 'run', reason: 'also on failure and on Ctrl-C'},
  ]
}

// ---------------------------------------------------------------- observe and plan

/** Fields where the stored spec differs from what the cluster file renders, the version aside. */
async function storedSpecDrift(kops: Kops, packageFiles: PackageFiles, config: ClusterConfig): Promise<DriftEntry[]> {
  const [stored, instanceGroups] = await Promise.all([kops.getCluster(config.name), kops.getInstanceGroups(config.name)])
  if (!stored) return []
  const labels = (stored.spec as {cloudLabels?: Record<string, unknown>} | undefined)?.cloudLabels
  const expiresAt = typeof labels?.[LABELS.expiresAt] === 'string' ? (labels[LABELS.expiresAt] as string) : undefined
  const rendered = await renderClusterManifests(packageFiles, config, expiresAt ? {expiresAt} : {})
  return diffSpecs(rendered, {cluster: stored, instanceGroups}).filter((d) => d.path !== 'spec.kubernetesVersion')
}

interface Observed {
  current: string
  hops: UpgradeHop[]
  /** `kops update` or `kops rolling-update` still has work at the stored version. */
  pendingRollout: boolean
  updatePending: boolean
  groupsNeedingUpdate: string[]
  /** kops' rolling-update preview with each group's role, in roll order. */
  rollout: RolloutPreview
  storedMaxSurge: unknown
}

async function observe(kops: Kops, name: string, config: ClusterConfig, target: string, kopsVersion: string): Promise<Observed> {
  const stored = await kops.getCluster(name)
  if (!stored) {
    throw new PreconditionError(`cluster ${name} is not in s3://${config.stateStore.bucket}; there is nothing to upgrade`, {
      suggestions: ['Create it first: kopsmith cluster create -f FILE --yes', 'Or check spec.stateStore.bucket and metadata.name in the cluster file'],
    })
  }
  const current = storedKubernetesVersion(stored)
  if (!current) throw new PreconditionError(`the stored spec of ${name} has no spec.kubernetesVersion`, {suggestions: [`Inspect it: kops get cluster ${name} -o yaml`]})
  const path = planUpgradePath(current, target, kopsVersion)
  if (!path.ok) {
    const options = {suggestions: path.suggestions, details: {cluster: name, current, target, kops: kopsVersion, reason: path.reason}}
    if (path.reason === 'downgrade') throw new RefusedError(path.message, options)
    if (path.reason === 'invalid-version') throw new UsageError(path.message, options)
    throw new PreconditionError(path.message, options)
  }
  const update = await kops.updateCluster(name, {yes: false})
  const rolling = await kops.rollingUpdate(name, {yes: false}).catch((error: unknown) => {
    throw apiOutOfReach(error, name) ?? error
  })
  // The preview names groups but not their roles, which decide the order they roll in.
  const instanceGroups = await kops.getInstanceGroups(name)
  const spec = stored.spec as Record<string, unknown> | undefined
  const storedMaxSurge = (spec?.rollingUpdate as Record<string, unknown> | undefined)?.maxSurge
  return {
    current,
    hops: path.hops,
    pendingRollout: update.changesPending || rolling.needsUpdate.length > 0,
    updatePending: update.changesPending,
    groupsNeedingUpdate: rolling.needsUpdate,
    rollout: previewRollout(rolling.groups, instanceGroups),
    storedMaxSurge,
  }
}

function buildUpgradePlan(name: string, o: Observed, method: RolloutMethod, config: ClusterConfig): Plan {
  const how = describeMethod(method, config.upgrade.drainTimeout)
  const steps: PlanStep[] = [{id: 'upgrade:validate-before', title: `Validate ${name}`, action: 'check', reason: 'an unhealthy cluster is never upgraded'}]
  if (o.pendingRollout) {
    // What kops marks NeedsUpdate now; a pending `kops update` may mark more once it has run.
    const needing = describeRoll(o.rollout.groups, (g) => g.needUpdate)
    const what = [
      o.updatePending ? 'kops update has pending changes' : '',
      needing ? `kops marks ${o.rollout.needUpdate} instance(s) NeedsUpdate` : o.groupsNeedingUpdate.length ? `instance groups need rolling: ${o.groupsNeedingUpdate.join(', ')}` : '',
    ]
    steps.push({
      id: `upgrade:finish-${o.current}`,
      title: `Finish rolling out Kubernetes ${o.current}`,
      action: 'run',
      reason: `${what.filter(Boolean).join('; ')} (an earlier run stopped mid-hop); ${how}`,
      ...(needing ? {changes: [{field: needing}]} : {}),
    })
    steps.push({id: `upgrade:validate-${o.current}`, title: `Validate on ${o.current}`, action: 'check', reason: 'healthy before the next hop'})
  }
  o.hops.forEach((hop, i) => {
    const changes: NonNullable<PlanStep['changes']> = [{field: 'spec.kubernetesVersion', from: hop.from, to: hop.to}]
    if (i === 0 && o.storedMaxSurge !== config.upgrade.maxSurge) changes.push({field: 'spec.rollingUpdate.maxSurge', from: o.storedMaxSurge, to: config.upgrade.maxSurge})
    // A new version changes every group's launch template, so kops marks every instance NeedsUpdate.
    const rolls = describeRoll(o.rollout.groups, (g) => g.target)
    if (rolls) changes.push({field: rolls}, {field: describeSurge(config.upgrade.maxSurge)})
    steps.push({id: `upgrade:hop-${hop.to}`, title: `Kubernetes ${hop.from} → ${hop.to}`, action: 'update', reason: `one minor at a time; ${how}`, changes})
    steps.push({id: `upgrade:validate-${hop.to}`, title: `Validate on ${hop.to}`, action: 'check', reason: 'every hop must leave the cluster healthy'})
  })
  return {operation: 'upgrade', cluster: name, steps}
}

function describeMethod(method: RolloutMethod, drainTimeout: string): string {
  switch (method) {
    case 'reconcile':
      return 'kops reconcile cluster --yes (control plane, then nodes)'
    case 'staged':
      return `kops update + rolling-update, control plane then nodes, --drain-timeout ${drainTimeout} (reconcile has no drain-timeout flag)`
    case 'legacy':
      return `kops update --yes, then rolling-update control plane, then nodes, --drain-timeout ${drainTimeout} (this kops has no reconcile)`
  }
}

async function rollOut(kops: Kops, name: string, actions: RolloutAction[], options: {signal: AbortSignal; onOutput: (line: string) => void; step: (text: string) => void}): Promise<void> {
  const {signal, onOutput} = options
  for (const action of actions) {
    switch (action.kind) {
      case 'reconcile':
        options.step('kops reconcile cluster --yes')
        await kops.reconcileCluster(name, {yes: true, signal, onOutput})
        break
      case 'update':
        options.step(`kops update cluster --yes${action.roles ? ` --instance-group-roles ${action.roles.join(',')}` : ''}${action.prune ? ' --prune' : ''}`)
        await kops.updateCluster(name, {yes: true, signal, onOutput, ...(action.roles ? {instanceGroupRoles: action.roles} : {}), ...(action.prune ? {prune: true} : {})})
        break
      case 'rolling-update':
        options.step(`kops rolling-update cluster --yes --instance-group-roles ${action.roles.join(',')}`)
        await kops.rollingUpdate(name, {yes: true, signal, onOutput, instanceGroupRoles: action.roles, drainTimeout: action.drainTimeout})
        break
    }
  }
}

/**
 * kops refuses to update a cluster last updated by a newer kops (`kops-version.txt`), but only at
 * `update` — after the hop's version would already be stored. Checked first, so nothing changes.
 */
async function refuseOlderKops(context: OperationContext, bucket: string, name: string, kopsVersion: string): Promise<void> {
  const last = (await context.store.getObject(bucket, `${name}/kops-version.txt`))?.body.trim()
  if (!last || !semver.valid(last) || !semver.valid(kopsVersion) || !semver.gt(last, kopsVersion)) return
  throw new PreconditionError(`${name} was last updated by kops ${last}; kops ${kopsVersion} would refuse it ("kops version older than last used to update the cluster")`, {
    suggestions: [`Use kops ${last} or newer: --kops PATH or KOPSMITH_KOPS`],
    details: {cluster: name, lastKops: last, kops: kopsVersion},
  })
}

function windowReport(input: UpgradeInput, now: Date): WindowReport | null {
  const spec = input.config.upgrade.window
  if (!spec) return null
  const parsed = parseMaintenanceWindow(spec)
  if (!parsed.ok) throw new InvalidFileError(input.file, [{path: 'spec.upgrade.window', message: parsed.message}])
  const verdict = evaluateWindow(parsed.window, now)
  return {spec, inside: verdict.inside, next: {start: verdict.next.start.toISOString(), end: verdict.next.end.toISOString()}}
}
