import {
  assertBucketRegion,
  bucketDrift,
  buildBucketStep,
  type BucketKind,
  type DesiredBucket,
  desiredDiscoveryBucket,
  desiredStateBucket,
  driftedSettings,
  type FieldChange,
  mergeBucketPolicy,
  mergeTags,
} from '../core/aws/bucket.js'
import type {ClusterConfig} from '../core/config/types.js'
import {ApiError, RefusedError} from '../core/errors.js'
import type {PlanStep} from '../core/plan.js'
import type {BucketState, StateStore} from '../ports.js'

export interface BucketOutcome {
  kind: BucketKind
  name: string
  action: 'created' | 'repaired' | 'unchanged'
  /** What was wrong before a repair (empty when created or unchanged). */
  changes: FieldChange[]
  /** The settings as read back from S3 after we were done. */
  state: BucketState
}

export interface BucketReport {
  buckets: BucketOutcome[]
}

/**
 * Find → compare for the state bucket and the OIDC discovery bucket: one step each
 * (`state-bucket:create|update|noop`, `discovery-bucket:…`), drift as field-level changes.
 * A bucket outside eu-central-1 is refused (exit 9) already while planning.
 */
export async function planStateBuckets(store: StateStore, config: ClusterConfig): Promise<PlanStep[]> {
  assertDistinctBuckets(config)
  const [state, discovery] = await Promise.all([store.describeBucket(config.stateStore.bucket), store.describeBucket(config.stateStore.discoveryBucket)])
  return [buildBucketStep(desiredStateBucket(config), state), buildBucketStep(desiredDiscoveryBucket(config), discovery)]
}

/**
 * Both buckets as they are, read before anything is created: refuses (exit 9) the same bucket for
 * both, or a bucket that exists outside eu-central-1 — whichever of the two it is.
 */
export async function observeStateBuckets(store: StateStore, config: ClusterConfig): Promise<{state: BucketState | undefined; discovery: BucketState | undefined}> {
  assertDistinctBuckets(config)
  const [state, discovery] = await Promise.all([store.describeBucket(config.stateStore.bucket), store.describeBucket(config.stateStore.discoveryBucket)])
  if (state) assertBucketRegion(desiredStateBucket(config), state)
  if (discovery) assertBucketRegion(desiredDiscoveryBucket(config), discovery)
  return {state, discovery}
}

/**
 * Find → compare → act for both buckets, then read every setting back and verify it: S3 answering
 * 200 is not proof (an SCP or a concurrent writer can undo a setting), so a mismatch is an error.
 * Both buckets are checked before either is created or changed. `signal` stops it between buckets.
 */
export async function ensureStateBuckets(store: StateStore, config: ClusterConfig, options: {signal?: AbortSignal} = {}): Promise<BucketReport> {
  await observeStateBuckets(store, config)
  options.signal?.throwIfAborted()
  const state = await ensureBucket(store, desiredStateBucket(config), options.signal)
  const discovery = await ensureBucket(store, desiredDiscoveryBucket(config), options.signal)
  return {buckets: [state, discovery]}
}

/** Find → compare → act for one bucket, settings read back and verified. */
export async function ensureBucket(store: StateStore, desired: DesiredBucket, signal?: AbortSignal): Promise<BucketOutcome> {
  const observed = await store.describeBucket(desired.name)
  signal?.throwIfAborted()
  let action: BucketOutcome['action']
  let changes: FieldChange[] = []
  if (!observed) {
    // A bucket just created is hardened before an interrupt is honoured: it is never left bare.
    await store.createBucket(desired.name, desired.region)
    await applySettings(store, desired, undefined, new Set(['publicAccessBlock', 'versioning', 'encryption', 'tags', 'policy']))
    action = 'created'
  } else {
    assertBucketRegion(desired, observed)
    changes = bucketDrift(desired, observed)
    if (changes.length > 0) await applySettings(store, desired, observed, driftedSettings(changes))
    action = changes.length > 0 ? 'repaired' : 'unchanged'
  }
  const readBack = await store.describeBucket(desired.name)
  if (!readBack) throw new ApiError(`S3 bucket ${desired.name} is missing right after kopsmith ${action === 'created' ? 'created' : 'checked'} it`)
  const remaining = bucketDrift(desired, readBack)
  if (remaining.length > 0) {
    throw new ApiError(`S3 bucket ${desired.name} did not keep its hardening settings: ${remaining.map((c) => `${c.field} is ${String(c.from)}, expected ${String(c.to)}`).join('; ')}`, {
      suggestions: ['Check for an SCP, a permissions boundary or another tool that rewrites bucket settings', 'Then run the command again: it repairs drift'],
      details: {bucket: desired.name, drift: remaining},
    })
  }
  return {kind: desired.kind, name: desired.name, action, changes, state: readBack}
}

/**
 * Public-access blocks go first so the bucket is never open in between; the policy goes last,
 * after the blocks allow it (discovery bucket), and tags before it so the bucket is findable early.
 */
async function applySettings(store: StateStore, desired: DesiredBucket, observed: BucketState | undefined, which: Set<string>): Promise<void> {
  if (which.has('publicAccessBlock')) await store.putPublicAccessBlock(desired.name, desired.publicAccessBlock)
  if (which.has('versioning')) await store.putVersioning(desired.name)
  if (which.has('encryption')) await store.putEncryption(desired.name, desired.encryption)
  if (which.has('tags')) await store.putTags(desired.name, mergeTags(observed?.tags ?? {}, desired.tags))
  if (which.has('policy')) await store.putPolicy(desired.name, mergeBucketPolicy(observed?.policy ?? null, desired.statements))
}

function assertDistinctBuckets(config: ClusterConfig): void {
  if (config.stateStore.bucket === config.stateStore.discoveryBucket) {
    throw new RefusedError(`spec.stateStore.discoveryBucket must differ from spec.stateStore.bucket (${config.stateStore.bucket}): the discovery bucket is publicly readable`, {
      suggestions: ['Remove spec.stateStore.discoveryBucket to use the default <bucket>-oidc, or name a separate bucket'],
    })
  }
}
