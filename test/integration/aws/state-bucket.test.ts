import {
  CreateBucketCommand,
  DeleteBucketEncryptionCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, it} from 'vitest'

import type {AwsClients} from '../../../src/adapters/aws/clients.js'
import {S3StateStore} from '../../../src/adapters/aws/s3-state-store.js'
import {DISCOVERY_READ_SID, TLS_ONLY_SID} from '../../../src/core/aws/bucket.js'
import {RefusedError} from '../../../src/core/errors.js'
import type {StateStore} from '../../../src/ports.js'
import {ensureStateBuckets, planStateBuckets} from '../../../src/services/state-bucket.js'
import {motoClients, uniqueBucket} from '../../helpers/moto.js'
import {clusterConfig} from '../../services/aws/cluster-config.js'

let clients: AwsClients

beforeAll(() => {
  clients = motoClients()
})

/** Counts the writes a service makes, so "second run is a no-op" is checked on the wire, not just in the report. */
function recording(store: StateStore): {store: StateStore; writes: string[]} {
  const writes: string[] = []
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (/^(create|put|delete)/.test(String(prop))) writes.push(`${String(prop)} ${String(args[0])}`)
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return {store: proxy, writes}
}

/** Reads a bucket's settings with the SDK directly, independent of the adapter under test. */
async function readRaw(bucket: string) {
  const s3 = clients.s3
  const [location, versioning, encryption, block, policy, tags] = await Promise.all([
    s3.send(new GetBucketLocationCommand({Bucket: bucket})),
    s3.send(new GetBucketVersioningCommand({Bucket: bucket})),
    s3.send(new GetBucketEncryptionCommand({Bucket: bucket})),
    s3.send(new GetPublicAccessBlockCommand({Bucket: bucket})),
    s3.send(new GetBucketPolicyCommand({Bucket: bucket})),
    s3.send(new GetBucketTaggingCommand({Bucket: bucket})),
  ])
  return {
    region: location.LocationConstraint,
    versioning: versioning.Status,
    encryption: encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault,
    block: block.PublicAccessBlockConfiguration,
    policy: JSON.parse(policy.Policy ?? '{}') as {Statement: Array<Record<string, unknown>>},
    tags: Object.fromEntries((tags.TagSet ?? []).map((t) => [t.Key, t.Value])),
  }
}

