import {LABELS} from '../../../src/core/naming.js'
import {clusterMetadataKey, serializeClusterMetadata, type ClusterMetadata} from '../../../src/core/sandbox/metadata.js'
import type {FakeKops} from '../../fakes/fake-kops.js'
import type {FakeStateStore} from '../../fakes/fake-state-store.js'
import {auditPrefix} from '../../../src/core/aws/lock.js'

export const BUCKET = 'acme-kops-state'

export interface SeedOptions {
  profile?: 'production' | 'sandbox'
  protected?: boolean
  /** metadata.json's expiry; null for none. */
  expiresAt?: string | null
  /** Labels on the stored spec, when they should differ from what kopsmith would render. */
  labels?: Record<string, string>
  /** No metadata.json at all. */
  noMetadata?: boolean
}

/** A cluster as kopsmith leaves it: a stored kops spec with its cloud labels and metadata.json. */
export function seed(kops: FakeKops, store: FakeStateStore, name: string, o: SeedOptions = {}): void {
  const profile = o.profile ?? 'sandbox'
  const expiresAt = o.expiresAt === undefined ? (profile === 'sandbox' ? '2026-05-09T12:00:00Z' : null) : o.expiresAt
  const labels = o.labels ?? {
    [LABELS.owner]: 'alice@acme.de',
    [LABELS.managedBy]: 'kopsmith',
    [LABELS.profile]: profile,
    ...(expiresAt ? {[LABELS.expiresAt]: expiresAt} : {}),
  }
  kops.withCluster(name, {kubernetesVersion: '1.35.7', cloudLabels: labels})
  if (o.noMetadata) return
  const metadata: ClusterMetadata = {name, profile, owner: 'alice@acme.de', protected: o.protected ?? profile === 'production', expiresAt, createdAt: '2026-05-01T00:00:00Z'}
  store.withObject(BUCKET, clusterMetadataKey(name), serializeClusterMetadata(metadata))
}

export function metadataOf(store: FakeStateStore, name: string): ClusterMetadata | undefined {
  const o = store.object(BUCKET, clusterMetadataKey(name))
  return o ? (JSON.parse(o.body) as ClusterMetadata) : undefined
}

export function auditRecords(store: FakeStateStore, name: string): Array<Record<string, unknown>> {
  const bucket = store.buckets.get(BUCKET)
  return [...(bucket?.objects.entries() ?? [])].filter(([k]) => k.startsWith(auditPrefix(name))).map(([, o]) => JSON.parse(o.body) as Record<string, unknown>)
}

export function labelsOf(kops: FakeKops, name: string): Record<string, string> | undefined {
  return ((kops.stored(name)?.spec ?? {}) as {cloudLabels?: Record<string, string>}).cloudLabels
}
