import {
  auditKey,
  auditPrefix,
  type AuditOutcome,
  type AuditRecord,
  buildAuditRecord,
  buildLockRecord,
  DEFAULT_LOCK_TTL_MS,
  describeLockHolder,
  lockKey,
  type LockRecord,
  lockStaleness,
  parseLockRecord,
  renewLockRecord,
  type TakeoverReason,
} from '../core/aws/lock.js'
import {ApiError, CliError, ExitCode, InterruptedError, isCliError, LockedError} from '../core/errors.js'
import type {Plan, StepRecord, StepStatus} from '../core/plan.js'
import type {CallerIdentity, Clock, Identity, StateStore} from '../ports.js'
import {migrateLegacyRecords, retireLegacyLock} from './state-migration.js'

export interface OperationContext {
  store: StateStore
  identity: Identity
  clock: Clock
  host: string
  pid: number
  /** The process table `pid` belongs to (boot + PID namespace), where the host can tell. */
  processScope?: string
  /** Whether `pid` runs in this process table: a same-host lock whose holder is gone is stale at once. */
  isProcessAlive?(pid: number): boolean
  /** Registers a Ctrl-C / SIGTERM handler; returns its unregister function. `quitHint`: what to print if the user quits without cleanup. */
  onInterrupt(handler: () => void, options?: {quitHint?: () => string}): () => void
  /** Problems that do not fail the operation (e.g. a lock that was broken while we held it). */
  warn?(message: string): void
}

export interface OperationSpec {
  bucket: string
  cluster: string
  operation: string
  command: string[]
  /** Read when the audit record is written, so `prepare` and `work` may fill it in. */
  plan?: Plan
  /** Guarded changes the user allowed explicitly; read when the audit record is written. */
  overrides?: AuditRecord['overrides']
  /** Default 2 h; the lock is renewed at half its lifetime while the work runs. */
  lockTtlMs?: number
  /**
   * The run of the plan's steps (services/step-run.ts): its plan and step records go into the audit
   * record, and the lock's own steps (`lock:acquire`, `lock:release`) are recorded in it here.
   */
  run?: PlanRun
  /** Set once the audit record is written: where it is, `s3://BUCKET/KEY`. */
  auditRecord?: string
}

/** What runLockedOperation needs of a StepRun. */
export interface PlanRun {
  readonly currentPlan: Plan
  readonly records: StepRecord[]
  readonly nextId: string | undefined
  mark(id: string, status: StepStatus, outcome: string): void
  /** The plan's last step, recorded whatever ran before it (the lock is released also after a failure). */
  finish(id: string, status: StepStatus, outcome: string): void
}

interface HeldLock {
  record: LockRecord
  etag: string
  tookOverFrom?: LockRecord
  takeoverReason?: TakeoverReason
}

export interface OperationOptions {
  /**
   * Runs before the lock is taken, under the same Ctrl-C / SIGTERM handling: preflight checks and
   * whatever the lock needs first (the state bucket it lives in). Its failures are not audited —
   * nothing was changed — except an interrupt, which is recorded where the state bucket exists.
   */
  prepare?: (signal: AbortSignal, identity: CallerIdentity) => Promise<void>
}

/**
 * Runs `work` while holding the cluster lock, and writes one audit record whatever happens.
 *
 * Acquire: conditional put (`If-None-Match: *`) of `kopsmith/<cluster>/lock.json`. A live lock
 * fails fast with LockedError (exit 8) naming its holder; a stale one (expired, or held by a
 * process that is gone from this host: see `lockStaleness`) is taken over only by a conditional
 * put on its ETag, so of two racing takers exactly one wins. While the work runs the
 * lock is renewed (again conditionally), so a long upgrade is never mistaken for a dead one.
 * Release: conditional delete on our ETag, so we never delete a lock someone else holds now —
 * on success, on failure and on interrupt. Interrupt (from the first moment, credentials and
 * `prepare` included): the signal given to `prepare` and `work` aborts; once what runs has
 * settled, the lock (if taken) is released, the audit record written (where the state bucket
 * exists) and InterruptedError (exit 130) thrown. Holding the lock, the run first retires an older
 * kopsmith's lock at the old place and moves the records an older version left in kops' cluster
 * folder (state-migration.ts).
 */
