import {UsageError} from '../core/errors.js'
import {storedKubernetesVersion} from '../core/kops/upgrade-path.js'
import {LABELS} from '../core/naming.js'
import type {Kops} from '../ports.js'

export interface ListedCluster {
  name: string
  kubernetesVersion: string | null
  profile: string | null
  owner: string | null
  /** RFC 3339, sandboxes only. */
  expiresAt: string | null
  /** Whether expiresAt lies in the past at the time of listing. */
  expired: boolean
  managedByKopsmith: boolean
}

export interface ListClustersResult {
  stateStore: string
  clusters: ListedCluster[]
}

/**
 * `cluster list`: what kops keeps in the state store, with kopsmith's cloud labels read back
 * (profile, owner, expiry). Only kops is asked, so the command needs no more than kops does.
 */
export async function listClusters(kops: Kops, input: {stateStore: string; now: Date}): Promise<ListClustersResult> {
  if (!/^(s3|file):\/\/./.test(input.stateStore)) {
    throw new UsageError(`"${input.stateStore}" is not a kops state store`, {suggestions: ['Pass --state s3://BUCKET or set KOPS_STATE_STORE']})
  }
  const objects = await kops.withStateStore(input.stateStore).listClusters()
  const clusters = objects.map((o) => toListed(o, input.now)).sort((a, b) => a.name.localeCompare(b.name))
  return {stateStore: input.stateStore, clusters}
}

function toListed(object: Record<string, unknown>, now: Date): ListedCluster {
  const metadata = record(object.metadata)
  const spec = record(object.spec)
  const labels = record(spec.cloudLabels)
  const label = (key: string): string | null => (typeof labels[key] === 'string' ? (labels[key] as string) : null)
  const expiresAt = label(LABELS.expiresAt)
  const expiry = expiresAt ? Date.parse(expiresAt) : Number.NaN
  return {
    name: typeof metadata.name === 'string' ? metadata.name : '(unnamed)',
    kubernetesVersion: storedKubernetesVersion(object) ?? null,
    profile: label(LABELS.profile),
    owner: label(LABELS.owner),
    expiresAt,
    expired: Number.isFinite(expiry) && expiry <= now.getTime(),
    managedByKopsmith: label(LABELS.managedBy) === 'kopsmith',
  }
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}
