import {mapLimit} from '../core/apply/concurrency.js'
import {isConverged} from '../core/apply/converged.js'
import {FIELD_MANAGER, hasLabels, pruneKinds, selectPrunable} from '../core/apply/ownership.js'
import {applyStages, type ApplyStage} from '../core/apply/apply-plan.js'
import {buildApplyPhases, describeRef, refKey, refOf, type Phase} from '../core/apply/phases.js'
import {hasRollout, isEstablished, rolloutState} from '../core/apply/rollout.js'
import {ApiError, TimeoutError, isCliError} from '../core/errors.js'
import type {Clock, Kube, KubeObject, KubeResourceRef} from '../ports.js'

export type ApplyProgress =
  | {type: 'phase'; phase: Phase; count: number}
  | {type: 'applied'; ref: KubeResourceRef}
  | {type: 'unchanged'; ref: KubeResourceRef}
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
  /**
   * Owner label sets of the units this run manages (an addon, a namespace set). Live objects carrying
   * one are read with one LIST per kind and set, and those already converged are not applied again;
   * objects of no set are read one by one. Defaults to the prune scopes.
   */
  owners?: Array<Record<string, string>>
  /** Delete what we applied before and no longer render; undefined = no prune. */
  prune?: PruneOptions
  /** Read and compare only: `applied` and `pruned` say what an apply would do; nothing is written or awaited. */
  dryRun?: boolean
  /** For CRDs to become Established, Terminating namespaces to go, and rollouts, in total. */
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
  /** Objects sent (with dryRun: that would be sent) because they are new, changed or drifted. */
  applied: Array<KubeResourceRef & {phase: Phase}>
  /** Objects whose live state already is what we apply: not sent. */
  unchanged: KubeResourceRef[]
  pruned: KubeResourceRef[]
  rollouts: Array<KubeResourceRef & {message: string}>
  durationMs: number
}

export const DEFAULT_APPLY_CONCURRENCY = 16

/** What one stage did, for the step that ran it. */
export interface StageOutcome {
  /** Objects sent (phase), workloads rolled out (rollout), objects deleted (prune); dry run: that would be. */
  changed: number
  /** Objects of a phase already as rendered. */
  unchanged: number
}

/**
 * Server-side applies `objects` with field manager `kopsmith`, phase by phase (namespaces → CRDs →
 * RBAC → config → workloads → webhooks), bounded concurrency inside a phase. When the run starts it
 * reads what is live (one LIST per kind and owner set) and sends only the objects that are not
 * converged (core/apply/converged.ts): a re-run of an unchanged configuration sends nothing, while
 * an object someone changed, or whose configuration changed, is applied again. Recreates a
 * namespace that is still Terminating once it is gone, waits for CRDs to be Established before
 * anything that may use them, for Deployments/DaemonSets/StatefulSets to roll out before webhooks,
 * and prunes last. Re-running is always safe: apply is idempotent. The stages are those of
 * `applyStages` (core/apply/apply-plan.ts), run here one after another; `ManifestApply` runs them one
 * at a time, for a step runner.
 */
export async function applyManifests(kube: Kube, objects: readonly KubeObject[], options: ApplyManifestsOptions): Promise<ApplyResult> {
  const apply = new ManifestApply(kube, objects, options)
  for (const stage of applyStages(objects, {waitForRollout: options.waitForRollout !== false && options.dryRun !== true, prune: options.prune !== undefined})) await apply.run(stage)
  return apply.finish()
}

/**
 * One apply, stage by stage: everything live is read at once when it is created, in parallel; each
 * `run(stage)` then does one stage of `applyStages` — in that order, which keeps CRDs before custom
 * resources and rollouts before webhooks. A phase none of `objects` belongs to (the plan was made
 * before some objects were left out, e.g. a newer Gateway API release kept) has nothing to do.
 * Stops between requests once `signal` aborts (Ctrl-C), with the signal's reason.
 */
export class ManifestApply {
  private readonly started: number
  private readonly ctx: WaitContext
  private readonly concurrency: number
  private readonly owners: Array<Record<string, string>>
  private readonly result: ApplyResult = {applied: [], unchanged: [], pruned: [], rollouts: [], durationMs: 0}
  private readonly phases: Map<Phase, KubeObject[]>
  private readonly done = new Set<KubeObject>()
  private live: LiveObjects

