import {describe, expect, it} from 'vitest'

import {
  bucketDrift,
  buildBucketStep,
  desiredDiscoveryBucket,
  desiredStateBucket,
  DISCOVERY_READ_SID,
  discoveryReadStatement,
  isSameStatement,
  mergeBucketPolicy,
  mergeTags,
  TLS_ONLY_SID,
  tlsOnlyStatement,
} from '../../../../src/core/aws/bucket.js'
import {RefusedError} from '../../../../src/core/errors.js'
import type {BucketPolicy, BucketState} from '../../../../src/ports.js'
import {clusterConfig} from '../../../services/aws/cluster-config.js'

const config = clusterConfig({bucket: 'acme-kops-state', name: 'prod.k8s.acme.de'})

/** A bucket exactly as kopsmith leaves it. */
function compliant(overrides: Partial<BucketState> = {}): BucketState {
  return {
    name: 'acme-kops-state',
    region: 'eu-central-1',
    versioning: 'Enabled',
    encryption: {type: 'SSE-S3'},
    publicAccessBlock: {blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true},
    policy: {Version: '2012-10-17', Statement: [tlsOnlyStatement('acme-kops-state')]},
    tags: {'kopsmith.dev/managed-by': 'kopsmith', 'kopsmith.dev/purpose': 'kops-state'},
    ...overrides,
  }
}

describe('mergeBucketPolicy', () => {
  const foreign = {Sid: 'Auditors', Effect: 'Allow', Principal: {AWS: 'arn:aws:iam::1:root'}, Action: 's3:ListBucket', Resource: 'arn:aws:s3:::acme-kops-state'}
  const unnamed = {Effect: 'Deny', Principal: '*', Action: 's3:DeleteBucket', Resource: 'arn:aws:s3:::acme-kops-state'}
  const ours = tlsOnlyStatement('acme-kops-state')

  it.each<[string, BucketPolicy | null, BucketPolicy['Statement']]>([
    ['no policy yet', null, [ours]],
    ['foreign statements only: ours appended, theirs kept in order', {Version: '2012-10-17', Statement: [foreign, unnamed]}, [foreign, unnamed, ours]],
    ['an outdated statement of ours is replaced in place', {Version: '2012-10-17', Statement: [{...ours, Resource: 'arn:aws:s3:::old'}, foreign]}, [ours, foreign]],
    ['already merged: unchanged', {Version: '2012-10-17', Statement: [foreign, ours]}, [foreign, ours]],
  ])('%s', (_name, existing, statements) => {
    expect(mergeBucketPolicy(existing, [ours])).toEqual({Version: '2012-10-17', Statement: statements})
  })

  it('keeps the version of an existing policy', () => {
    expect(mergeBucketPolicy({Version: '2008-10-17', Statement: []}, [ours]).Version).toBe('2008-10-17')
  })
})

describe('isSameStatement', () => {
  const ours = tlsOnlyStatement('b')
  it.each([
    ['key order', {Condition: ours.Condition, Resource: ours.Resource, Action: ours.Action, Principal: ours.Principal, Effect: ours.Effect, Sid: ours.Sid}, true],
    ['single value vs one-element list', {...ours, Action: ['s3:*']}, true],
    ['list order', {...ours, Resource: [...(ours.Resource as string[])].reverse()}, true],
    ['a different condition value', {...ours, Condition: {Bool: {'aws:SecureTransport': 'true'}}}, false],
    ['a missing resource', {...ours, Resource: ['arn:aws:s3:::b']}, false],
    ['Allow instead of Deny', {...ours, Effect: 'Allow'}, false],
  ])('%s → %s', (_name, other, same) => {
    expect(isSameStatement(other, ours)).toBe(same)
  })
})

