import {storedKubernetesVersion} from './kops/upgrade-path.js'
import {LABELS, MANAGED_BY} from './naming.js'
import {effectiveExpiry} from './sandbox/expiry.js'
import type {ClusterMetadata} from './sandbox/metadata.js'

/** One row of `cluster list`. */
export interface ListedCluster {
  name: string
  kubernetesVersion: string | null
  profile: string | null
  owner: string | null
  /** From kopsmith's record; null when there is none (a cluster kopsmith did not create). */
  protected: boolean | null
  /** RFC 3339, sandboxes only. */
  expiresAt: string | null
  /** Whether expiresAt lies in the past at the time of listing. */
  expired: boolean
  managedByKopsmith: boolean
}

/** What kopsmith's record says, as read from the state store. */
export type StoredMetadata = {state: 'ok'; metadata: ClusterMetadata} | {state: 'missing'} | {state: 'invalid'; problem: string}

/**
 * A cluster as `cluster list` shows it, from the Cluster object kops stored (`CLUSTER/config`) and
 * kopsmith's record. The record wins where both speak (cloud labels are EC2 tags anyone with
 * tagging rights can change); the labels fill in for clusters without one. The expiry is the one
 * `cluster reap` acts on: the record's, postponed by a later label.
 */
export function listedCluster(name: string, stored: Record<string, unknown>, record: StoredMetadata, now: Date): ListedCluster {
  const labels = recordOf(recordOf(stored.spec).cloudLabels)
  const label = (key: string): string | null => (typeof labels[key] === 'string' ? (labels[key] as string) : null)
  const m = record.state === 'ok' ? record.metadata : undefined
  const labelExpiry = label(LABELS.expiresAt) ?? undefined
  const expiresAt = m ? (m.expiresAt === null ? null : effectiveExpiry(m.expiresAt, labelExpiry)) : (labelExpiry ?? null)
  const expiry = expiresAt ? Date.parse(expiresAt) : Number.NaN
  return {
    name,
    kubernetesVersion: storedKubernetesVersion(stored) ?? null,
    profile: m?.profile ?? label(LABELS.profile),
    owner: m?.owner ?? label(LABELS.owner),
    protected: m?.protected ?? null,
    expiresAt,
    expired: Number.isFinite(expiry) && expiry <= now.getTime(),
    managedByKopsmith: m !== undefined || label(LABELS.managedBy) === MANAGED_BY,
  }
}

function recordOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}