  constructor(
    private readonly kube: Kube,
    private readonly objects: readonly KubeObject[],
    private readonly options: ApplyManifestsOptions,
  ) {
    const {clock} = options
    this.started = clock.now().getTime()
    this.concurrency = options.concurrency ?? DEFAULT_APPLY_CONCURRENCY
    this.ctx = {deadline: this.started + options.timeoutMs, poll: options.pollIntervalMs ?? 1000, clock, emit: options.onProgress ?? (() => {}), signal: options.signal}
    this.owners = options.owners ?? options.prune?.scopes ?? []
    this.phases = new Map(buildApplyPhases(objects).map((p) => [p.phase, p.objects]))
    // Everything live is read at once, up front, in parallel; only a recreated namespace makes the
    // rest be read again (its old content is gone).
    this.live = new LiveObjects(kube, this.owners, this.concurrency, objects, options.signal)
  }

  async run(stage: ApplyStage): Promise<StageOutcome> {
    this.options.signal?.throwIfAborted()
    if (stage.kind === 'rollout') {
      this.result.rollouts = await waitForRollouts(this.kube, this.objects.filter(hasRollout), {...this.ctx, concurrency: this.concurrency})
      return {changed: this.result.rollouts.length, unchanged: 0}
    }
    if (stage.kind === 'prune') {
      if (!this.options.prune) return {changed: 0, unchanged: 0}
      this.result.pruned = await prune(this.kube, this.live, this.objects, this.options.prune, {concurrency: this.concurrency, emit: this.ctx.emit, dryRun: this.options.dryRun === true, signal: this.options.signal})
      return {changed: this.result.pruned.length, unchanged: 0}
    }
    return this.applyPhase(stage.phase)
  }

  /** The result so far, with the time since the apply started. */
  finish(): ApplyResult {
    this.result.durationMs = this.ctx.clock.now().getTime() - this.started
    return this.result
  }

  private async applyPhase(phase: Phase): Promise<StageOutcome> {
    const {kube, options, ctx} = this
    const batch = this.phases.get(phase) ?? []
    const converged = await this.live.convergedOf(batch)
    const pending = batch.filter((object) => {
      if (!converged.has(refKey(refOf(object)))) return true
      this.result.unchanged.push(refOf(object))
      ctx.emit({type: 'unchanged', ref: refOf(object)})
      return false
    })
    ctx.emit({type: 'phase', phase, count: pending.length})
    for (const object of batch) this.done.add(object)
    if (options.dryRun) {
      this.result.applied.push(...pending.map((o) => ({...refOf(o), phase})))
      return {changed: pending.length, unchanged: batch.length - pending.length}
    }
    const force = (object: KubeObject) => options.force || (options.forceRefs?.has(refKey(refOf(object))) ?? false)
    const outcomes = await mapLimit(
      pending,
      this.concurrency,
      (object) => {
        options.signal?.throwIfAborted()
        return object.kind === 'Namespace' ? applyNamespace(kube, object, force(object), ctx) : applyOne(kube, object, force(object))
      },
      (error) => !isConflict(error),
    )
    throwPhaseErrors(outcomes.flatMap((o) => (o.ok ? [] : [o.error])))
    for (const outcome of outcomes) {
      if (!outcome.ok) continue
      this.result.applied.push({...outcome.value.ref, phase})
      ctx.emit({type: 'applied', ref: outcome.value.ref})
    }
    if (outcomes.some((o) => o.ok && o.value.recreated)) {
      this.live = new LiveObjects(kube, this.owners, this.concurrency, this.objects.filter((o) => !this.done.has(o)), options.signal)
    }
    if (phase === 'crds') await waitForCrds(kube, batch, ctx)
    return {changed: pending.length, unchanged: batch.length - pending.length}
  }
}

/**
 * What is live, read in as few requests as possible and all at once: objects carrying an owner set's
 * labels with one LIST per kind and set, any other object with a GET of its own, all started when
 * the run starts. Each live object is compared with the desired one as it arrives and then dropped;
 * only its identity, labels, uid and resourceVersion are kept, for prune — a thousand namespaces'
 * objects with their managedFields would otherwise stay in memory. The read is made when the run
 * starts and prune comes last, possibly minutes later: prune deletes only what is still as it was
 * read (uid and resourceVersion preconditions).
 */
class LiveObjects {
  private readonly lists = new Map<string, Promise<KubeObject[]>>()
  private readonly gets = new Map<string, Promise<void>>()
  private readonly converged = new Set<string>()
  private readonly desired: Map<string, KubeObject>
  private readonly pending: Promise<Array<{ok: true; value: unknown} | {ok: false; error: unknown}>>

