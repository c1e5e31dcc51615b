import {z} from 'zod'

import type {ClusterConfig} from '../config/types.js'
import {kopsmithRecordsPrefix, legacyKopsmithRecordsPrefix} from '../naming.js'
import {resolveExpiresAt, toRfc3339} from './expiry.js'

/**
 * kopsmith's own record of a cluster, beside kops' state:
 * `s3://BUCKET/kopsmith/CLUSTER/metadata.json`. It is written only by kopsmith (create, extend),
 * never derived from cloud labels, which anyone with EC2 tagging rights can change — so it is what
 * the reaper trusts for profile and protection.
 */
export const clusterMetadataSchema = z
  .object({
    name: z.string().min(1),
    profile: z.enum(['production', 'sandbox']),
    owner: z.string(),
    protected: z.boolean(),
    expiresAt: z.iso.datetime({offset: true}).nullable(),
    createdAt: z.iso.datetime({offset: true}),
  })
  // Later kopsmith versions may add fields; an older reaper must still read the record.
  .loose()

export type ClusterMetadata = z.infer<typeof clusterMetadataSchema>

export function clusterMetadataKey(cluster: string): string {
  return `${kopsmithRecordsPrefix(cluster)}metadata.json`
}

/** `CLUSTER/kopsmith/metadata.json`: where it lived before the move; read until a mutating run migrates it. */
export function legacyClusterMetadataKey(cluster: string): string {
  return `${legacyKopsmithRecordsPrefix(cluster)}metadata.json`
}

export type MetadataVerdict = {ok: true; metadata: ClusterMetadata} | {ok: false; problem: string}

export function parseClusterMetadata(body: string): MetadataVerdict {
  let data: unknown
  try {
    data = JSON.parse(body)
  } catch (error) {
    return {ok: false, problem: `not JSON (${(error as Error).message})`}
  }
  const parsed = clusterMetadataSchema.safeParse(data)
  if (!parsed.success) return {ok: false, problem: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}
  return {ok: true, metadata: parsed.data}
}

export function serializeClusterMetadata(metadata: ClusterMetadata): string {
  return `${JSON.stringify(metadata, null, 2)}\n`
}

/** The record `cluster create` writes once the kops spec is stored. */
export function metadataFromConfig(config: Pick<ClusterConfig, 'name' | 'profile' | 'owner' | 'protected' | 'ttl' | 'expiresAt'>, now: Date): ClusterMetadata {
  return {
    name: config.name,
    profile: config.profile,
    owner: config.owner,
    protected: config.protected,
    expiresAt: resolveExpiresAt(config, now),
    createdAt: toRfc3339(now),
  }
}
