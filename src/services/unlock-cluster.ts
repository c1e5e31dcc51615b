import {auditPrefix, buildAuditRecord, describeLockHolder, legacyLockKey, lockKey, type LockRecord, parseLockRecord} from '../core/aws/lock.js'
import {ApiError, ExitCode, LockedError} from '../core/errors.js'
import type {OperationContext} from './operation.js'
import {writeAuditRecord} from './operation.js'

export interface UnlockInput {
  bucket: string
  cluster: string
  /** argv as typed, for the audit record. */
  command: string[]
}

export interface UnlockResult {
  cluster: string
  lock: string
  /** False when there was no lock to break. */
  released: boolean
  previousHolder: LockRecord | {unreadable: string} | null
  /** Human summary of what was broken. */
  summary: string
  auditKey: string
}

/**
 * `cluster unlock --force`: deletes the cluster lock whoever holds it and records who broke whose
 * lock. The delete is conditional on the ETag we just read, so a lock taken by a new run in
 * between is never broken unseen.
 */
export async function unlockCluster(ctx: Pick<OperationContext, 'store' | 'identity' | 'clock'>, input: UnlockInput): Promise<UnlockResult> {
  const identity = await ctx.identity.whoAmI()
  const started = ctx.clock.now()
  // Without a lock at its place, an older kopsmith's lock at the old place (`CLUSTER/kopsmith/`) is the one to break.
  const held = await ctx.store.getObject(input.bucket, lockKey(input.cluster))
  const legacy = held ? undefined : await ctx.store.getObject(input.bucket, legacyLockKey(input.cluster))
  const key = legacy ? legacyLockKey(input.cluster) : lockKey(input.cluster)
  const where = `s3://${input.bucket}/${key}`
  const current = held ?? legacy

  let previousHolder: UnlockResult['previousHolder'] = null
  let summary = `no lock was held on ${input.cluster} (${where})`
  if (current) {
    const parsed = parseLockRecord(current.body)
    previousHolder = parsed.valid ? parsed.record : {unreadable: parsed.problem}
    const deleted = await ctx.store.deleteObject(input.bucket, key, {ifMatch: current.etag})
    if (!deleted.ok) {
      const now = await ctx.store.getObject(input.bucket, key)
      const next = now ? parseLockRecord(now.body) : undefined
      throw new LockedError(
        `The lock of ${input.cluster} changed while unlocking${next?.valid ? `: it is now held by ${describeLockHolder(next.record, ctx.clock.now())}` : now ? '' : ': it was released meanwhile'}; nothing was broken`,
        {suggestions: ['Check that the new holder is really gone, then run `cluster unlock --force` again']},
      )
    }
    summary = parsed.valid ? `broke the lock held by ${describeLockHolder(parsed.record, started)}` : `removed an unreadable lock (${parsed.problem})`
  }

  const record = buildAuditRecord({
    identity,
    command: input.command,
    operation: 'unlock',
    cluster: input.cluster,
    plan: null,
    started,
    ended: ctx.clock.now(),
    outcome: 'success',
    exitCode: ExitCode.Ok,
    previousHolder,
  })
  const audit = await writeAuditRecord(ctx.store, input.bucket, input.cluster, record)
  if (!audit.ok) {
    throw new ApiError(`${current ? 'The lock was removed' : 'No lock was held'}, but the audit record of the unlock could not be written: ${audit.problem}`, {
      suggestions: [`Check write access to s3://${input.bucket}/${auditPrefix(input.cluster)}`],
    })
  }
  return {cluster: input.cluster, lock: where, released: current !== undefined, previousHolder, summary, auditKey: audit.key}
}