export async function runLockedOperation<T>(ctx: OperationContext, spec: OperationSpec, work: (signal: AbortSignal) => Promise<T>, options: OperationOptions = {}): Promise<T> {
  const ttlMs = spec.lockTtlMs ?? DEFAULT_LOCK_TTL_MS
  const controller = new AbortController()
  let interrupted = false
  let locked = false
  const unregister = ctx.onInterrupt(
    () => {
      interrupted = true
      controller.abort(new InterruptedError(`${spec.operation} of ${spec.cluster} was interrupted`))
    },
    {quitHint: () => (locked ? `The lock of ${spec.cluster} stays; once no kopsmith run is active, break it: ${unlockCommand(spec)}` : `${spec.cluster} was not locked yet`)},
  )
  try {
    const started = ctx.clock.now()
    let identity: CallerIdentity | undefined
    try {
      identity = await ctx.identity.whoAmI()
      controller.signal.throwIfAborted()
      // Every step of `prepare` honours the signal, so it settles soon after an interrupt, and
      // the record below sees whatever it created (the state bucket, first of all).
      if (options.prepare) await options.prepare(controller.signal, identity)
      controller.signal.throwIfAborted()
    } catch (error) {
      if (!interrupted) throw error
      // Interrupted before the lock: record it where the state bucket exists (where it does not,
      // the write fails and nothing is left behind).
      const final = new InterruptedError(`${spec.operation} of ${spec.cluster} was interrupted before it took the lock; nothing is locked`, {
        cause: error,
        suggestions: ['Run the same command again: every step finds what exists and resumes where it stopped'],
      })
      if (identity) {
        const audit = await writeAuditRecord(ctx.store, spec.bucket, spec.cluster, auditOf(spec, identity, started, ctx.clock.now(), 'interrupted', ExitCode.Interrupted, final, undefined))
        if (audit.ok) spec.auditRecord = `s3://${spec.bucket}/${audit.key}`
      }
      throw final
    }
    const lock = await acquireLock(ctx, spec, identity, started, ttlMs)
    locked = true
    try {
      lock.tookOverFrom ??= await retireLegacyLock(ctx, spec.bucket, spec.cluster)
    } catch (error) {
      await releaseLock(ctx, spec, lock)
      throw error
    }
    if (spec.run?.nextId === 'lock:acquire') spec.run.mark('lock:acquire', 'done', lock.tookOverFrom ? `taken over from ${describeLockHolder(lock.tookOverFrom, ctx.clock.now())} (${lock.takeoverReason ?? 'stale'})` : 'taken')
    const renewal = keepRenewed(ctx, spec, lock, ttlMs, controller)

    let outcome: AuditOutcome = 'success'
    let result: T | undefined
    let failure: unknown
    try {
      if (controller.signal.aborted) throw controller.signal.reason
      const migration = await migrateLegacyRecords(ctx.store, spec.bucket, spec.cluster)
      if (migration.left.length > 0) ctx.warn?.(`left in place, not kopsmith records: ${migration.left.join(', ')} (kops delete cluster refuses its folder while they are there)`)
      result = await work(controller.signal)
    } catch (error) {
      // When we aborted the work ourselves (lost lock), our reason explains the failure better than the work's AbortError.
      failure = !interrupted && controller.signal.aborted && isCliError(controller.signal.reason) ? controller.signal.reason : error
      outcome = interrupted ? 'interrupted' : 'failure'
    }
    await renewal.stop()

    const release = await releaseLock(ctx, spec, lock)
    locked = !release.released
    if (!release.released) ctx.warn?.(release.problem)
    if (spec.run?.currentPlan.steps.at(-1)?.id === 'lock:release') spec.run.finish('lock:release', release.released ? 'done' : 'failed', release.released ? 'released' : release.problem)
    const final = outcome === 'interrupted' ? interruptedError(spec, failure, release.released) : outcome === 'failure' ? failure : undefined
    const record = auditOf(spec, identity, started, ctx.clock.now(), outcome, final === undefined ? ExitCode.Ok : exitCodeOf(final), final, {
      ...(lock.tookOverFrom ? {tookOverFrom: lock.tookOverFrom, takeoverReason: lock.takeoverReason} : {}),
      released: release.released,
      ...(release.released ? {} : {releaseProblem: release.problem}),
    })
    const audit = await writeAuditRecord(ctx.store, spec.bucket, spec.cluster, record)
    if (audit.ok) spec.auditRecord = `s3://${spec.bucket}/${audit.key}`
    if (final !== undefined) {
      // The work's own error wins; an audit write failure on top of it is only reported.
      if (!audit.ok) ctx.warn?.(audit.problem)
      throw final
    }
    if (!audit.ok) throw new ApiError(`${spec.operation} of ${spec.cluster} finished, but its audit record could not be written: ${audit.problem}`, {suggestions: [`Check write access to s3://${spec.bucket}/${auditPrefix(spec.cluster)}`]})
    return result as T
  } finally {
    unregister()
  }
}