describe('state and discovery buckets against S3 (moto)', () => {
  it('creates both buckets hardened in eu-central-1, and every setting reads back', async () => {
    const bucket = uniqueBucket()
    const config = clusterConfig({bucket})
    const report = await ensureStateBuckets(new S3StateStore(clients), config)
    expect(report.buckets.map((b) => [b.kind, b.action])).toEqual([['state-bucket', 'created'], ['discovery-bucket', 'created']])

    const state = await readRaw(bucket)
    expect(state.region).toBe('eu-central-1')
    expect(state.versioning).toBe('Enabled')
    expect(state.encryption?.SSEAlgorithm).toBe('AES256')
    expect(state.block).toEqual({BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true})
    expect(state.policy.Statement).toEqual([
      {
        Sid: TLS_ONLY_SID,
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: {Bool: {'aws:SecureTransport': 'false'}},
      },
    ])
    expect(state.tags).toMatchObject({'kopsmith.dev/managed-by': 'kopsmith', 'kopsmith.dev/purpose': 'kops-state'})

    const discovery = await readRaw(`${bucket}-oidc`)
    expect(discovery.region).toBe('eu-central-1')
    expect(discovery.versioning).toBe('Enabled')
    expect(discovery.encryption?.SSEAlgorithm).toBe('AES256')
    expect(discovery.tags).toMatchObject({'kopsmith.dev/purpose': 'oidc-discovery'})
  })

  it('a second run plans only noop steps and writes nothing', async () => {
    const bucket = uniqueBucket()
    const config = clusterConfig({bucket})
    await ensureStateBuckets(new S3StateStore(clients), config)

    const plan = await planStateBuckets(new S3StateStore(clients), config)
    expect(plan.map((s) => [s.id, s.action])).toEqual([['state-bucket:noop', 'noop'], ['discovery-bucket:noop', 'noop']])
    const {store, writes} = recording(new S3StateStore(clients))
    const again = await ensureStateBuckets(store, config)
    expect(again.buckets.map((b) => b.action)).toEqual(['unchanged', 'unchanged'])
    expect(writes).toEqual([])
  })

  it('uses SSE-KMS with the configured key on the state bucket, never on the public discovery bucket', async () => {
    const bucket = uniqueBucket()
    const key = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'
    await ensureStateBuckets(new S3StateStore(clients), clusterConfig({bucket, kmsKeyId: key}))
    expect((await readRaw(bucket)).encryption).toMatchObject({SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key})
    expect((await readRaw(`${bucket}-oidc`)).encryption?.SSEAlgorithm).toBe('AES256')
  })

  it('repairs a drifted bucket field by field and keeps a foreign policy statement', async () => {
    const bucket = uniqueBucket()
    const config = clusterConfig({bucket})
    await ensureStateBuckets(new S3StateStore(clients), config)
    const foreign = {Sid: 'AuditorsMayList', Effect: 'Allow', Principal: {AWS: 'arn:aws:iam::210987654321:root'}, Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}`}
    await clients.s3.send(new PutBucketVersioningCommand({Bucket: bucket, VersioningConfiguration: {Status: 'Suspended'}}))
    await clients.s3.send(new DeleteBucketEncryptionCommand({Bucket: bucket}))
    await clients.s3.send(new PutPublicAccessBlockCommand({Bucket: bucket, PublicAccessBlockConfiguration: {BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: false}}))
    await clients.s3.send(new PutBucketPolicyCommand({Bucket: bucket, Policy: JSON.stringify({Version: '2012-10-17', Statement: [foreign]})}))

    const [stateStep] = await planStateBuckets(new S3StateStore(clients), config)
    expect(stateStep).toMatchObject({id: 'state-bucket:update', action: 'update'})
    expect(stateStep!.changes!.map((c) => c.field).sort()).toEqual(['encryption', 'policy.KopsmithDenyInsecureTransport', 'publicAccessBlock.restrictPublicBuckets', 'versioning'])
    expect(stateStep!.changes).toContainEqual({field: 'versioning', from: 'Suspended', to: 'Enabled'})

    const report = await ensureStateBuckets(new S3StateStore(clients), config)
    expect(report.buckets[0]).toMatchObject({action: 'repaired'})
    const after = await readRaw(bucket)
    expect(after.versioning).toBe('Enabled')
    expect(after.encryption?.SSEAlgorithm).toBe('AES256')
    expect(after.block?.RestrictPublicBuckets).toBe(true)
    expect(after.policy.Statement.map((s) => s.Sid)).toEqual(['AuditorsMayList', TLS_ONLY_SID])
    expect(after.policy.Statement[0]).toEqual(foreign)
    expect((await planStateBuckets(new S3StateStore(clients), config)).map((s) => s.action)).toEqual(['noop', 'noop'])
  })

  it('refuses (exit 9) an existing bucket outside eu-central-1 and touches nothing', async () => {
    const bucket = uniqueBucket()
    // Created by someone else, directly with the SDK in Ireland (the endpoint comes from AWS_ENDPOINT_URL).
    const ireland = new S3Client({region: 'eu-west-1', forcePathStyle: true})
    await ireland.send(new CreateBucketCommand({Bucket: bucket, CreateBucketConfiguration: {LocationConstraint: 'eu-west-1'}}))
    const config = clusterConfig({bucket})

    const planned = await planStateBuckets(new S3StateStore(clients), config).catch((e: unknown) => e)
    expect(planned).toBeInstanceOf(RefusedError)
    expect((planned as RefusedError).exitCode).toBe(9)
    expect((planned as RefusedError).message).toContain('eu-west-1')

    const {store, writes} = recording(new S3StateStore(clients))
    const ensured = await ensureStateBuckets(store, config).catch((e: unknown) => e)
    expect(ensured).toBeInstanceOf(RefusedError)
    expect(writes).toEqual([])
    expect((await clients.s3.send(new GetBucketVersioningCommand({Bucket: bucket}))).Status).toBeUndefined()
  })

  it('opens the discovery bucket only for the discovery documents, with one statement every cluster sharing it agrees on', async () => {
    const bucket = uniqueBucket()
    const first = clusterConfig({bucket, name: 'prod.k8s.acme.de'})
    await ensureStateBuckets(new S3StateStore(clients), first)
    const discovery = await readRaw(`${bucket}-oidc`)
    expect(discovery.block).toEqual({BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false})
    const read = discovery.policy.Statement.find((s) => s.Sid === DISCOVERY_READ_SID)
    expect(read).toEqual({
      Sid: DISCOVERY_READ_SID,
      Effect: 'Allow',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: [`arn:aws:s3:::${bucket}-oidc/*/.well-known/openid-configuration`, `arn:aws:s3:::${bucket}-oidc/*/openid/v1/jwks`],
    })
    expect(discovery.policy.Statement.map((s) => s.Sid)).toEqual([TLS_ONLY_SID, DISCOVERY_READ_SID])
    // The state bucket grants nothing to anyone.
    expect((await readRaw(bucket)).policy.Statement.filter((s) => s.Effect === 'Allow')).toEqual([])

    // A second cluster sharing both buckets finds nothing to change.
    const second = clusterConfig({bucket, name: 'stage.k8s.acme.de'})
    const [, step] = await planStateBuckets(new S3StateStore(clients), second)
    expect(step).toMatchObject({id: 'discovery-bucket:noop'})
    const report = await ensureStateBuckets(new S3StateStore(clients), second)
    expect(report.buckets.map((b) => b.action)).toEqual(['unchanged', 'unchanged'])
  })
})
