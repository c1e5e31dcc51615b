/**
 * kops' state-store layout under `s3://BUCKET/CLUSTER/` (kops-contract.md, "State store layout")
 * and how `kops delete cluster` removes it. kops' DeleteAllClusterState deletes only files it
 * knows and refuses the whole removal ("refusing to delete: unknown file found: …") if anything
 * else lives under the cluster — which kopsmith's own `CLUSTER/kopsmith/` (lock, audit, metadata)
 * always does. So after kops has deleted the cloud resources and refused on our files, kopsmith
 * removes exactly the files kops would have removed, and keeps its own.
 */

/** Files directly under the cluster that kops' delete removes. */
export const KOPS_STATE_FILES: readonly string[] = ['config', 'cluster.spec', 'cluster-completed.spec', 'kops-version.txt']
/** Directories under the cluster that kops' delete removes. */
export const KOPS_STATE_DIRS: readonly string[] = ['addons/', 'pki/', 'secrets/', 'instancegroup/', 'manifests/', 'igconfig/', 'clusteraddons/', 'backups/']
/** kopsmith's own directory under the cluster: lock, audit records, metadata. */
export const KOPSMITH_DIR = 'kopsmith/'

export interface ClusterStateKeys {
  /** kops' files, in deletion order: everything else first, `CLUSTER/config` last (its absence then means "all gone"). */
  kops: string[]
  kopsmith: string[]
  /** Neither kops' nor ours: kops' refusal is then right, and nothing is removed. */
  unknown: string[]
}

export function classifyClusterStateKeys(cluster: string, keys: readonly string[]): ClusterStateKeys {
  const base = `${cluster}/`
  const result: ClusterStateKeys = {kops: [], kopsmith: [], unknown: []}
  for (const key of keys) {
    if (!key.startsWith(base)) continue
    const rel = key.slice(base.length)
    if (rel === '') continue
    if (rel.startsWith(KOPSMITH_DIR)) result.kopsmith.push(key)
    else if (KOPS_STATE_FILES.includes(rel) || KOPS_STATE_DIRS.some((d) => rel.startsWith(d))) result.kops.push(key)
    else result.unknown.push(key)
  }
  const config = `${base}config`
  result.kops.sort((a, b) => Number(a === config) - Number(b === config) || a.localeCompare(b))
  return result
}

/** kops refused to remove the cluster's state because of a file in kopsmith's own directory. */
export function isRefusalOverKopsmithFiles(stderr: string, cluster: string): boolean {
  const m = /refusing to delete: unknown file found: (\S+)/.exec(stderr)
  return m?.[1] !== undefined && m[1].includes(`/${cluster}/${KOPSMITH_DIR}`)
}
