import {mapLimit} from '../core/apply/concurrency.js'
import {FIELD_MANAGER, pruneKinds, selectPrunable} from '../core/apply/ownership.js'
import {buildApplyPhases, describeRef, refKey, refOf, type Phase} from '../core/apply/phases.js'
import {hasRollout, isEstablished, rolloutState} from '../core/apply/rollout.js'
import {ApiError, TimeoutError, isCliError} from '../core/errors.js'
import type {Clock, Kube, KubeObject, KubeResourceRef} from '../ports.js'

export type ApplyProgress =
  | {type: 'phase'; phase: Phase; count: number}
  | {type: 'applied'; ref: KubeResourceRef}
  | {type: 'waiting'; ref: KubeResourceRef; message: string}
  | {type: 'ready'; ref: KubeResourceRef; message: string}
  | {type: 'pruned'; ref: KubeResourceRef}

export interface PruneOptions {
  /**
   * Owner label sets, one per unit we own (an addon, a namespace set). A live object is deleted when
   * it carries every label of a scope and is no longer rendered.
   */
  scopes: Array<Record<string, string>>
}

export interface ApplyManifestsOptions {
  /** Take ownership of fields another field manager owns (`--force-conflicts`). */
  force: boolean
  /** Objects (refKey) applied with force whatever `force` says: upgrades of an upstream bundle we take over. */
  forceRefs?: ReadonlySet<string>
  /** Delete what we applied before and no longer render; undefined = no prune. */
  prune?: PruneOptions
  /** For CRDs to become Established and for rollouts, in total. */
  timeoutMs: number
  /** Requests in flight inside one phase. */
  concurrency?: number
  /** Between status reads while waiting. */
  pollIntervalMs?: number
  /** Skip rollout waits (objects are applied, nothing is awaited but CRDs). */
  waitForRollout?: boolean
  clock: Clock
  onProgress?: (event: ApplyProgress) => void
  signal?: AbortSignal
}

export interface ApplyResult {
  applied: Array<KubeResourceRef & {phase: Phase}>
  pruned: KubeResourceRef[]
  rollouts: Array<KubeResourceRef & {message: string}>
  durationMs: number
}

export const DEFAULT_APPLY_CONCURRENCY = 16

/**
 * Server-side applies `objects` with field manager `kopsmith`, phase by phase (namespaces → CRDs →
 * RBAC → config → workloads → webhooks), bounded concurrency inside a phase. Waits for CRDs to be
 * Established before anything that may use them, for Deployments/DaemonSets/StatefulSets to roll
 * out before webhooks, and prunes last. Re-running is safe: apply is idempotent.
 */
export async function applyManifests(kube: Kube, objects: readonly KubeObject[], options: ApplyManifestsOptions): Promise<ApplyResult> {
  const {clock} = options
  const started = clock.now().getTime()
  const deadline = started + options.timeoutMs
  const concurrency = options.concurrency ?? DEFAULT_APPLY_CONCURRENCY
  const poll = options.pollIntervalMs ?? 1000
  const emit = options.onProgress ?? (() => {})
  const result: ApplyResult = {applied: [], pruned: [], rollouts: [], durationMs: 0}
  let rolledOut = options.waitForRollout === false
  const awaitRollouts = async () => {
    if (rolledOut) return
    rolledOut = true
    result.rollouts = await waitForRollouts(kube, objects.filter(hasRollout), {deadline, poll, clock, emit, concurrency, signal: options.signal})
  }

  for (const {phase, objects: batch} of buildApplyPhases(objects)) {
    // Webhooks go live only once the workloads serving them run; otherwise they block their own backends.
    if (phase === 'webhooks') await awaitRollouts()
    options.signal?.throwIfAborted()
    emit({type: 'phase', phase, count: batch.length})
    const outcomes = await mapLimit(batch, concurrency, (object) => applyOne(kube, object, options.force || (options.forceRefs?.has(refKey(refOf(object))) ?? false)), (error) => !isConflict(error))
    throwPhaseErrors(outcomes.flatMap((o) => (o.ok ? [] : [o.error])))
    for (const outcome of outcomes) {
      if (!outcome.ok) continue
      result.applied.push({...outcome.value.ref, phase})
      emit({type: 'applied', ref: outcome.value.ref})
    }
    if (phase === 'crds') await waitForCrds(kube, batch, {deadline, poll, clock, emit, signal: options.signal})
  }
  await awaitRollouts()
  if (options.prune) result.pruned = await prune(kube, objects, options.prune, concurrency, emit)
  result.durationMs = clock.now().getTime() - started
  return result
}

async function applyOne(kube: Kube, object: KubeObject, force: boolean): Promise<{ref: KubeResourceRef}> {
  await kube.apply(object, {fieldManager: FIELD_MANAGER, force})
  return {ref: refOf(object)}
}

function isConflict(error: unknown): boolean {
  return error instanceof ApiError && error.details?.reason === 'Conflict'
}