  constructor(
    private readonly kube: Kube,
    private readonly owners: ReadonlyArray<Record<string, string>>,
    private readonly concurrency: number,
    objects: readonly KubeObject[],
    private readonly signal?: AbortSignal,
  ) {
    this.desired = new Map(objects.map((o) => [refKey(refOf(o)), o]))
    const reads: Array<() => Promise<unknown>> = []
    for (const object of objects) {
      const scope = this.owners.find((o) => hasLabels(object, o))
      if (scope) {
        if (!this.lists.has(listKey(object.apiVersion, object.kind, scope))) reads.push(() => this.list(object.apiVersion, object.kind, scope))
      } else {
        const key = refKey(refOf(object))
        let done: () => void = () => {}
        this.gets.set(key, new Promise<void>((resolve) => (done = resolve)))
        reads.push(async () => {
          try {
            this.signal?.throwIfAborted()
            const found = await this.kube.get(refOf(object))
            if (found) this.compare(found)
          } finally {
            done()
          }
        })
      }
    }
    // Started now and awaited by the first phase: a failed read fails the run before anything is applied.
    this.pending = mapLimit(reads, this.concurrency, (read) => read())
  }

  /** The keys (refKey) of the objects in `objects` that are converged. */
  async convergedOf(objects: readonly KubeObject[]): Promise<Set<string>> {
    const waits: Array<Promise<unknown>> = []
    for (const object of objects) {
      const scope = this.owners.find((o) => hasLabels(object, o))
      waits.push(scope ? this.list(object.apiVersion, object.kind, scope) : (this.gets.get(refKey(refOf(object))) ?? Promise.resolve()))
    }
    // A failed read (or Ctrl-C) stops the reads not yet started: their objects would never be
    // compared, so the reads' end, not only these objects' reads, decides when to stop waiting.
    const failure = this.pending.then((results) => {
      const failed = results.find((r) => !r.ok)
      if (failed && !failed.ok) throw failed.error
    })
    await Promise.race([Promise.all(waits), failure])
    await failure
    return new Set(objects.map((o) => refKey(refOf(o))).filter((k) => this.converged.has(k)))
  }

  private compare(found: KubeObject): void {
    const key = refKey(refOf(found))
    const wanted = this.desired.get(key)
    if (wanted && isConverged(wanted, found, FIELD_MANAGER)) this.converged.add(key)
  }

  /**
   * Live objects of a kind carrying every label of `scope`, as identities and labels (one LIST,
   * shared by the comparison and prune).
   */
  list(apiVersion: string, kind: string, scope: Record<string, string>): Promise<KubeObject[]> {
    const key = listKey(apiVersion, kind, scope)
    let listed = this.lists.get(key)
    if (!listed) {
      this.signal?.throwIfAborted()
      listed = this.kube.list(apiVersion, kind, scope).then((items) =>
        items.map((item) => {
          this.compare(item)
          const {name, namespace, labels, uid, resourceVersion} = item.metadata
          return {apiVersion: item.apiVersion, kind: item.kind, metadata: {name, ...(namespace ? {namespace} : {}), ...(labels ? {labels} : {}), ...(uid ? {uid} : {}), ...(resourceVersion ? {resourceVersion} : {})}}
        }),
      )
      this.lists.set(key, listed)
      listed.catch(() => this.lists.delete(key))
    }
    return listed
  }
}

function listKey(apiVersion: string, kind: string, scope: Record<string, string>): string {
  return `${apiVersion} ${kind} ${JSON.stringify(Object.entries(scope).sort())}`
}

async function applyOne(kube: Kube, object: KubeObject, force: boolean): Promise<{ref: KubeResourceRef; recreated?: boolean}> {
  await kube.apply(object, {fieldManager: FIELD_MANAGER, force})
  return {ref: refOf(object)}
}

/**
 * A namespace that is being deleted (Terminating) accepts the apply but refuses new objects (403):
 * wait until it is gone, then apply it again, which creates it afresh. One whose finalizers never
 * finish ends in a timeout naming it.
 */
async function applyNamespace(kube: Kube, object: KubeObject, force: boolean, ctx: WaitContext): Promise<{ref: KubeResourceRef; recreated: boolean}> {
  const ref = refOf(object)
  for (let recreated = false; ; recreated = true) {
    const applied = await kube.apply(object, {fieldManager: FIELD_MANAGER, force})
    if (!applied.metadata.deletionTimestamp) return {ref, recreated}
    for (;;) {
      if (!(await kube.get(ref))) break
      if (ctx.clock.now().getTime() >= ctx.deadline) {
        throw new TimeoutError(`Namespace ${ref.name} is still being deleted (Terminating); it cannot hold new objects until it is gone`, {
          suggestions: [`See what holds it: kubectl get namespace ${ref.name} -o yaml (status.conditions) and objects with finalizers in it`, 'Re-run once it is gone (apply is idempotent), or with a longer --timeout'],
          details: {namespace: ref.name, reason: 'NamespaceTerminating'},
        })
      }
      ctx.emit({type: 'waiting', ref, message: 'Terminating: waiting for the old namespace to go before creating it again'})
      await ctx.clock.sleep(ctx.poll, ctx.signal)
    }
  }
}

