import {ApiError} from '../core/errors.js'
import {clusterMetadataKey, legacyClusterMetadataKey, parseClusterMetadata, serializeClusterMetadata, type ClusterMetadata} from '../core/sandbox/metadata.js'
import type {StateStore} from '../ports.js'

export type {ClusterMetadata} from '../core/sandbox/metadata.js'
export {clusterMetadataKey, metadataFromConfig} from '../core/sandbox/metadata.js'

/** metadata.json as read: the record and its ETag (for a conditional write back). */
export type StoredClusterMetadata =
  | {state: 'ok'; metadata: ClusterMetadata; etag: string}
  | {state: 'missing'}
  | {state: 'invalid'; problem: string; etag: string}

/**
 * Reads `s3://BUCKET/kopsmith/CLUSTER/metadata.json` with its ETag, telling a missing record from
 * an unreadable one (the reaper and `sandbox extend` treat both as "not a sandbox"). Until a
 * mutating run has moved it, the record an older kopsmith wrote in `CLUSTER/kopsmith/` is read
 * instead, so read-only commands (list, reap's selection, delete's protection) see it meanwhile.
 * S3 errors other than "not found" propagate (ApiError, exit 6).
 */
export async function readClusterMetadata(store: StateStore, bucket: string, cluster: string): Promise<StoredClusterMetadata> {
  const object = (await store.getObject(bucket, clusterMetadataKey(cluster))) ?? (await store.getObject(bucket, legacyClusterMetadataKey(cluster)))
  if (!object) return {state: 'missing'}
  const verdict = parseClusterMetadata(object.body)
  return verdict.ok ? {state: 'ok', metadata: verdict.metadata, etag: object.etag} : {state: 'invalid', problem: verdict.problem, etag: object.etag}
}

/** The record, or undefined when there is none or it cannot be read (then `cluster create` writes a fresh one). */
export async function findClusterMetadata(store: StateStore, bucket: string, cluster: string): Promise<ClusterMetadata | undefined> {
  const stored = await readClusterMetadata(store, bucket, cluster)
  return stored.state === 'ok' ? stored.metadata : undefined
}

/**
 * Writes metadata.json. `cluster create` calls it once the kops spec is stored
 * (`writeClusterMetadata(store, bucket, metadataFromConfig(config, clock.now()))`); `sandbox
 * extend` passes the ETag it read, so a concurrent change is detected instead of overwritten
 * (ApiError, exit 6). Returns the new ETag.
 */
export async function writeClusterMetadata(store: StateStore, bucket: string, metadata: ClusterMetadata, options: {ifMatch?: string} = {}): Promise<string> {
  const key = clusterMetadataKey(metadata.name)
  const result = await store.putObject(bucket, key, serializeClusterMetadata(metadata), {
    contentType: 'application/json',
    ...(options.ifMatch === undefined ? {} : {ifMatch: options.ifMatch}),
  })
  if (!result.ok) {
    throw new ApiError(`s3://${bucket}/${key} changed while kopsmith was updating it`, {suggestions: ['Run the command again; it reads the current record first']})
  }
  return result.etag
}
