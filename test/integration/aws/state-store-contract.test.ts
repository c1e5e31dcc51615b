import {CreateBucketCommand} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, it} from 'vitest'

import type {AwsClients} from '../../../src/adapters/aws/clients.js'
import {S3StateStore} from '../../../src/adapters/aws/s3-state-store.js'
import {ApiError} from '../../../src/core/errors.js'
import type {StateStore} from '../../../src/ports.js'
import {FakeStateStore} from '../../fakes/fake-state-store.js'
import {motoClients, uniqueBucket} from '../../helpers/moto.js'

let clients: AwsClients
beforeAll(() => {
  clients = motoClients()
})

/**
 * The same object semantics, asserted against the real S3 adapter on moto and against the fake
 * other engineers test with — so the fake cannot drift from what S3 does.
 */
const implementations: Array<[string, () => Promise<{store: StateStore; bucket: string}>]> = [
  ['S3StateStore on moto', async () => {
    const bucket = uniqueBucket('contract')
    await clients.s3.send(new CreateBucketCommand({Bucket: bucket, CreateBucketConfiguration: {LocationConstraint: 'eu-central-1'}}))
    return {store: new S3StateStore(clients), bucket}
  }],
  ['FakeStateStore', async () => ({store: new FakeStateStore().withBucket('contract'), bucket: 'contract'})],
]

describe.each(implementations)('StateStore contract: %s', (_name, make) => {
  it('conditional create: If-None-Match * succeeds once, then reports precondition-failed', async () => {
    const {store, bucket} = await make()
    const first = await store.putObject(bucket, 'c/lock.json', '{"a":1}', {ifNoneMatch: '*'})
    expect(first).toEqual({ok: true, etag: expect.stringMatching(/^"[0-9a-f]{32}"$/)})
    expect(await store.putObject(bucket, 'c/lock.json', '{"a":2}', {ifNoneMatch: '*'})).toEqual({ok: false, reason: 'precondition-failed'})
    expect(await store.getObject(bucket, 'c/lock.json')).toMatchObject({body: '{"a":1}', etag: first.ok ? first.etag : ''})
  })

  it('conditional replace and delete follow the ETag; an absent object fails the condition', async () => {
    const {store, bucket} = await make()
    const v1 = await store.putObject(bucket, 'k', 'one')
    if (!v1.ok) throw new Error('put failed')
    const v2 = await store.putObject(bucket, 'k', 'two', {ifMatch: v1.etag})
    expect(v2.ok).toBe(true)
    expect(await store.putObject(bucket, 'k', 'three', {ifMatch: v1.etag})).toEqual({ok: false, reason: 'precondition-failed'})
    expect(await store.deleteObject(bucket, 'k', {ifMatch: v1.etag})).toEqual({ok: false, reason: 'precondition-failed'})
    expect((await store.getObject(bucket, 'k'))?.body).toBe('two')
    expect(await store.deleteObject(bucket, 'k', {ifMatch: v2.ok ? v2.etag : ''})).toEqual({ok: true})
    expect(await store.getObject(bucket, 'k')).toBeUndefined()
    expect(await store.putObject(bucket, 'k', 'four', {ifMatch: v2.ok ? v2.etag : ''})).toEqual({ok: false, reason: 'precondition-failed'})
    expect(await store.deleteObject(bucket, 'k', {ifMatch: v2.ok ? v2.etag : ''})).toEqual({ok: false, reason: 'precondition-failed'})
    expect(await store.deleteObject(bucket, 'never-there')).toEqual({ok: true})
  })

  it('lists keys under a prefix, sorted, or only the next level with a delimiter', async () => {
    const {store, bucket} = await make()
    for (const key of ['b.k8s/config', 'a.k8s/kopsmith/lock.json', 'a.k8s/config', 'a.k8s/kopsmith/audit/2.json', 'a.k8s/kopsmith/audit/1.json']) await store.putObject(bucket, key, 'x')
    expect(await store.listKeys(bucket, 'a.k8s/kopsmith/audit/')).toEqual(['a.k8s/kopsmith/audit/1.json', 'a.k8s/kopsmith/audit/2.json'])
    expect(await store.listKeys(bucket, '', {delimiter: '/'})).toEqual(['a.k8s/', 'b.k8s/'])
    expect(await store.listKeys(bucket, 'a.k8s/', {delimiter: '/'})).toEqual(['a.k8s/config', 'a.k8s/kopsmith/'])
  })

  it('describes a missing bucket as undefined and fails object calls on it with exit 6', async () => {
    const {store} = await make()
    expect(await store.describeBucket('kopsmith-no-such-bucket-x1')).toBeUndefined()
    const error = await store.putObject('kopsmith-no-such-bucket-x1', 'k', 'v').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as Error).message).toMatch(/PutObject.*kopsmith-no-such-bucket-x1.*NoSuchBucket/)
  })

  it('describes a fresh bucket: eu-central-1, not versioned, no public-access block, no policy, no tags', async () => {
    const {store, bucket} = await make()
    const state = await store.describeBucket(bucket)
    // Default encryption is left out: S3 encrypts every new bucket with SSE-S3 (and the fake does),
    // moto reports none. Our services do not depend on it: they always write encryption explicitly.
    expect(state).toMatchObject({name: bucket, region: 'eu-central-1', versioning: 'Off', publicAccessBlock: null, policy: null, tags: {}})
  })
})