/** A field-ownership conflict (not a stale resourceVersion, which is a 409 Conflict too). */
function isConflict(error: unknown): boolean {
  return error instanceof ApiError && Array.isArray(error.details?.conflicts)
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
      ctx.signal?.throwIfAborted()
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
    const reads = await mapLimit([...pending.entries()], ctx.concurrency, async ([key, ref]) => {
      ctx.signal?.throwIfAborted()
      return {key, ref, live: await kube.get(ref)}
    })
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

async function prune(
  kube: Kube,
  live: LiveObjects,
  desired: readonly KubeObject[],
  options: PruneOptions,
  ctx: {concurrency: number; emit: (e: ApplyProgress) => void; dryRun: boolean; signal?: AbortSignal | undefined},
): Promise<KubeResourceRef[]> {
  if (options.scopes.length === 0) return []
  const kinds = pruneKinds(desired)
  const reads = await mapLimit(
    kinds.flatMap((k) => options.scopes.map((scope) => ({...k, scope}))),
    ctx.concurrency,
    (k) => (ctx.signal?.throwIfAborted(), live.list(k.apiVersion, k.kind, k.scope)),
  )
  const found: KubeObject[] = []
  for (const r of reads) {
    if (!r.ok) throw r.error
    found.push(...r.value)
  }
  const doomed = options.scopes.flatMap((scope) => selectPrunable(found, desired, scope).map((ref) => ({ref, scope})))
  // Namespaced objects first, Namespaces last: deleting a Namespace takes everything in it along.
  const namespaces = doomed.filter((d) => d.ref.kind === 'Namespace')
  const rest = doomed.filter((d) => d.ref.kind !== 'Namespace')
  if (ctx.dryRun) return [...rest, ...namespaces].map((d) => d.ref)
  const read = new Map(found.map((o) => [refKey(refOf(o)), o.metadata]))
  const pruned = new Set<KubeResourceRef>()
  for (const batch of [rest, namespaces]) {
    const outcomes = await mapLimit(batch, ctx.concurrency, async ({ref, scope}) => {
      ctx.signal?.throwIfAborted()
      if (!(await deleteAsRead(kube, ref, read.get(refKey(ref)), desired, scope))) return
      pruned.add(ref)
      ctx.emit({type: 'pruned', ref})
    })
    const failed = outcomes.find((o) => !o.ok)
    if (failed && !failed.ok) throw isCliError(failed.error) || ctx.signal?.aborted ? failed.error : new ApiError(String(failed.error), {cause: failed.error})
  }
  return [...rest, ...namespaces].map((d) => d.ref).filter((ref) => pruned.has(ref))
}

/**
 * Deletes a prunable object only as it was read (uid and resourceVersion preconditions). One that
 * changed since (409) is read again and deleted only if it still carries the owner labels and is
 * still not wanted; one relabeled (adopted by someone else), or gone, is left alone. Returns whether
 * it was deleted.
 */
async function deleteAsRead(kube: Kube, ref: KubeResourceRef, seen: KubeObject['metadata'] | undefined, desired: readonly KubeObject[], scope: Record<string, string>): Promise<boolean> {
  try {
    await kube.delete(ref, preconditionsOf(seen))
    return true
  } catch (error) {
    if (!(error instanceof ApiError) || error.details?.status !== 409) throw error
  }
  const now = await kube.get(ref)
  if (!now || selectPrunable([now], desired, scope).length === 0) return false
  await kube.delete(ref, preconditionsOf(now.metadata))
  return true
}

function preconditionsOf(metadata: KubeObject['metadata'] | undefined): {uid?: string; resourceVersion?: string} | undefined {
  const {uid, resourceVersion} = (metadata ?? {}) as {uid?: unknown; resourceVersion?: unknown}
  if (typeof uid !== 'string' && typeof resourceVersion !== 'string') return undefined
  return {...(typeof uid === 'string' ? {uid} : {}), ...(typeof resourceVersion === 'string' ? {resourceVersion} : {})}
}
