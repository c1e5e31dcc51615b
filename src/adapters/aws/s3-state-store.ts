import {
  CreateBucketCommand,
  type BucketLocationConstraint,
  DeleteObjectCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3'

import {ApiError, DOCTOR_SUGGESTION} from '../../core/errors.js'
import type {
  BucketEncryption,
  BucketPolicy,
  BucketState,
  DeleteObjectResult,
  PublicAccessBlock,
  PutObjectOptions,
  PutObjectResult,
  StateStore,
  StoredObject,
} from '../../ports.js'
import type {AwsClients} from './clients.js'
import {awsCall, awsErrorName, awsHttpStatus, translateAwsError} from './errors.js'

/** Error codes S3 uses for "this optional setting is not configured". */
const ABSENT_SETTING = new Set([
  'ServerSideEncryptionConfigurationNotFoundError',
  'NoSuchPublicAccessBlockConfiguration',
  'NoSuchBucketPolicy',
  'NoSuchTagSet',
  'NoSuchTagSetError',
])

/** A conditional write lost: 412, or 409 when another conditional write raced ours. */
const CONDITION_FAILED = new Set(['PreconditionFailed', 'ConditionalRequestConflict'])

/** The kops state store and kopsmith's lock and audit objects, on S3. */
export class S3StateStore implements StateStore {
  constructor(private readonly clients: AwsClients) {}

  async describeBucket(bucket: string): Promise<BucketState | undefined> {
    const region = await this.bucketRegion(bucket)
    if (region === undefined) return undefined
    const s3 = this.clients.s3
    const ctx = (operation: string) => ({service: 'S3' as const, operation, resource: `bucket ${bucket}`})
    const [versioning, encryption, publicAccessBlock, policy, tags] = await Promise.all([
      awsCall(ctx('GetBucketVersioning'), () => s3.send(new GetBucketVersioningCommand({Bucket: bucket}))),
      optional(ctx('GetBucketEncryption'), () => s3.send(new GetBucketEncryptionCommand({Bucket: bucket}))),
      optional(ctx('GetPublicAccessBlock'), () => s3.send(new GetPublicAccessBlockCommand({Bucket: bucket}))),
      optional(ctx('GetBucketPolicy'), () => s3.send(new GetBucketPolicyCommand({Bucket: bucket}))),
      optional(ctx('GetBucketTagging'), () => s3.send(new GetBucketTaggingCommand({Bucket: bucket}))),
    ])
    const rule = encryption?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault
    const block = publicAccessBlock?.PublicAccessBlockConfiguration
    return {
      name: bucket,
      region,
      versioning: versioning.Status === 'Enabled' ? 'Enabled' : versioning.Status === 'Suspended' ? 'Suspended' : 'Off',
      encryption: toEncryption(rule?.SSEAlgorithm, rule?.KMSMasterKeyID),
      publicAccessBlock: block
        ? {
            blockPublicAcls: block.BlockPublicAcls ?? false,
            ignorePublicAcls: block.IgnorePublicAcls ?? false,
            blockPublicPolicy: block.BlockPublicPolicy ?? false,
            restrictPublicBuckets: block.RestrictPublicBuckets ?? false,
          }
        : null,
      policy: policy?.Policy ? parsePolicy(bucket, policy.Policy) : null,
      tags: Object.fromEntries((tags?.TagSet ?? []).flatMap((t) => (t.Key === undefined ? [] : [[t.Key, t.Value ?? '']]))),
    }
  }

  async createBucket(bucket: string, region: string): Promise<void> {
    try {
      await this.clients.s3.send(
        new CreateBucketCommand({
          Bucket: bucket,
          // us-east-1 is the one region that must not be named (S3 rejects it); we never use it, but stay correct.
          ...(region === 'us-east-1' ? {} : {CreateBucketConfiguration: {LocationConstraint: region as BucketLocationConstraint}}),
        }),
      )
    } catch (error) {
      // A retried create that already succeeded: the bucket is ours, nothing to do.
      if (awsErrorName(error) === 'BucketAlreadyOwnedByYou') return
      const translated = translateAwsError(error, {service: 'S3', operation: 'CreateBucket', resource: `bucket ${bucket}`})
      if (awsErrorName(error) === 'BucketAlreadyExists') {
        throw new ApiError(`S3 bucket name ${bucket} is already taken by another AWS account (bucket names are global)`, {
          cause: error,
          suggestions: ['Choose another name in spec.stateStore.bucket (or spec.stateStore.discoveryBucket)'],
          details: translated.details,
        })
      }
      throw translated
    }
  }

  async putVersioning(bucket: string): Promise<void> {
    await this.send('PutBucketVersioning', bucket, (s3) => s3.send(new PutBucketVersioningCommand({Bucket: bucket, VersioningConfiguration: {Status: 'Enabled'}})))
  }

  async putEncryption(bucket: string, encryption: BucketEncryption): Promise<void> {
    const byDefault = encryption.type === 'SSE-KMS' ? {SSEAlgorithm: 'aws:kms' as const, KMSMasterKeyID: encryption.kmsKeyId} : {SSEAlgorithm: 'AES256' as const}
    await this.send('PutBucketEncryption', bucket, (s3) => s3.send(new PutBucketEncryptionCommand({
        Bucket: bucket,
        // Bucket keys cut KMS requests (and cost) by orders of magnitude for SSE-KMS.
        ServerSideEncryptionConfiguration: {Rules: [{ApplyServerSideEncryptionByDefault: byDefault, BucketKeyEnabled: encryption.type === 'SSE-KMS'}]},
      })),
    )
  }

  async putPublicAccessBlock(bucket: string, block: PublicAccessBlock): Promise<void> {
    await this.send('PutPublicAccessBlock', bucket, (s3) => s3.send(new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: block.blockPublicAcls,
          IgnorePublicAcls: block.ignorePublicAcls,
          BlockPublicPolicy: block.blockPublicPolicy,
          RestrictPublicBuckets: block.restrictPublicBuckets,
        },
      })),
    )
  }

  async putPolicy(bucket: string, policy: BucketPolicy): Promise<void> {
    await this.send('PutBucketPolicy', bucket, (s3) => s3.send(new PutBucketPolicyCommand({Bucket: bucket, Policy: JSON.stringify(policy)})))
  }

  async putTags(bucket: string, tags: Record<string, string>): Promise<void> {
    const TagSet = Object.entries(tags).map(([Key, Value]) => ({Key, Value}))
    await this.send('PutBucketTagging', bucket, (s3) => s3.send(new PutBucketTaggingCommand({Bucket: bucket, Tagging: {TagSet}})))
  }

  async getObject(bucket: string, key: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.clients.s3.send(new GetObjectCommand({Bucket: bucket, Key: key}))
      const body = (await out.Body?.transformToString('utf8')) ?? ''
      return {body, etag: out.ETag ?? '', ...(out.LastModified ? {lastModified: out.LastModified.toISOString()} : {})}
    } catch (error) {
      if (awsErrorName(error) === 'NoSuchKey') return undefined
      throw translateAwsError(error, {service: 'S3', operation: 'GetObject', resource: `s3://${bucket}/${key}`})
    }
  }

  async putObject(bucket: string, key: string, body: string, options: PutObjectOptions = {}): Promise<PutObjectResult> {
    try {
      const out = await this.clients.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: options.contentType ?? 'application/json',
          ...(options.ifNoneMatch ? {IfNoneMatch: options.ifNoneMatch} : {}),
          ...(options.ifMatch ? {IfMatch: options.ifMatch} : {}),
        }),
      )
      return {ok: true, etag: out.ETag ?? ''}
    } catch (error) {
      if (isConditionFailure(error, options.ifMatch !== undefined)) return {ok: false, reason: 'precondition-failed'}
      throw translateAwsError(error, {service: 'S3', operation: 'PutObject', resource: `s3://${bucket}/${key}`})
    }
  }

  async deleteObject(bucket: string, key: string, options: {ifMatch?: string} = {}): Promise<DeleteObjectResult> {
    try {
      await this.clients.s3.send(new DeleteObjectCommand({Bucket: bucket, Key: key, ...(options.ifMatch ? {IfMatch: options.ifMatch} : {})}))
      return {ok: true}
    } catch (error) {
      if (isConditionFailure(error, options.ifMatch !== undefined)) return {ok: false, reason: 'precondition-failed'}
      throw translateAwsError(error, {service: 'S3', operation: 'DeleteObject', resource: `s3://${bucket}/${key}`})
    }
  }

  async listKeys(bucket: string, prefix: string, options: {delimiter?: string} = {}): Promise<string[]> {
    const keys: string[] = []
    let token: string | undefined
    do {
      const out = await this.send('ListObjectsV2', bucket, (s3) => s3.send(new ListObjectsV2Command({Bucket: bucket, Prefix: prefix, ContinuationToken: token, ...(options.delimiter ? {Delimiter: options.delimiter} : {})})),
      )
      for (const o of out.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key)
      for (const p of out.CommonPrefixes ?? []) if (p.Prefix !== undefined) keys.push(p.Prefix)
      token = out.IsTruncated ? out.NextContinuationToken : undefined
    } while (token)
    return keys.sort()
  }

  /** undefined when no bucket of that name exists; throws when it exists but is not ours to see. */
  private async bucketRegion(bucket: string): Promise<string | undefined> {
    try {
      const out = await this.clients.s3.send(new HeadBucketCommand({Bucket: bucket}))
      if (out.BucketRegion) return out.BucketRegion
    } catch (error) {
      const status = awsHttpStatus(error)
      if (status === 404 || awsErrorName(error) === 'NotFound' || awsErrorName(error) === 'NoSuchBucket') return undefined
      if (status === 403) {
        throw new ApiError(`S3 bucket ${bucket} exists but this identity cannot access it (HTTP 403); it may belong to another AWS account`, {
          cause: error,
          suggestions: ['Choose another bucket name, or run with the profile of the account that owns it (--profile)', DOCTOR_SUGGESTION],
        })
      }
      throw translateAwsError(error, {service: 'S3', operation: 'HeadBucket', resource: `bucket ${bucket}`})
    }
    // HeadBucket without the region header (old emulators): ask for the location instead.
    const location = await this.send('GetBucketLocation', bucket, (s3) => s3.send(new GetBucketLocationCommand({Bucket: bucket})))
    return location.LocationConstraint || 'us-east-1'
  }

  private send<O>(operation: string, bucket: string, call: (s3: AwsClients['s3']) => Promise<O>): Promise<O> {
    return awsCall({service: 'S3', operation, resource: `bucket ${bucket}`}, () => call(this.clients.s3))
  }
}

