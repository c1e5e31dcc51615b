import type {ClusterFile, Profile} from './schema.js'
import type {AuthenticationConfig, ClusterConfig} from './types.js'

/** What each profile fills in when the cluster file leaves a field out. */
export const PROFILE_DEFAULTS = {
  production: {
    zoneSuffixes: ['a', 'b', 'c'],
    controlPlaneInstanceType: 'm7i.large',
    controlPlanePerZone: true,
    nodeGroups: [{name: 'general', instanceType: 'm7i.xlarge', minSize: 3, maxSize: 12, spot: false}],
    protected: true,
    ttl: null,
    // kops' own default (etcd-manager keeps daily backups 90 days); rendered explicitly so a
    // shorter value in the stored spec shows as drift and fails H08.
    etcdBackupRetentionDays: 90,
    logRetentionDays: 30,
    // On from the start: adding a mapping later is a kops addon change, while turning the
    // authenticator on later needs the control plane rolled (the API server's token webhook).
    authentication: 'aws',
  },
  sandbox: {
    zoneSuffixes: ['a'],
    controlPlaneInstanceType: 't3.medium',
    controlPlanePerZone: false,
    nodeGroups: [{name: 'general', instanceType: 't3.large', minSize: 1, maxSize: 3, spot: true}],
    protected: false,
    ttl: '72h',
    // Not shortened either: there is no hardening gain. A sandbox lives at most 14 days and `kops
    // delete cluster` removes its backups/ with the rest of its state, so a shorter retention would
    // only lose restore points of a sandbox that is still in use.
    etcdBackupRetentionDays: 90,
    logRetentionDays: 7,
    // One person's short-lived cluster: the admin kubeconfig `cluster create` exports is enough.
    authentication: 'none',
  },
} as const satisfies Record<Profile, unknown>

export const SANDBOX_MAX_TTL_HOURS = 14 * 24

/** The Kubernetes user name of an IAM role's sessions when the mapping names none. */
export const DEFAULT_IAM_USERNAME = 'iam:{{SessionName}}'

/**
 * `<bucket>-oidc`, shortened to stay within S3's 63 characters. Never equal to the state bucket:
 * the discovery bucket is public-read.
 */
export function defaultDiscoveryBucket(stateBucket: string): string {
  return `${stateBucket.slice(0, 58).replace(/[.-]+$/, '')}-oidc`
}

/**
 * Applies the profile defaults to a schema-valid cluster file. Pure: semantic checks that need the
 * whole file (ttl only for sandboxes, zones in the region, …) run before this in `validateClusterFile`.
 */
export function resolveClusterConfig(file: ClusterFile): ClusterConfig {
  const {spec} = file
  const d = PROFILE_DEFAULTS[spec.profile]
  const zones = spec.zones ?? d.zoneSuffixes.map((s) => `${spec.region}${s}`)
  const logging = spec.addons?.logging
  return {
    name: file.metadata.name,
    profile: spec.profile,
    region: 'eu-central-1',
    zones,
    kubernetesVersion: spec.kubernetesVersion,
    stateStore: {
      bucket: spec.stateStore.bucket,
      kmsKeyId: spec.stateStore.kmsKeyId ?? null,
      discoveryBucket: spec.stateStore.discoveryBucket ?? defaultDiscoveryBucket(spec.stateStore.bucket),
    },
    dns: {zone: spec.dns.zone, type: spec.dns.type},
    network: {cidr: spec.network?.cidr ?? '10.20.0.0/16', cni: spec.network?.cni ?? 'cilium'},
    access: {api: spec.access.api, ssh: spec.access.ssh},
    bastion: {enabled: spec.bastion?.enabled ?? false},
    controlPlane: {
      instanceType: spec.controlPlane?.instanceType ?? d.controlPlaneInstanceType,
      count: d.controlPlanePerZone ? zones.length : 1,
    },
    nodeGroups: (spec.nodeGroups ?? d.nodeGroups).map((g) => ({
      name: g.name,
      instanceType: g.instanceType,
      minSize: g.minSize,
      maxSize: g.maxSize,
      spot: g.spot ?? false,
      zones: ('zones' in g && g.zones) || zones,
    })),
    addons: {
      ingress: {enabled: spec.addons?.ingress?.enabled ?? true},
      clusterAutoscaler: {enabled: spec.addons?.clusterAutoscaler?.enabled ?? true},
      logging: {
        enabled: logging?.enabled ?? true,
        destination: logging?.destination ?? 'cloudwatch',
        retentionDays: logging?.retentionDays ?? d.logRetentionDays,
        endpoint: logging?.endpoint ?? null,
      },
    },
    namespaces: spec.namespaces ? {file: spec.namespaces.file} : null,
    authentication: resolveAuthentication(spec.authentication, d.authentication),
    owner: spec.owner,
    protected: spec.protected ?? d.protected,
    ttl: spec.profile === 'sandbox' ? (spec.ttl ?? d.ttl) : null,
    expiresAt: spec.expiresAt ?? null,
    upgrade: {
      maxSurge: spec.upgrade?.maxSurge ?? 1,
      drainTimeout: spec.upgrade?.drainTimeout ?? '15m',
      window: spec.upgrade?.window ?? null,
    },
    etcd: {backupRetentionDays: d.etcdBackupRetentionDays},
    waivers: spec.waivers ?? [],
  }
}

function resolveAuthentication(file: ClusterFile['spec']['authentication'], profileDefault: 'aws' | 'none'): AuthenticationConfig {
  if (file === undefined) return {aws: profileDefault === 'aws' ? {mappings: []} : null, oidc: null}
  return {
    aws: file?.aws
      ? {mappings: (file.aws.mappings ?? []).map((m) => ({roleARN: m.roleARN, username: m.username ?? DEFAULT_IAM_USERNAME, groups: [...m.groups]}))}
      : null,
    oidc: file?.oidc
      ? {
          issuerURL: file.oidc.issuerURL,
          clientID: file.oidc.clientID,
          usernameClaim: file.oidc.usernameClaim ?? 'sub',
          usernamePrefix: file.oidc.usernamePrefix,
          groupsClaim: file.oidc.groupsClaim ?? 'groups',
          groupsPrefix: file.oidc.groupsPrefix,
        }
      : null,
  }
}