describe('bucketDrift', () => {
  const desired = desiredStateBucket(config)

  it('is empty for a compliant bucket, also with foreign statements and tags', () => {
    const policy = {Version: '2012-10-17', Statement: [{Sid: 'Other', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'x'}, tlsOnlyStatement('acme-kops-state')]}
    expect(bucketDrift(desired, compliant({policy, tags: {...compliant().tags, team: 'platform'}}))).toEqual([])
  })

  it('names every drifted field with its old and new value', () => {
    const drifted = compliant({
      versioning: 'Suspended',
      encryption: null,
      publicAccessBlock: {blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: true, restrictPublicBuckets: true},
      policy: {Version: '2012-10-17', Statement: [{...tlsOnlyStatement('acme-kops-state'), Effect: 'Allow'}]},
      tags: {'kopsmith.dev/managed-by': 'terraform'},
    })
    expect(bucketDrift(desired, drifted)).toEqual([
      {field: 'versioning', from: 'Suspended', to: 'Enabled'},
      {field: 'encryption', from: 'none', to: 'SSE-S3'},
      {field: 'publicAccessBlock.ignorePublicAcls', from: false, to: true},
      {field: `policy.${TLS_ONLY_SID}`, from: 'Allow s3:* on 2 resources', to: 'Deny s3:* on 2 resources'},
      {field: 'tags.kopsmith.dev/managed-by', from: 'terraform', to: 'kopsmith'},
      {field: 'tags.kopsmith.dev/purpose', from: 'missing', to: 'kops-state'},
    ])
  })

  it('reports every public-access block of a bucket that has none', () => {
    expect(bucketDrift(desired, compliant({publicAccessBlock: null})).map((c) => [c.field, c.from])).toEqual([
      ['publicAccessBlock.blockPublicAcls', 'not set'],
      ['publicAccessBlock.ignorePublicAcls', 'not set'],
      ['publicAccessBlock.blockPublicPolicy', 'not set'],
      ['publicAccessBlock.restrictPublicBuckets', 'not set'],
    ])
  })

  it.each([
    ['SSE-S3 wanted, SSE-KMS present: kept (never weaken)', null, {type: 'SSE-KMS' as const, kmsKeyId: 'alias/x'}, false],
    ['SSE-KMS wanted, SSE-S3 present', 'alias/state', {type: 'SSE-S3' as const}, true],
    ['SSE-KMS wanted, another key present', 'alias/state', {type: 'SSE-KMS' as const, kmsKeyId: 'alias/other'}, true],
    ['SSE-KMS wanted, same key as ARN', '1234abcd-12ab-34cd-56ef-1234567890ab', {type: 'SSE-KMS' as const, kmsKeyId: 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'}, false],
  ])('encryption: %s → drift %s', (_name, kmsKeyId, encryption, drift) => {
    const d = desiredStateBucket(clusterConfig({bucket: 'acme-kops-state', kmsKeyId}))
    expect(bucketDrift(d, compliant({encryption})).some((c) => c.field === 'encryption')).toBe(drift)
  })

  it('the discovery bucket must be SSE-S3 even with a KMS key configured: anonymous readers cannot decrypt', () => {
    const d = desiredDiscoveryBucket(clusterConfig({bucket: 'acme-kops-state', kmsKeyId: 'alias/state'}))
    expect(d.encryption).toEqual({type: 'SSE-S3'})
    expect(bucketDrift(d, {...compliant(), name: d.name, encryption: {type: 'SSE-KMS', kmsKeyId: 'alias/state'}}).map((c) => c.field)).toContain('encryption')
  })
})

describe('buildBucketStep', () => {
  it('create when absent, noop when compliant, update with changes on drift', () => {
    const desired = desiredStateBucket(config)
    expect(buildBucketStep(desired, undefined)).toMatchObject({id: 'state-bucket:create', action: 'create'})
    expect(buildBucketStep(desired, compliant())).toMatchObject({id: 'state-bucket:noop', action: 'noop'})
    expect(buildBucketStep(desired, compliant({versioning: 'Off'}))).toMatchObject({id: 'state-bucket:update', action: 'update', changes: [{field: 'versioning', from: 'Off', to: 'Enabled'}]})
  })

  it('refuses a bucket outside eu-central-1 with exit 9', () => {
    const step = () => buildBucketStep(desiredStateBucket(config), compliant({region: 'us-east-1'}))
    expect(step).toThrow(RefusedError)
    expect(step).toThrow(/us-east-1, not eu-central-1/)
  })
})

describe('discovery bucket policy', () => {
  it('grants public GetObject on the two discovery documents of any cluster, in one statement the same for every cluster', () => {
    expect(discoveryReadStatement('oidc')).toEqual({
      Sid: DISCOVERY_READ_SID,
      Effect: 'Allow',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: ['arn:aws:s3:::oidc/*/.well-known/openid-configuration', 'arn:aws:s3:::oidc/*/openid/v1/jwks'],
    })
    const stage = desiredDiscoveryBucket({...config, name: 'stage.k8s.acme.de'})
    const prod = desiredDiscoveryBucket({...config, name: 'prod.k8s.acme.de'})
    expect(stage.statements).toEqual(prod.statements)
    expect(prod.publicAccessBlock).toEqual({blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: false})
  })

  it('replaces a per-cluster statement of an earlier version (drift), and sees none once replaced', () => {
    const desired = desiredDiscoveryBucket(config)
    const perCluster = {Sid: DISCOVERY_READ_SID, Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: [`arn:aws:s3:::${desired.name}/stage.k8s.acme.de/openid/v1/jwks`]}
    const old = {...compliant(), name: desired.name, tags: desired.tags, publicAccessBlock: desired.publicAccessBlock, policy: {Version: '2012-10-17', Statement: [desired.statements[0]!, perCluster]}}
    expect(bucketDrift(desired, old).map((c) => c.field)).toEqual([`policy.${DISCOVERY_READ_SID}`])
    const merged = mergeBucketPolicy(old.policy, desired.statements)
    expect(bucketDrift(desired, {...old, policy: merged})).toEqual([])
  })
})

describe('mergeTags', () => {
  it('lays ours over existing tags without dropping others', () => {
    expect(mergeTags({team: 'platform', 'kopsmith.dev/purpose': 'old'}, {'kopsmith.dev/purpose': 'kops-state'})).toEqual({team: 'platform', 'kopsmith.dev/purpose': 'kops-state'})
  })
})