function isConditionFailure(error: unknown, conditional: boolean): boolean {
  const name = awsErrorName(error)
  if (name !== undefined && CONDITION_FAILED.has(name)) return true
  if (awsHttpStatus(error) === 412) return true
  // If-Match on an object that is gone: S3 answers 404, and for us the condition simply failed.
  return conditional && (name === 'NoSuchKey' || awsHttpStatus(error) === 404) && name !== 'NoSuchBucket'
}

async function optional<T>(context: {service: 'S3'; operation: string; resource: string}, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call()
  } catch (error) {
    const name = awsErrorName(error)
    if (name !== undefined && ABSENT_SETTING.has(name)) return undefined
    throw translateAwsError(error, context)
  }
}

function toEncryption(algorithm: string | undefined, kmsKeyId: string | undefined): BucketEncryption | null {
  if (algorithm === 'AES256') return {type: 'SSE-S3'}
  // Without a key id S3 uses the AWS-managed key for S3.
  if (algorithm === 'aws:kms' || algorithm === 'aws:kms:dsse') return {type: 'SSE-KMS', kmsKeyId: kmsKeyId ?? 'alias/aws/s3'}
  return null
}

function parsePolicy(bucket: string, text: string): BucketPolicy {
  try {
    const doc = JSON.parse(text) as {Version?: string; Statement?: unknown}
    const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement === undefined ? [] : [doc.Statement]
    return {Version: doc.Version ?? '2012-10-17', Statement: statements as BucketPolicy['Statement']}
  } catch (error) {
    throw new ApiError(`S3 bucket ${bucket} has a bucket policy that is not valid JSON`, {cause: error})
  }
}
