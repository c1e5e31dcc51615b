import {describe, expect, it} from 'vitest'

import {auditPrefix, type AuditRecord, lockKey, type LockRecord} from '../../../src/core/aws/lock.js'
import {LockedError} from '../../../src/core/errors.js'
import {unlockCluster} from '../../../src/services/unlock-cluster.js'
import {FakeIdentity} from '../../fakes/fake-identity.js'
import {FakeStateStore} from '../../fakes/fake-state-store.js'
import {ManualClock} from './manual-clock.js'

const BUCKET = 'acme-kops-state'
const CLUSTER = 'prod.k8s.acme.de'
const holder: LockRecord = {owner: 'arn:aws:sts::123456789012:assumed-role/ci/run-7', host: 'runner-7', pid: 70, operation: 'create', started: '2026-05-02T01:00:00.000Z', expires: '2026-05-02T03:00:00.000Z'}
const input = {bucket: BUCKET, cluster: CLUSTER, command: ['kopsmith', 'cluster', 'unlock', '--name', CLUSTER, '--force']}

function audits(store: FakeStateStore): AuditRecord[] {
  return [...store.buckets.get(BUCKET)!.objects.entries()].filter(([k]) => k.startsWith(auditPrefix(CLUSTER))).map(([, o]) => JSON.parse(o.body) as AuditRecord)
}

describe('unlockCluster (fakes)', () => {
  it('deletes the lock on the ETag it read and audits the previous holder and who broke it', async () => {
    const store = new FakeStateStore().withBucket(BUCKET).withObject(BUCKET, lockKey(CLUSTER), JSON.stringify(holder))
    const etag = store.object(BUCKET, lockKey(CLUSTER))!.etag
    const result = await unlockCluster({store, identity: new FakeIdentity(), clock: new ManualClock()}, input)
    expect(result).toMatchObject({released: true, previousHolder: holder, summary: expect.stringContaining('runner-7 (pid 70), running create since 2026-05-02T01:00:00.000Z (2 h 0 min ago)')})
    expect(store.object(BUCKET, lockKey(CLUSTER))).toBeUndefined()
    expect(store.calls.find((c) => c.method === 'deleteObject')?.options).toEqual({ifMatch: etag})
    expect(audits(store)).toEqual([expect.objectContaining({operation: 'unlock', outcome: 'success', previousHolder: holder, identity: expect.objectContaining({arn: expect.stringContaining('alice@acme.de')}), command: input.command})])
  })

  it('does not break a lock that a new run took between reading and deleting', async () => {
    const store = new FakeStateStore().withBucket(BUCKET).withObject(BUCKET, lockKey(CLUSTER), JSON.stringify(holder))
    const fresh = {...holder, host: 'runner-8', started: '2026-05-02T03:00:00.000Z', expires: '2026-05-02T05:00:00.000Z'}
    const realDelete = store.deleteObject.bind(store)
    store.deleteObject = async (bucket, key, options) => {
      store.withObject(BUCKET, lockKey(CLUSTER), JSON.stringify(fresh))
      return realDelete(bucket, key, options)
    }
    const error = await unlockCluster({store, identity: new FakeIdentity(), clock: new ManualClock()}, input).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LockedError)
    expect((error as Error).message).toContain('runner-8')
    expect(JSON.parse(store.object(BUCKET, lockKey(CLUSTER))!.body)).toEqual(fresh)
    expect(audits(store)).toEqual([])
  })

  it('removes an unreadable lock and says so in the audit record', async () => {
    const store = new FakeStateStore().withBucket(BUCKET).withObject(BUCKET, lockKey(CLUSTER), '{"owner":')
    const result = await unlockCluster({store, identity: new FakeIdentity(), clock: new ManualClock()}, input)
    expect(result.previousHolder).toEqual({unreadable: 'the lock object is not JSON'})
    expect(audits(store)[0]!.previousHolder).toEqual({unreadable: 'the lock object is not JSON'})
  })
})
