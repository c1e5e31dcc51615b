import type {HardeningId, Profile} from './schema.js'

/**
 * A cluster file after validation and profile defaults: every field present, nothing optional that
 * rendering or planning would have to guess. Built by `resolveClusterConfig` (defaults.ts).
 */
export interface ClusterConfig {
  name: string
  profile: Profile
  region: 'eu-central-1'
  zones: string[]
  kubernetesVersion: string
  stateStore: {bucket: string; kmsKeyId: string | null; discoveryBucket: string}
  dns: {zone: string; type: 'public' | 'private'}
  network: {cidr: string; cni: 'cilium' | 'calico'}
  access: {api: string[]; ssh: string[]}
  bastion: {enabled: boolean}
  controlPlane: {instanceType: string; count: number}
  nodeGroups: NodeGroupConfig[]
  addons: AddonsConfig
  namespaces: {file: string} | null
  authentication: AuthenticationConfig
  owner: string
  protected: boolean
  /** Sandbox only: the lifetime as written (e.g. 72h); null for production. */
  ttl: string | null
  /** Sandbox only: absolute expiry (RFC 3339) once known; null until `cluster create` stamps it. */
  expiresAt: string | null
  upgrade: {maxSurge: number; drainTimeout: string; window: string | null}
  etcd: {backupRetentionDays: number}
  waivers: Array<{id: HardeningId; reason: string}>
}

export interface NodeGroupConfig {
  name: string
  instanceType: string
  minSize: number
  maxSize: number
  spot: boolean
  zones: string[]
}

export interface AddonsConfig {
  ingress: {enabled: boolean}
  clusterAutoscaler: {enabled: boolean}
  logging: {enabled: boolean; destination: 'cloudwatch' | 'opensearch'; retentionDays: number; endpoint: string | null}
}

/** Who can log in besides kops' admin certificates; both null means no one else. */
export interface AuthenticationConfig {
  /** AWS IAM (aws-iam-authenticator, CRD backend): role sessions mapped to groups. */
  aws: {mappings: IamRoleMapping[]} | null
  /** OpenID Connect ID tokens, prefixed so no token can name a `system:` user or group. */
  oidc: OidcConfig | null
}

export interface IamRoleMapping {
  roleARN: string
  /** A template: `{{SessionName}}`, `{{AccountID}}` are filled in by aws-iam-authenticator. */
  username: string
  groups: string[]
}

export interface OidcConfig {
  issuerURL: string
  clientID: string
  usernameClaim: string
  usernamePrefix: string
  groupsClaim: string
  groupsPrefix: string
}
