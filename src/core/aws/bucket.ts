import type {BucketEncryption, BucketPolicy, BucketState, PublicAccessBlock} from '../../ports.js'
import type {ClusterConfig} from '../config/types.js'
import {RefusedError} from '../errors.js'
import {LABELS, MANAGED_BY} from '../naming.js'
import type {PlanStep} from '../plan.js'

/** The only region kopsmith keeps data in. */
export const REQUIRED_REGION = 'eu-central-1'

export const TLS_ONLY_SID = 'KopsmithDenyInsecureTransport'
export const DISCOVERY_READ_SID = 'KopsmithPublicReadOidcDiscovery'
export const PURPOSE_TAG = 'kopsmith.dev/purpose'

export type BucketKind = 'state-bucket' | 'discovery-bucket'

type Statement = BucketPolicy['Statement'][number]

/** What a bucket must look like once kopsmith is done with it. */
export interface DesiredBucket {
  kind: BucketKind
  name: string
  region: string
  /** SSE-KMS is required when a key is configured; `acceptKms` lets an existing KMS bucket stand when only SSE-S3 is asked for. */
  encryption: BucketEncryption
  acceptKms: boolean
  publicAccessBlock: PublicAccessBlock
  /** Our statements, identified by Sid; other statements in the policy are left alone. */
  statements: Statement[]
  /** Our tags; other tags on the bucket are kept. */
  tags: Record<string, string>
}

export interface FieldChange {
  field: string
  from?: unknown
  to?: unknown
}

const ALL_BLOCKED: PublicAccessBlock = {blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true}

/**
 * The discovery bucket may carry a public bucket policy (for the discovery documents only) but never
 * public ACLs. kops checks the bucket's policy status and, finding it public, writes the documents
 * without an ACL, so blocking ACLs does not get in its way.
 */
const POLICY_MAY_BE_PUBLIC: PublicAccessBlock = {blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: false}

export function bucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`
}

/** Denies every request that does not use TLS (aws:SecureTransport=false). */
export function tlsOnlyStatement(bucket: string): Statement {
  return {
    Sid: TLS_ONLY_SID,
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [bucketArn(bucket), `${bucketArn(bucket)}/*`],
    Condition: {Bool: {'aws:SecureTransport': 'false'}},
  }
}

/** Object keys of a cluster's OIDC discovery documents, as kops writes them under `s3://BUCKET/CLUSTER`. */
export function discoveryDocumentKeys(cluster: string): string[] {
  return [`${cluster}/.well-known/openid-configuration`, `${cluster}/openid/v1/jwks`]
}

/**
 * Public `s3:GetObject` on the discovery documents of every cluster in the bucket, and nothing
 * else: STS must fetch them anonymously for IRSA. The resources are patterns (`BUCKET/*` + the
 * documents' paths; in IAM `*` also matches `/`), so the statement is the same for every cluster.
 * That is what makes the shared bucket safe to update from parallel runs: S3 has no conditional
 * write for bucket policies (PutBucketPolicy takes no ETag), so a per-cluster list would be a
 * read-modify-write where the last writer drops the others' entries. With one constant statement
 * every run writes the same policy, and a run that reads another's write sees no drift.
 */
export function discoveryReadStatement(bucket: string): Statement {
  const resources = discoveryDocumentKeys('*').map((k) => `${bucketArn(bucket)}/${k}`)
  return {Sid: DISCOVERY_READ_SID, Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: resources}
}

export function bucketTags(kind: BucketKind): Record<string, string> {
  return {[LABELS.managedBy]: MANAGED_BY, [PURPOSE_TAG]: kind === 'state-bucket' ? 'kops-state' : 'oidc-discovery'}
}

export function desiredStateBucket(config: ClusterConfig): DesiredBucket {
  const name = config.stateStore.bucket
  return {
    kind: 'state-bucket',
    name,
    region: REQUIRED_REGION,
    encryption: config.stateStore.kmsKeyId ? {type: 'SSE-KMS', kmsKeyId: config.stateStore.kmsKeyId} : {type: 'SSE-S3'},
    // Never weaken: a bucket someone already encrypts with KMS keeps its key when none is configured.
    acceptKms: true,
    publicAccessBlock: ALL_BLOCKED,
    statements: [tlsOnlyStatement(name)],
    tags: bucketTags('state-bucket'),
  }
}

