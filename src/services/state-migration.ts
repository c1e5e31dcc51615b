import {describeLockHolder, isLockExpired, legacyLockKey, type LockRecord, parseLockRecord} from '../core/aws/lock.js'
import {LockedError} from '../core/errors.js'
import {migratedRecordKey} from '../core/kops/state-layout.js'
import {legacyKopsmithRecordsPrefix} from '../core/naming.js'
import type {Clock, StateStore} from '../ports.js'

export interface LegacyContext {
  store: StateStore
  clock: Clock
}

/**
 * The lock an older kopsmith takes at `CLUSTER/kopsmith/lock.json`. Called once our lock at the new
 * place is held: a live old lock means a run of an older version is working on the cluster, so we
 * refuse (the caller releases ours) — never do both run at once. An expired one is a crashed run's
 * leftover and is removed, conditionally on the ETag we read, and returned for the audit record.
 */
export async function retireLegacyLock(ctx: LegacyContext, bucket: string, cluster: string): Promise<LockRecord | undefined> {
  const key = legacyLockKey(cluster)
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await ctx.store.getObject(bucket, key)
    if (!current) return undefined
    const parsed = parseLockRecord(current.body)
    const now = ctx.clock.now()
    if (!parsed.valid || !isLockExpired(parsed.record, now)) {
      const holder = parsed.valid ? describeLockHolder(parsed.record, now) : `an unreadable lock (${parsed.problem})`
      throw new LockedError(`Cluster ${cluster} is locked by ${holder}, at the place older kopsmith versions use (s3://${bucket}/${key})`, {
        suggestions: [
          'An older kopsmith is working on this cluster: wait for it to finish, then run again',
          'Upgrade every kopsmith that runs against this cluster (scheduled jobs too): older versions do not see the lock at its new place',
          `If that run is gone, break its lock: kopsmith cluster unlock --name ${cluster} --force`,
        ],
        details: {cluster, lock: `s3://${bucket}/${key}`, ...(parsed.valid ? {holder: parsed.record} : {})},
      })
    }
    const deleted = await ctx.store.deleteObject(bucket, key, {ifMatch: current.etag})
    if (deleted.ok) return parsed.record
    // It changed between our read and our delete: look again.
  }
  throw new LockedError(`The old lock of ${cluster} (s3://${bucket}/${key}) changed hands repeatedly while kopsmith retired it`, {suggestions: ['Another kopsmith run is starting right now; wait for it and try again']})
}

export interface MigrationReport {
  /** Old key → new key, for what was moved by this run. */
  moved: Array<{from: string; to: string}>
  /** Old keys left in place: not kopsmith's records (kops' delete will name them). */
  left: string[]
}

/**
 * Moves kopsmith's records an older version left in kops' cluster folder to `kopsmith/CLUSTER/`.
 * Runs under the cluster lock. Each record is copied first (never over a record already at the new
 * place, which is newer or the same), then deleted at the old place only if it is still the copy we
 * read; so a run interrupted at any point loses nothing and the next run finishes the move.
 */
export async function migrateLegacyRecords(store: StateStore, bucket: string, cluster: string): Promise<MigrationReport> {
  const report: MigrationReport = {moved: [], left: []}
  for (const from of await store.listKeys(bucket, legacyKopsmithRecordsPrefix(cluster))) {
    const to = migratedRecordKey(cluster, from)
    if (!to) {
      if (from !== legacyLockKey(cluster)) report.left.push(from)
      continue
    }
    const object = await store.getObject(bucket, from)
    if (!object) continue
    await store.putObject(bucket, to, object.body, {ifNoneMatch: '*', contentType: 'application/json'})
    await store.deleteObject(bucket, from, {ifMatch: object.etag})
    report.moved.push({from, to})
  }
  return report
}
