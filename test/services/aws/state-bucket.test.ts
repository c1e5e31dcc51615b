import {describe, expect, it} from 'vitest'

import {DISCOVERY_READ_SID, TLS_ONLY_SID, tlsOnlyStatement} from '../../../src/core/aws/bucket.js'
import {ApiError, RefusedError} from '../../../src/core/errors.js'
import {ensureStateBuckets, planStateBuckets} from '../../../src/services/state-bucket.js'
import {FakeStateStore} from '../../fakes/fake-state-store.js'
import {clusterConfig} from './cluster-config.js'

const config = clusterConfig({bucket: 'acme-kops-state', name: 'prod.k8s.acme.de'})

describe('ensureStateBuckets (fakes)', () => {
  it('creates both buckets, blocking public access before anything else and writing the policy last', async () => {
    const store = new FakeStateStore()
    const report = await ensureStateBuckets(store, config)

    const state = store.buckets.get('acme-kops-state')!.state
    expect(state).toMatchObject({region: 'eu-central-1', versioning: 'Enabled', encryption: {type: 'SSE-S3'}})
    expect(store.buckets.get('acme-kops-state-oidc')!.state.policy!.Statement.map((s) => s.Sid)).toEqual([TLS_ONLY_SID, DISCOVERY_READ_SID])
    expect(report.buckets.map((b) => [b.name, b.action])).toEqual([['acme-kops-state', 'created'], ['acme-kops-state-oidc', 'created']])

    const writes = store.calls.filter((c) => c.bucket === 'acme-kops-state' && c.method !== 'describeBucket').map((c) => c.method)
    expect(writes).toEqual(['createBucket', 'putPublicAccessBlock', 'putVersioning', 'putEncryption', 'putTags', 'putPolicy'])
    expect(store.calls.find((c) => c.method === 'createBucket')?.options).toEqual({region: 'eu-central-1'})
  })

  it('repairs only what drifted and keeps foreign tags and statements', async () => {
    const foreign = {Sid: 'Replication', Effect: 'Allow', Principal: {AWS: 'arn:aws:iam::1:role/r'}, Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme-kops-state/*'}
    const store = new FakeStateStore()
    await ensureStateBuckets(store, config)
    const state = store.buckets.get('acme-kops-state')!.state
    state.versioning = 'Suspended'
    state.tags = {...state.tags, 'cost-center': '42'}
    state.policy = {Version: '2012-10-17', Statement: [foreign, tlsOnlyStatement('acme-kops-state')]}
    store.calls.length = 0

    const [step] = await planStateBuckets(store, config)
    expect(step).toMatchObject({action: 'update', changes: [{field: 'versioning', from: 'Suspended', to: 'Enabled'}]})
    const report = await ensureStateBuckets(store, config)
    expect(report.buckets.map((b) => b.action)).toEqual(['repaired', 'unchanged'])
    expect(store.calls.filter((c) => c.method.startsWith('put')).map((c) => `${c.method} ${c.bucket}`)).toEqual(['putVersioning acme-kops-state'])
    expect(state.tags['cost-center']).toBe('42')
    expect(state.policy.Statement[0]).toEqual(foreign)
  })

  it('fails (exit 6) when a setting does not read back as written', async () => {
    class ForgetfulStore extends FakeStateStore {
      override async putVersioning(bucket: string): Promise<void> {
        this.calls.push({method: 'putVersioning', bucket}) // an SCP or another tool undoes it
      }
    }
    const error = await ensureStateBuckets(new ForgetfulStore(), config).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).exitCode).toBe(6)
    expect((error as Error).message).toBe('S3 bucket acme-kops-state did not keep its hardening settings: versioning is Off, expected Enabled')
  })

  it('refuses a bucket outside Germany before writing anything (exit 9)', async () => {
    const store = new FakeStateStore().withBucket('acme-kops-state', {region: 'us-east-1'})
    await expect(ensureStateBuckets(store, config)).rejects.toBeInstanceOf(RefusedError)
    expect(store.calls.filter((c) => c.method !== 'describeBucket')).toEqual([])
  })

  it('refuses a discovery bucket that is the state bucket: it would make the state public', async () => {
    const same = {...config, stateStore: {...config.stateStore, discoveryBucket: 'acme-kops-state'}}
    await expect(planStateBuckets(new FakeStateStore(), same)).rejects.toThrow(/must differ/)
    await expect(ensureStateBuckets(new FakeStateStore(), same)).rejects.toBeInstanceOf(RefusedError)
  })
})