/**
 * The discovery bucket: hardened like the state bucket except for the public read of the
 * discovery documents, and always SSE-S3 — anonymous readers cannot use a KMS key, so SSE-KMS
 * would break IRSA. A statement listing single clusters (as earlier kopsmith versions wrote) is
 * replaced by the pattern, which still covers them.
 */
export function desiredDiscoveryBucket(config: ClusterConfig): DesiredBucket {
  const name = config.stateStore.discoveryBucket
  return {
    kind: 'discovery-bucket',
    name,
    region: REQUIRED_REGION,
    encryption: {type: 'SSE-S3'},
    acceptKms: false,
    publicAccessBlock: POLICY_MAY_BE_PUBLIC,
    statements: [tlsOnlyStatement(name), discoveryReadStatement(name)],
    tags: bucketTags('discovery-bucket'),
  }
}

/** Refuses (exit 9) a bucket that exists outside Germany: kopsmith never moves or uses data there. */
export function assertBucketRegion(desired: DesiredBucket, observed: BucketState): void {
  if (observed.region !== desired.region) {
    throw new RefusedError(
      `S3 bucket ${observed.name} exists in ${observed.region}, not ${desired.region}: kopsmith keeps cluster data in Germany and will not use it`,
      {
        suggestions: [
          `Choose another bucket name in ${desired.kind === 'state-bucket' ? 'spec.stateStore.bucket' : 'spec.stateStore.discoveryBucket'} (kopsmith creates it in ${desired.region})`,
          `Or move the data to a bucket in ${desired.region} and point the cluster file at it`,
        ],
        details: {bucket: observed.name, region: observed.region, requiredRegion: desired.region},
      },
    )
  }
}

/**
 * Field-level differences between what a bucket should be and what S3 reports. Empty when the
 * bucket is compliant. Region is not a drift (it cannot be fixed): see `assertBucketRegion`.
 */
export function bucketDrift(desired: DesiredBucket, observed: BucketState): FieldChange[] {
  const changes: FieldChange[] = []
  if (observed.versioning !== 'Enabled') changes.push({field: 'versioning', from: observed.versioning, to: 'Enabled'})
  if (!isEncryptionCompliant(desired, observed.encryption)) {
    changes.push({field: 'encryption', from: describeEncryption(observed.encryption), to: describeEncryption(desired.encryption)})
  }
  for (const key of Object.keys(desired.publicAccessBlock) as Array<keyof PublicAccessBlock>) {
    const want = desired.publicAccessBlock[key]
    const have = observed.publicAccessBlock?.[key] ?? false
    if (have !== want) changes.push({field: `publicAccessBlock.${key}`, from: observed.publicAccessBlock ? have : 'not set', to: want})
  }
  for (const statement of desired.statements) {
    const current = observed.policy?.Statement.find((s) => s.Sid === statement.Sid)
    if (!current) changes.push({field: `policy.${statement.Sid}`, from: 'missing', to: summarizeStatement(statement)})
    else if (!isSameStatement(current, statement)) changes.push({field: `policy.${statement.Sid}`, from: summarizeStatement(current), to: summarizeStatement(statement)})
  }
  for (const [key, value] of Object.entries(desired.tags)) {
    if (observed.tags[key] !== value) changes.push({field: `tags.${key}`, ...(key in observed.tags ? {from: observed.tags[key]} : {from: 'missing'}), to: value})
  }
  return changes
}

/** Which settings a repair has to write, derived from the drift. */
export function driftedSettings(changes: FieldChange[]): Set<'versioning' | 'encryption' | 'publicAccessBlock' | 'policy' | 'tags'> {
  const out = new Set<'versioning' | 'encryption' | 'publicAccessBlock' | 'policy' | 'tags'>()
  for (const c of changes) {
    const head = c.field.split('.')[0]
    if (head === 'versioning' || head === 'encryption' || head === 'publicAccessBlock' || head === 'policy' || head === 'tags') out.add(head)
  }
  return out
}

