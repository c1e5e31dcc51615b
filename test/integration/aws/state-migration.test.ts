import {CreateBucketCommand} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, it} from 'vitest'

import type {AwsClients} from '../../../src/adapters/aws/clients.js'
import {S3StateStore} from '../../../src/adapters/aws/s3-state-store.js'
import {StsIdentity} from '../../../src/adapters/aws/sts-identity.js'
import {SystemClock} from '../../../src/adapters/system-clock.js'
import {auditPrefix, type AuditRecord, legacyLockKey, lockKey, type LockRecord} from '../../../src/core/aws/lock.js'
import {ApiError, LockedError} from '../../../src/core/errors.js'
import {clusterMetadataKey, legacyClusterMetadataKey} from '../../../src/core/sandbox/metadata.js'
import type {StateStore} from '../../../src/ports.js'
import {findClusterMetadata} from '../../../src/services/cluster-metadata.js'
import {type OperationContext, runLockedOperation} from '../../../src/services/operation.js'
import {unlockCluster} from '../../../src/services/unlock-cluster.js'
import {motoClients, uniqueBucket} from '../../helpers/moto.js'
import {manualInterrupt} from './interrupt-hook.js'

/**
 * kopsmith's records moved from kops' cluster folder (`CLUSTER/kopsmith/…`) to `kopsmith/CLUSTER/…`.
 * A mutating run moves what an older version left, under the lock, against S3 (moto): a move
 * interrupted at any point loses nothing, and a run never works while an older kopsmith holds the
 * lock at the old place.
 */
let clients: AwsClients
let s3: S3StateStore

beforeAll(() => {
  clients = motoClients()
  s3 = new S3StateStore(clients)
})

const C = 'prod.k8s.acme.de'
const OLD_AUDITS = [`${C}/kopsmith/audit/20260501T100000.000Z-create-aaaa1111.json`, `${C}/kopsmith/audit/20260502T100000.000Z-upgrade-bbbb2222.json`]
const METADATA = JSON.stringify({name: C, profile: 'production', owner: 'platform@acme.de', protected: true, expiresAt: null, createdAt: '2026-05-01T10:00:00Z'})

async function bucketWithOldLayout(): Promise<string> {
  const bucket = uniqueBucket('migrate')
  await clients.s3.send(new CreateBucketCommand({Bucket: bucket, CreateBucketConfiguration: {LocationConstraint: 'eu-central-1'}}))
  await s3.putObject(bucket, `${C}/config`, 'kind: Cluster\n')
  await s3.putObject(bucket, legacyClusterMetadataKey(C), METADATA)
  for (const key of OLD_AUDITS) await s3.putObject(bucket, key, JSON.stringify({operation: key.includes('create') ? 'create' : 'upgrade', outcome: 'success'}))
  return bucket
}

function context(store: StateStore = s3): OperationContext {
  return {store, identity: new StsIdentity(clients), clock: new SystemClock(), host: 'host-new', pid: 4242, onInterrupt: manualInterrupt().onInterrupt}
}

const spec = (bucket: string) => ({bucket, cluster: C, operation: 'upgrade', command: ['cluster', 'upgrade', '-f', 'prod.yaml']})

async function keys(bucket: string, prefix = ''): Promise<string[]> {
  return s3.listKeys(bucket, prefix)
}

async function audits(bucket: string): Promise<AuditRecord[]> {
  return Promise.all((await keys(bucket, auditPrefix(C))).map(async (k) => JSON.parse((await s3.getObject(bucket, k))!.body) as AuditRecord))
}

function oldLock(expiresInMs: number): LockRecord {
  const now = Date.now()
  return {owner: 'arn:aws:iam::123456789012:user/old-cron', host: 'host-old', pid: 7, operation: 'upgrade', started: new Date(now - 60_000).toISOString(), expires: new Date(now + expiresInMs).toISOString()}
}