function auditOf(spec: OperationSpec, identity: CallerIdentity, started: Date, ended: Date, outcome: AuditOutcome, exitCode: number, error: unknown, lock: AuditRecord['lock']): AuditRecord {
  return buildAuditRecord({
    identity,
    command: spec.command,
    operation: spec.operation,
    cluster: spec.cluster,
    plan: spec.run?.currentPlan ?? spec.plan ?? null,
    ...(spec.run ? {steps: spec.run.records} : {}),
    started,
    ended,
    outcome,
    exitCode,
    ...(error === undefined ? {} : {error: errorSummary(error)}),
    ...(lock === undefined ? {} : {lock}),
    ...(spec.overrides?.length ? {overrides: spec.overrides} : {}),
  })
}

/** Writes one audit record; never throws, because callers decide how much a lost record matters. */
export async function writeAuditRecord(store: StateStore, bucket: string, cluster: string, record: AuditRecord): Promise<{ok: true; key: string} | {ok: false; problem: string}> {
  const key = auditKey(cluster, new Date(record.started), record.operation, randomSuffix())
  try {
    const put = await store.putObject(bucket, key, `${JSON.stringify(record, null, 2)}\n`, {ifNoneMatch: '*', contentType: 'application/json'})
    return put.ok ? {ok: true, key} : {ok: false, problem: `s3://${bucket}/${key} already exists`}
  } catch (error) {
    return {ok: false, problem: error instanceof Error ? error.message : String(error)}
  }
}

async function acquireLock(ctx: OperationContext, spec: OperationSpec, identity: CallerIdentity, started: Date, ttlMs: number): Promise<HeldLock> {
  const key = lockKey(spec.cluster)
  const record = buildLockRecord({owner: identity.arn, host: ctx.host, pid: ctx.pid, ...(ctx.processScope === undefined ? {} : {scope: ctx.processScope}), operation: spec.operation, command: spec.command, started, ttlMs, token: randomToken()})
  const body = lockBody(record)
  // A few rounds only cover a lock released between our put and our read.
  for (let attempt = 0; attempt < 3; attempt++) {
    const created = await ctx.store.putObject(spec.bucket, key, body, {ifNoneMatch: '*'})
    if (created.ok) return {record, etag: created.etag}
    const current = await ctx.store.getObject(spec.bucket, key)
    if (!current) continue
    const parsed = parseLockRecord(current.body)
    // Our own put succeeded but its answer was lost and the SDK retried it.
    if (parsed.valid && parsed.record.token === record.token) return {record, etag: current.etag}
    if (!parsed.valid) throw lockedError(spec, `an unreadable lock (${parsed.problem})`, undefined)
    const now = ctx.clock.now()
    const staleness = lockStaleness(parsed.record, now, {host: ctx.host, pid: ctx.pid, ...(ctx.processScope === undefined ? {} : {scope: ctx.processScope}), ...(ctx.isProcessAlive ? {isProcessAlive: (pid: number) => ctx.isProcessAlive!(pid)} : {})})
    if (!staleness.stale) throw lockedError(spec, describeLockHolder(parsed.record, now), parsed.record, now)
    const takeover = await ctx.store.putObject(spec.bucket, key, body, {ifMatch: current.etag})
    if (takeover.ok) {
      if (staleness.reason === 'holder-gone') ctx.warn?.(`took over the lock of ${spec.cluster} from pid ${parsed.record.pid} on this host, which is no longer running`)
      return {record, etag: takeover.etag, tookOverFrom: parsed.record, takeoverReason: staleness.reason}
    }
    // Someone else took the stale lock over (or released it) between our read and our write.
    const winner = await ctx.store.getObject(spec.bucket, key)
    const winnerRecord = winner ? parseLockRecord(winner.body) : undefined
    if (winnerRecord?.valid) throw lockedError(spec, describeLockHolder(winnerRecord.record, ctx.clock.now()), winnerRecord.record, ctx.clock.now())
  }
  throw new LockedError(`Could not take the lock of ${spec.cluster}: it changed hands repeatedly while kopsmith tried`, {suggestions: ['Another kopsmith run is starting right now; wait for it and try again']})
}