/**
 * Our statements merged into an existing policy: statements with our Sids are replaced in place,
 * missing ones appended, every other statement kept exactly as it was.
 */
export function mergeBucketPolicy(existing: BucketPolicy | null, ours: Statement[]): BucketPolicy {
  const bySid = new Map(ours.map((s) => [s.Sid, s]))
  const kept = (existing?.Statement ?? []).map((s) => (s.Sid !== undefined && bySid.has(s.Sid) ? bySid.get(s.Sid)! : s))
  const present = new Set(kept.map((s) => s.Sid))
  return {Version: existing?.Version ?? '2012-10-17', Statement: [...kept, ...ours.filter((s) => !present.has(s.Sid))]}
}

/** Existing tags with ours laid over them (S3 replaces the whole tag set on write). */
export function mergeTags(existing: Record<string, string>, ours: Record<string, string>): Record<string, string> {
  return {...existing, ...ours}
}

/** One plan step for a bucket: create when absent, update with field changes on drift, noop otherwise. */
export function buildBucketStep(desired: DesiredBucket, observed: BucketState | undefined): PlanStep {
  const label = desired.kind === 'state-bucket' ? 'state bucket' : 'OIDC discovery bucket'
  const title = `${label} s3://${desired.name}`
  if (!observed) {
    return {
      id: `${desired.kind}:create`,
      title: `Create ${title} in ${desired.region}`,
      action: 'create',
      reason: `absent; create with versioning, ${describeEncryption(desired.encryption)}, ${describeBlock(desired.publicAccessBlock)}, TLS-only policy${desired.kind === 'discovery-bucket' ? ', public read of the discovery documents only' : ''}, tags`,
    }
  }
  assertBucketRegion(desired, observed)
  const changes = bucketDrift(desired, observed)
  if (changes.length === 0) return {id: `${desired.kind}:noop`, title: `Keep ${title}`, action: 'noop', reason: 'exists in eu-central-1 with every hardening setting in place'}
  return {
    id: `${desired.kind}:update`,
    title: `Repair ${title}`,
    action: 'update',
    reason: `drift in ${changes.map((c) => c.field).join(', ')}`,
    changes,
  }
}

export function describeEncryption(e: BucketEncryption | null): string {
  if (!e) return 'none'
  return e.type === 'SSE-KMS' ? `SSE-KMS (${e.kmsKeyId})` : 'SSE-S3'
}

function describeBlock(block: PublicAccessBlock): string {
  return Object.values(block).every(Boolean) ? 'all four public-access blocks' : 'public ACLs blocked, public policy allowed'
}

function isEncryptionCompliant(desired: DesiredBucket, observed: BucketEncryption | null): boolean {
  if (!observed) return false
  if (desired.encryption.type === 'SSE-KMS') return observed.type === 'SSE-KMS' && sameKmsKey(observed.kmsKeyId, desired.encryption.kmsKeyId)
  return observed.type === 'SSE-S3' || (desired.acceptKms && observed.type === 'SSE-KMS')
}

/** `key-id`, `arn:…:key/key-id` name the same key; S3 reports whichever form was written. */
function sameKmsKey(a: string, b: string): boolean {
  const tail = (k: string) => (k.startsWith('arn:') ? k.split(':').slice(5).join(':') : k).replace(/^key\//, '')
  return a === b || tail(a) === tail(b)
}

/** Statements compare by meaning: single values and one-element lists are equal, list order does not matter. */
export function isSameStatement(a: Statement, b: Statement): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b))
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical)
    const sorted = items.map((i) => JSON.stringify(i)).sort()
    return sorted.length === 1 ? JSON.parse(sorted[0]!) : sorted.map((s) => JSON.parse(s))
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    )
  }
  return value
}

function summarizeStatement(s: Statement): string {
  const resources = toArray(s.Resource).length
  return `${String(s.Effect)} ${toArray(s.Action).join(',')} on ${resources} resource${resources === 1 ? '' : 's'}`
}

function toArray(value: unknown): unknown[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}