/** A store that fails one chosen call, to stop a run half-way through the move. */
function failingAt(method: 'putObject' | 'deleteObject', nth: number): StateStore {
  let seen = 0
  return new Proxy(s3, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown
      if (prop !== method || typeof value !== 'function') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
      return async (...args: unknown[]) => {
        const key = String(args[1])
        // Only calls of the move count: those at the old place or at a moved record's new place.
        if (key.startsWith(`${C}/kopsmith/`) || key === clusterMetadataKey(C) || (key.startsWith(auditPrefix(C)) && /(aaaa1111|bbbb2222)/.test(key))) {
          seen++
          if (seen === nth) throw new ApiError(`S3 ${method} failed: InternalError (injected at call ${nth})`)
        }
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)
      }
    },
  })
}

describe("kopsmith's records move out of kops' cluster folder (moto)", () => {
  it('a mutating run moves metadata and audit records to kopsmith/CLUSTER/, leaving only kops\' files in the folder and no key ending in /config', async () => {
    const bucket = await bucketWithOldLayout()
    let seenInside: unknown
    await runLockedOperation(context(), spec(bucket), async () => {
      seenInside = await findClusterMetadata(s3, bucket, C)
    })
    expect(seenInside).toMatchObject({name: C, protected: true})
    expect(await keys(bucket, `${C}/`)).toEqual([`${C}/config`])
    expect((await s3.getObject(bucket, clusterMetadataKey(C)))?.body).toBe(METADATA)
    const moved = (await keys(bucket, auditPrefix(C))).filter((k) => /aaaa1111|bbbb2222/.test(k))
    expect(moved).toEqual(OLD_AUDITS.map((k) => k.replace(`${C}/kopsmith/`, `kopsmith/${C}/`)))
    expect((await audits(bucket)).map((a) => a.operation).sort()).toEqual(['create', 'upgrade', 'upgrade'])
    const ours = await keys(bucket, 'kopsmith/')
    expect(ours.length).toBeGreaterThanOrEqual(4)
    expect(ours.filter((k) => k.endsWith('/config'))).toEqual([])
    expect(await s3.getObject(bucket, lockKey(C))).toBeUndefined()
  })

  it('read-only commands see the old record until it moves', async () => {
    const bucket = await bucketWithOldLayout()
    expect(await findClusterMetadata(s3, bucket, C)).toMatchObject({name: C, profile: 'production'})
  })

  it.each([
    ['the first copy', 'putObject', 1],
    ['the first delete at the old place', 'deleteObject', 1],
    ['the second copy', 'putObject', 2],
    ['the last delete', 'deleteObject', 3],
  ] as const)('a move interrupted at %s loses nothing; the lock is released and the next run finishes it', async (_what, method, nth) => {
    const bucket = await bucketWithOldLayout()
    const before = new Map(await Promise.all([legacyClusterMetadataKey(C), ...OLD_AUDITS].map(async (k) => [k, (await s3.getObject(bucket, k))!.body] as const)))
    const failed = await runLockedOperation(context(failingAt(method, nth)), spec(bucket), async () => 'worked').catch((e: unknown) => e)
    expect(failed).toBeInstanceOf(ApiError)
    expect(await s3.getObject(bucket, lockKey(C))).toBeUndefined()
    // Half-way: every record is at the old place, the new place, or both — never nowhere.
    for (const [oldKey, body] of before) {
      const newKey = oldKey === legacyClusterMetadataKey(C) ? clusterMetadataKey(C) : oldKey.replace(`${C}/kopsmith/`, `kopsmith/${C}/`)
      const copies = [(await s3.getObject(bucket, oldKey))?.body, (await s3.getObject(bucket, newKey))?.body].filter((b) => b !== undefined)
      expect(copies.length, oldKey).toBeGreaterThan(0)
      for (const copy of copies) expect(copy).toBe(body)
    }
    expect(await runLockedOperation(context(), spec(bucket), async () => 'worked')).toBe('worked')
    expect(await keys(bucket, `${C}/`)).toEqual([`${C}/config`])
    expect((await s3.getObject(bucket, clusterMetadataKey(C)))?.body).toBe(METADATA)
    const records = await audits(bucket)
    expect(records.filter((r) => (r as unknown as {outcome: string}).outcome === 'failure')).toHaveLength(1)
    expect(records).toHaveLength(2 + 2) // the two moved, the failed run's, the finishing run's
  })

  it('refuses with exit 8 while an older kopsmith holds the lock at the old place; nothing moves and our lock is not left', async () => {
    const bucket = await bucketWithOldLayout()
    await s3.putObject(bucket, legacyLockKey(C), JSON.stringify(oldLock(3_600_000)))
    let ran = false
    const error = await runLockedOperation(context(), spec(bucket), async () => (ran = true)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LockedError)
    expect((error as LockedError).exitCode).toBe(8)
    expect((error as LockedError).message).toContain('on host host-old (pid 7)')
    expect((error as LockedError).message).toContain(`s3://${bucket}/${legacyLockKey(C)}`)
    expect(ran).toBe(false)
    expect(await s3.getObject(bucket, lockKey(C))).toBeUndefined()
    expect(await keys(bucket, `${C}/kopsmith/`)).toEqual([...OLD_AUDITS, legacyClusterMetadataKey(C), legacyLockKey(C)].sort())
  })

  it('refuses when an older kopsmith takes the old lock while we take ours, and releases ours: never both at once', async () => {
    const bucket = await bucketWithOldLayout()
    let injected = false
    const racing = new Proxy(s3, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown
        if (typeof value !== 'function') return value
        if (prop !== 'putObject') return (value as (...a: unknown[]) => unknown).bind(target)
        return async (...args: unknown[]) => {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)
          if (!injected && args[1] === lockKey(C)) {
            injected = true
            await target.putObject(bucket, legacyLockKey(C), JSON.stringify(oldLock(3_600_000)), {ifNoneMatch: '*'})
          }
          return result
        }
      },
    })
    let ran = false
    const error = await runLockedOperation(context(racing), spec(bucket), async () => (ran = true)).catch((e: unknown) => e)
    expect(injected).toBe(true)
    expect(error).toBeInstanceOf(LockedError)
    expect(ran).toBe(false)
    expect(await s3.getObject(bucket, lockKey(C))).toBeUndefined()
    expect(await s3.getObject(bucket, legacyLockKey(C))).toBeDefined()
  })

  it('retires an expired old lock (a crashed older run), recording it in the audit record as taken over', async () => {
    const bucket = await bucketWithOldLayout()
    const stale = oldLock(-60_000)
    await s3.putObject(bucket, legacyLockKey(C), JSON.stringify(stale))
    await runLockedOperation(context(), spec(bucket), async () => undefined)
    expect(await s3.getObject(bucket, legacyLockKey(C))).toBeUndefined()
    expect(await keys(bucket, `${C}/`)).toEqual([`${C}/config`])
    const ours = (await audits(bucket)).find((a) => a.lock !== undefined)
    expect(ours?.lock).toMatchObject({tookOverFrom: stale, released: true})
  })

  it('cluster unlock breaks an older kopsmith\'s lock at the old place when there is none at the new one', async () => {
    const bucket = await bucketWithOldLayout()
    const held = oldLock(3_600_000)
    await s3.putObject(bucket, legacyLockKey(C), JSON.stringify(held))
    const result = await unlockCluster(context(), {bucket, cluster: C, command: ['cluster', 'unlock', '--name', C, '--force']})
    expect(result).toMatchObject({released: true, previousHolder: held, lock: `s3://${bucket}/${legacyLockKey(C)}`})
    expect(await s3.getObject(bucket, legacyLockKey(C))).toBeUndefined()
    expect(await runLockedOperation(context(), spec(bucket), async () => 'now free')).toBe('now free')
  })
})