/** Renews at half the lifetime; a renewal that loses (lock broken or taken) aborts the work. */
function keepRenewed(ctx: OperationContext, spec: OperationSpec, lock: HeldLock, ttlMs: number, work: AbortController): {stop(): Promise<void>} {
  const stopper = new AbortController()
  const loop = (async () => {
    for (;;) {
      try {
        await ctx.clock.sleep(Math.max(1000, Math.floor(ttlMs / 2)), stopper.signal)
      } catch {
        return // stopped
      }
      const renewed = renewLockRecord(lock.record, ctx.clock.now(), ttlMs)
      try {
        const put = await ctx.store.putObject(spec.bucket, lockKey(spec.cluster), lockBody(renewed), {ifMatch: lock.etag})
        if (put.ok) {
          lock.record = renewed
          lock.etag = put.etag
          continue
        }
        work.abort(new LockedError(`The lock of ${spec.cluster} was broken or taken over while ${spec.operation} was running; stopped to avoid two runs at once`, {suggestions: ['Check who holds the lock now and run again once it is free']}))
        return
      } catch (error) {
        // A failed renewal is retried at the next interval; the lock is still far from expiring.
        ctx.warn?.(`could not renew the lock of ${spec.cluster}: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
  })()
  return {
    async stop() {
      stopper.abort()
      await loop
    },
  }
}

async function releaseLock(ctx: OperationContext, spec: OperationSpec, lock: HeldLock): Promise<{released: true} | {released: false; problem: string}> {
  const where = `s3://${spec.bucket}/${lockKey(spec.cluster)}`
  try {
    const deleted = await ctx.store.deleteObject(spec.bucket, lockKey(spec.cluster), {ifMatch: lock.etag})
    if (deleted.ok) return {released: true}
    return {released: false, problem: `the lock at ${where} was no longer ours when releasing it (broken with \`cluster unlock --force\` or taken over); it was left as it is`}
  } catch (error) {
    return {released: false, problem: `could not release the lock at ${where}: ${error instanceof Error ? error.message : String(error)}; it expires at ${lock.record.expires}, or break it with \`${unlockCommand(spec)}\``}
  }
}

function lockedError(spec: OperationSpec, holder: string, record: LockRecord | undefined, now?: Date): LockedError {
  const stale = record && now ? `if that run is no longer alive (it would have renewed the lock; it expires at ${record.expires}), ` : 'if no kopsmith run is active, '
  return new LockedError(`Cluster ${spec.cluster} is locked by ${holder}`, {
    suggestions: ['Wait for that operation to finish, then run again', `${stale}break the lock: ${unlockCommand(spec)}`],
    details: {cluster: spec.cluster, lock: `s3://${spec.bucket}/${lockKey(spec.cluster)}`, ...(record ? {holder: record} : {})},
  })
}

/** The recovery command exactly as it must be typed: `cluster unlock` needs the bucket as well as the name. */
export function unlockCommand(target: {bucket: string; cluster: string}): string {
  return `kopsmith cluster unlock --name ${target.cluster} --state s3://${target.bucket} --force`
}

function interruptedError(spec: OperationSpec, cause: unknown, released: boolean): InterruptedError {
  const what = cause instanceof InterruptedError ? cause.message : `${spec.operation} of ${spec.cluster} was interrupted`
  return new InterruptedError(`${what}; ${released ? 'the lock was released' : 'the lock could NOT be released (see the warning)'}`, {
    cause,
    suggestions: ['Run the same command again: every step finds what exists and resumes where it stopped'],
  })
}

function exitCodeOf(error: unknown): number {
  return isCliError(error) ? error.exitCode : ExitCode.Bug
}

function errorSummary(error: unknown): {code: string; message: string} {
  if (error instanceof CliError) return {code: error.code, message: error.message}
  return {code: 'bug', message: error instanceof Error ? error.message : String(error)}
}

function lockBody(record: LockRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`
}

function randomToken(): string {
  return crypto.randomUUID()
}

function randomSuffix(): string {
  return crypto.randomUUID().slice(0, 8)
}