/** All conflicts of a phase become one error listing every contested field. */
function throwPhaseErrors(errors: unknown[]): void {
  if (errors.length === 0) return
  const other = errors.find((e) => !isConflict(e))
  if (other) throw other
  const conflicts = errors.flatMap((e) => {
    const details = (e as ApiError).details as {object: string; conflicts: Array<{manager: string; field: string}>}
    return details.conflicts.map((c) => ({object: details.object, ...c}))
  })
  const lines = conflicts.map((c) => `  ${c.object}: ${c.field} is owned by ${c.manager}`)
  throw new ApiError([`${errors.length} object(s) conflict with fields other field managers own:`, ...lines].join('\n'), {
    suggestions: ['Re-run with --force-conflicts to take ownership of these fields for kopsmith', 'Or stop the other tool from managing them first'],
    details: {reason: 'Conflict', conflicts},
  })
}

interface WaitContext {
  deadline: number
  poll: number
  clock: Clock
  emit: (event: ApplyProgress) => void
  signal?: AbortSignal
}

async function waitForCrds(kube: Kube, crds: readonly KubeObject[], ctx: WaitContext): Promise<void> {
  const pending = new Map(crds.map((crd) => [crd.metadata.name, refOf(crd)]))
  for (;;) {
    for (const [name, ref] of pending) {
      if (isEstablished(await kube.get(ref))) {
        pending.delete(name)
        ctx.emit({type: 'ready', ref, message: 'Established'})
      }
    }
    if (pending.size === 0) return
    if (ctx.clock.now().getTime() >= ctx.deadline) {
      throw new TimeoutError(`CustomResourceDefinition(s) not Established in time: ${[...pending.keys()].join(', ')}`, {
        suggestions: ['Check the CRDs with `kubectl get crd NAME -o yaml` (status.conditions)', 'Re-run with a longer --timeout'],
        details: {pending: [...pending.keys()]},
      })
    }
    for (const ref of pending.values()) ctx.emit({type: 'waiting', ref, message: 'waiting for Established'})
    await ctx.clock.sleep(ctx.poll, ctx.signal)
  }
}

async function waitForRollouts(kube: Kube, workloads: readonly KubeObject[], ctx: WaitContext & {concurrency: number}): Promise<Array<KubeResourceRef & {message: string}>> {
  const pending = new Map(workloads.map((w) => [describeRef(refOf(w)), refOf(w)]))
  const lastMessage = new Map<string, string>()
  const done: Array<KubeResourceRef & {message: string}> = []
  while (pending.size > 0) {
    const reads = await mapLimit([...pending.entries()], ctx.concurrency, async ([key, ref]) => ({key, ref, live: await kube.get(ref)}))
    for (const read of reads) {
      if (!read.ok) throw read.error
      const {key, ref, live} = read.value
      const state = live ? rolloutState(live) : {done: false, message: 'not found'}
      if (state.done) {
        pending.delete(key)
        done.push({...ref, message: state.message})
        ctx.emit({type: 'ready', ref, message: state.message})
      } else {
        lastMessage.set(key, state.message)
        ctx.emit({type: 'waiting', ref, message: state.message})
      }
    }
    if (pending.size === 0) break
    if (ctx.clock.now().getTime() >= ctx.deadline) {
      const stuck = [...pending.keys()].map((key) => ({object: key, state: lastMessage.get(key) ?? 'unknown'}))
      throw new TimeoutError(['Rollout did not finish in time:', ...stuck.map((s) => `  ${s.object}: ${s.state}`)].join('\n'), {
        suggestions: [
          ...[...pending.values()].slice(0, 3).map((r) => `kubectl -n ${r.namespace ?? 'default'} describe ${r.kind.toLowerCase()}/${r.name}`),
          'Re-run with a longer --timeout once the cause is fixed (apply is idempotent)',
        ],
        details: {pending: stuck},
      })
    }
    await ctx.clock.sleep(ctx.poll, ctx.signal)
  }
  return done
}

async function prune(kube: Kube, desired: readonly KubeObject[], options: PruneOptions, concurrency: number, emit: (e: ApplyProgress) => void): Promise<KubeResourceRef[]> {
  if (options.scopes.length === 0) return []
  const selector = commonLabels(options.scopes)
  const kinds = pruneKinds(desired)
  const lists = await mapLimit(kinds, concurrency, (k) => kube.list(k.apiVersion, k.kind, selector))
  const live: KubeObject[] = []
  for (const l of lists) {
    if (!l.ok) throw l.error
    live.push(...l.value)
  }
  const doomed = options.scopes.flatMap((scope) => selectPrunable(live, desired, scope))
  // Namespaced objects first, Namespaces last: deleting a Namespace takes everything in it along.
  const namespaces = doomed.filter((r) => r.kind === 'Namespace')
  const rest = doomed.filter((r) => r.kind !== 'Namespace')
  for (const batch of [rest, namespaces]) {
    const outcomes = await mapLimit(batch, concurrency, async (ref) => {
      await kube.delete(ref)
      emit({type: 'pruned', ref})
    })
    const failed = outcomes.find((o) => !o.ok)
    if (failed && !failed.ok) throw isCliError(failed.error) ? failed.error : new ApiError(String(failed.error), {cause: failed.error})
  }
  return [...rest, ...namespaces]
}

function commonLabels(scopes: ReadonlyArray<Record<string, string>>): Record<string, string> {
  const [first, ...others] = scopes
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(first ?? {})) if (others.every((s) => s[k] === v)) out[k] = v
  return out
}
