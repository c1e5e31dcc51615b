/**
 * Every name kopsmith derives — kops objects, S3 locations, tags — in one place, so later runs
 * (audit, upgrade, reap, delete) find exactly what an earlier run created.
 */

/** Tags (kops `cloudLabels`) kopsmith puts on every AWS resource of a cluster. */
export const LABELS = {
  owner: 'kopsmith.dev/owner',
  managedBy: 'kopsmith.dev/managed-by',
  profile: 'kopsmith.dev/profile',
  expiresAt: 'kopsmith.dev/expires-at',
} as const

export const MANAGED_BY = 'kopsmith'

/** Label kops requires on every InstanceGroup to tie it to its cluster. */
export const KOPS_CLUSTER_LABEL = 'kops.k8s.io/cluster'
/** Node label kops itself puts on the nodes of an InstanceGroup. */
export const KOPS_INSTANCEGROUP_LABEL = 'kops.k8s.io/instancegroup'

export const BASTION_IG = 'bastions'

export function controlPlaneIgName(zone: string): string {
  return `control-plane-${zone}`
}

export function nodeIgName(group: string): string {
  return `nodes-${group}`
}

/** kops names a zone's private subnet after the zone, and its utility (public) subnet `utility-<zone>`. */
export function privateSubnetName(zone: string): string {
  return zone
}

export function utilitySubnetName(zone: string): string {
  return `utility-${zone}`
}

/** etcd member name for the control plane in `zone`: the zone letter (`eu-central-1a` → `a`), as kops does. */
export function etcdMemberName(zone: string): string {
  const letter = /\d([a-z]+)$/.exec(zone)?.[1]
  return letter ?? zone
}

/** `spec.configBase`: where kops keeps this cluster's state. */
export function configBase(stateBucket: string, cluster: string): string {
  return `s3://${stateBucket}/${cluster}`
}

/** `spec.serviceAccountIssuerDiscovery.discoveryStore`: the public OIDC documents for IRSA. */
export function discoveryStore(discoveryBucket: string, cluster: string): string {
  return `s3://${discoveryBucket}/${cluster}`
}

/**
 * kopsmith's own records of a cluster (lock, metadata, audit): `s3://BUCKET/kopsmith/CLUSTER/`,
 * a top-level prefix beside kops' cluster folders, never inside one — `kops delete cluster`
 * refuses to remove a cluster folder holding files it does not know. kops lists as clusters the
 * folders holding a `config` file, so no key under this prefix may end in `/config` (none does:
 * lock.json, metadata.json, audit/*.json). No kops cluster is named `kopsmith`: kopsmith's names
 * are fully qualified and so hold a dot.
 */
export function kopsmithRecordsPrefix(cluster: string): string {
  return `kopsmith/${cluster}/`
}

/** Where kopsmith kept its records before: `CLUSTER/kopsmith/`, inside kops' folder. Read only to migrate. */
export function legacyKopsmithRecordsPrefix(cluster: string): string {
  return `${cluster}/kopsmith/`
}

/**
 * `s3://BUCKET/kopsmith/<cluster>/lock.json`. Here rather than in aws/lock.ts (which re-exports it)
 * because the create plan names it, and lock.ts loads zod, which `cluster create --dry-run` must not.
 */
export function lockKey(cluster: string): string {
  return `${kopsmithRecordsPrefix(cluster)}lock.json`
}

/** `<cluster>/kopsmith/lock.json`: where kopsmith before the move took its lock. */
export function legacyLockKey(cluster: string): string {
  return `${legacyKopsmithRecordsPrefix(cluster)}lock.json`
}

/** State-store keys kops writes (kops-contract.md, "State store layout"). */
export function kopsClusterConfigKey(cluster: string): string {
  return `${cluster}/config`
}

export function kopsInstanceGroupPrefix(cluster: string): string {
  return `${cluster}/instancegroup/`
}

/**
 * A cluster name as the cluster file's `metadata.name` demands it: a lowercase DNS-1123 subdomain,
 * labels of at most 63 characters, the whole name at most 253 (RFC 1123, as Kubernetes and Route53
 * check). Such a name holds no `/`, `..`, spaces or shell syntax, so it is safe in local paths and S3 keys.
 */
export const DNS_1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/

/** S3 general purpose bucket naming rules: no `..`, not shaped like an IP address, no reserved prefix or suffix. */
export const BUCKET_NAME = /^(?!xn--|sthree-)(?!.*(-s3alias|--ol-s3)$)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

/** Why `name` cannot name a cluster, or undefined when it can. */
export function clusterNameProblem(name: string): string | undefined {
  if (DNS_1123_SUBDOMAIN.test(name)) return undefined
  return 'a cluster name is a lowercase DNS name (RFC 1123: letters, digits, hyphens and dots, labels of at most 63 characters), e.g. prod.k8s.acme.de'
}

/**
 * The bucket of an S3 kops state store: `s3://bucket`, `s3://bucket/`, or the bare bucket name.
 * undefined for anything else (file://, a path inside a bucket, a name S3 would refuse).
 */
export function bucketOfStateStore(url: string | undefined): string | undefined {
  const bucket = /^(?:s3:\/\/)?([^/]+)\/?$/.exec(url?.trim() ?? '')?.[1]
  return bucket !== undefined && BUCKET_NAME.test(bucket) ? bucket : undefined
}
