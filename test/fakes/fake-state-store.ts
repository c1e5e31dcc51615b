import {createHash} from 'node:crypto'

import {ApiError} from '../../src/core/errors.js'
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
} from '../../src/ports.js'

interface FakeObject {
  body: string
  etag: string
  lastModified: string
}

interface FakeBucket {
  state: BucketState
  objects: Map<string, FakeObject>
}

export interface FakeStateStoreCall {
  method: keyof StateStore
  bucket: string
  key?: string
  options?: unknown
}

/**
 * In-memory S3 with the semantics the services rely on: buckets with the settings we harden,
 * objects with MD5 ETags (quoted, like S3), conditional puts (`If-None-Match: *`, `If-Match`) and
 * conditional deletes. Operations on a missing bucket fail like S3 does (NoSuchBucket → ApiError).
 *
 *   new FakeStateStore().withBucket('acme-kops-state', {versioning: 'Suspended'})
 */
export class FakeStateStore implements StateStore {
  readonly buckets = new Map<string, FakeBucket>()
  readonly calls: FakeStateStoreCall[] = []
  private readonly failures = new Map<string, Error>()
  private clock: () => Date = () => new Date()

  /** Seeds a bucket; unspecified settings are those of a fresh, unhardened S3 bucket in eu-central-1. */
  withBucket(name: string, state: Partial<Omit<BucketState, 'name'>> = {}): this {
    this.buckets.set(name, {
      state: {
        region: 'eu-central-1',
        versioning: 'Off',
        encryption: {type: 'SSE-S3'}, // S3 encrypts every new bucket with SSE-S3 since 2023
        publicAccessBlock: null,
        policy: null,
        tags: {},
        ...structuredClone(state),
        name,
      },
      objects: new Map(),
    })
    return this
  }

  withObject(bucket: string, key: string, body: string): this {
    this.bucketOrThrow(bucket, 'PutObject').objects.set(key, this.newObject(body))
    return this
  }

  /** The next call of `method` (optionally for `key`) throws `error` once. */
  failNext(method: keyof StateStore, error: Error, key?: string): this {
    this.failures.set(key === undefined ? method : `${method}:${key}`, error)
    return this
  }

  withClock(now: () => Date): this {
    this.clock = now
    return this
  }

  /** The object as stored, for assertions. */
  object(bucket: string, key: string): FakeObject | undefined {
    return this.buckets.get(bucket)?.objects.get(key)
  }

  async describeBucket(bucket: string): Promise<BucketState | undefined> {
    this.record('describeBucket', bucket)
    const b = this.buckets.get(bucket)
    return b ? structuredClone(b.state) : undefined
  }

  async createBucket(bucket: string, region: string): Promise<void> {
    this.record('createBucket', bucket, undefined, {region})
    if (this.buckets.has(bucket)) throw new ApiError(`S3 CreateBucket ${bucket} failed: BucketAlreadyOwnedByYou`)
    this.withBucket(bucket, {region})
  }

  async putVersioning(bucket: string): Promise<void> {
    this.record('putVersioning', bucket)
    this.bucketOrThrow(bucket, 'PutBucketVersioning').state.versioning = 'Enabled'
  }

  async putEncryption(bucket: string, encryption: BucketEncryption): Promise<void> {
    this.record('putEncryption', bucket, undefined, encryption)
    this.bucketOrThrow(bucket, 'PutBucketEncryption').state.encryption = structuredClone(encryption)
  }

  async putPublicAccessBlock(bucket: string, block: PublicAccessBlock): Promise<void> {
    this.record('putPublicAccessBlock', bucket, undefined, block)
    this.bucketOrThrow(bucket, 'PutPublicAccessBlock').state.publicAccessBlock = structuredClone(block)
  }

  async putPolicy(bucket: string, policy: BucketPolicy): Promise<void> {
    this.record('putPolicy', bucket, undefined, policy)
    this.bucketOrThrow(bucket, 'PutBucketPolicy').state.policy = structuredClone(policy)
  }

  async putTags(bucket: string, tags: Record<string, string>): Promise<void> {
    this.record('putTags', bucket, undefined, tags)
    this.bucketOrThrow(bucket, 'PutBucketTagging').state.tags = {...tags}
  }

  async getObject(bucket: string, key: string): Promise<StoredObject | undefined> {
    this.record('getObject', bucket, key)
    const o = this.bucketOrThrow(bucket, 'GetObject').objects.get(key)
    return o ? {body: o.body, etag: o.etag, lastModified: o.lastModified} : undefined
  }

  async putObject(bucket: string, key: string, body: string, options: PutObjectOptions = {}): Promise<PutObjectResult> {
    this.record('putObject', bucket, key, options)
    const b = this.bucketOrThrow(bucket, 'PutObject')
    const current = b.objects.get(key)
    if (options.ifNoneMatch === '*' && current) return {ok: false, reason: 'precondition-failed'}
    if (options.ifMatch !== undefined && (!current || unquote(current.etag) !== unquote(options.ifMatch))) {
      return {ok: false, reason: 'precondition-failed'}
    }
    const object = this.newObject(body)
    b.objects.set(key, object)
    return {ok: true, etag: object.etag}
  }

  async deleteObject(bucket: string, key: string, options: {ifMatch?: string} = {}): Promise<DeleteObjectResult> {
    this.record('deleteObject', bucket, key, options)
    const b = this.bucketOrThrow(bucket, 'DeleteObject')
    const current = b.objects.get(key)
    if (options.ifMatch !== undefined && (!current || unquote(current.etag) !== unquote(options.ifMatch))) {
      return {ok: false, reason: 'precondition-failed'}
    }
    b.objects.delete(key)
    return {ok: true}
  }

  async listKeys(bucket: string, prefix: string, options: {delimiter?: string} = {}): Promise<string[]> {
    this.record('listKeys', bucket, prefix, options)
    const keys = [...this.bucketOrThrow(bucket, 'ListObjectsV2').objects.keys()].filter((k) => k.startsWith(prefix))
    const {delimiter} = options
    if (!delimiter) return keys.sort()
    const out = new Set<string>()
    for (const k of keys) {
      const rest = k.slice(prefix.length)
      const i = rest.indexOf(delimiter)
      out.add(i === -1 ? k : prefix + rest.slice(0, i + delimiter.length))
    }
    return [...out].sort()
  }

  private newObject(body: string): FakeObject {
    return {body, etag: `"${createHash('md5').update(body).digest('hex')}"`, lastModified: this.clock().toISOString()}
  }

  private bucketOrThrow(bucket: string, operation: string): FakeBucket {
    const b = this.buckets.get(bucket)
    if (!b) throw new ApiError(`S3 ${operation} on bucket ${bucket} failed: NoSuchBucket`)
    return b
  }

  private record(method: keyof StateStore, bucket: string, key?: string, options?: unknown): void {
    this.calls.push({method, bucket, ...(key === undefined ? {} : {key}), ...(options === undefined ? {} : {options})})
    for (const id of key === undefined ? [method] : [`${method}:${key}`, method]) {
      const error = this.failures.get(id)
      if (error) {
        this.failures.delete(id)
        throw error
      }
    }
  }
}

function unquote(etag: string): string {
  return etag.replaceAll('"', '')
}
