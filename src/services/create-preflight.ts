import {buildBucketStep, desiredDiscoveryBucket, desiredStateBucket} from '../core/aws/bucket.js'
import {describeValue, type ExistingCluster, findGuardedChanges, type GuardedChange, guardedChangeRefusal, refusedChanges} from '../core/cluster-changes.js'
import {diffSpecs} from '../core/drift.js'
import {auditContextFor, auditKopsSpec} from '../core/hardening/checks.js'
import type {Plan, PlanStep} from '../core/plan.js'
import type {RenderedSpec} from '../core/render/kops-spec.js'
import {sandboxExpiresAt} from '../core/render/expiry.js'
import type {BucketState, Clock, Dns, Kops, PackageFiles, StateStore, UserFiles} from '../ports.js'
import {findStoredSpec, type KopsSpec} from './audit-cluster.js'
import {type ClusterMetadata, readClusterMetadata} from './cluster-metadata.js'
import {type CreateClusterInput, createPlanOf, hardeningRefusal, type HardeningSummary, summariseHardening} from './create-cluster.js'
import {checkDnsPreconditions} from './dns-zone.js'
import {checkKopsSupports, type KopsPreflight} from './kops-preflight.js'
import {type ClusterAccess, loadNamespaceSet} from './namespaces.js'
import {renderClusterManifests} from './render-cluster.js'
import {observeStateBuckets} from './state-bucket.js'

export interface PreflightPorts {
  store: StateStore
  dns: Dns
  packageFiles: PackageFiles
  files: UserFiles
  clock: Clock
}

/** What exists of the cluster now, and what creating it from the file would be. */
export interface ClusterDecision {
  existing: ExistingCluster
  /** kopsmith's record, when it could be read. */
  record: ClusterMetadata | undefined
  /** Guarded changes the run makes; every one of them named by --allow-change (else it refused). */
  changes: GuardedChange[]
  /** A sandbox's expiry: the later of the file's and the record's, else now + ttl. */
  expiresAt: string | undefined
  rendered: RenderedSpec
  hardening: HardeningSummary
}

export interface CreatePreflight {
  kops: KopsPreflight
  buckets: {state: BucketState | undefined; discovery: BucketState | undefined}
  decision: ClusterDecision
}

/**
 * Everything `cluster create` can refuse, checked before anything is created (credentials come
 * first, in runLockedOperation): the kops binary, both buckets (the same bucket twice, or one
 * outside eu-central-1), the DNS zone (a conflicting zone, a delegation that would fail), the
 * hardening baseline with the kops version in use, and the existing cluster's profile,
 * protection, control plane, etcd members, region, network and zones. Reads only; `signal`
 * stops kops and stops it between reads.
 */
export async function preflightClusterCreate(ports: PreflightPorts, kops: Kops, input: CreateClusterInput, signal?: AbortSignal): Promise<CreatePreflight> {
  const {config} = input
  // A team group nobody can log in with is an invalid namespaces file (exit 3), found here too.
  const nsFile = namespacesFileOf(input)
  if (nsFile) await loadNamespaceSet(ports.files, nsFile, clusterAccessOf(input))
  const kopsCheck = await checkKopsSupports(kops, config.kubernetesVersion, signal)
  signal?.throwIfAborted()
  const buckets = await observeStateBuckets(ports.store, config)
  signal?.throwIfAborted()
  await checkDnsPreconditions(ports.dns, config, {delegate: input.delegate})
  signal?.throwIfAborted()
  const decision = await decideClusterCreate(ports, input, {kopsVersion: kopsCheck.kops.version, stateBucketExists: buckets.state !== undefined})
  return {kops: kopsCheck, buckets, decision}
}

/** The namespaces file a create applies, named relative to the cluster file; none when skipped. */
export function namespacesFileOf(input: CreateClusterInput): string | undefined {
  const path = input.config.namespaces?.file
  if (path === undefined || input.skip.has('namespaces')) return undefined
  if (path.startsWith('/')) return path
  const dir = input.file.includes('/') ? input.file.slice(0, input.file.lastIndexOf('/') + 1) : ''
  return `${dir}${path}`
}

/** Who can log in to the cluster being created: what its namespaces' team groups are checked against. */
export function clusterAccessOf(input: CreateClusterInput): ClusterAccess {
  return {cluster: input.config.name, authentication: input.config.authentication, clusterFile: input.file}
}

/**
 * The existing cluster (kopsmith's record and the stored kops spec) against the file: renders the
 * spec, refuses a hardening failure, and refuses a guarded change the user did not name (exit 9).
 * The create run calls it again once it holds the lock, because the cluster may have changed since.
 */
export async function decideClusterCreate(ports: PreflightPorts, input: CreateClusterInput, context: {kopsVersion: string; stateBucketExists: boolean}): Promise<ClusterDecision> {
  const {config} = input
  const {existing, record} = context.stateBucketExists ? await readExistingCluster(ports.store, config) : {existing: {metadata: {state: 'missing' as const}, spec: undefined}, record: undefined}
  // Once stamped, a sandbox's expiry only moves later (`sandbox extend` updates kopsmith's record
  // and perhaps not the file), so a re-run takes the later of the file and the record.
  const expiresAt = config.profile === 'sandbox' ? (laterOf(config.expiresAt, record?.expiresAt) ?? sandboxExpiresAt(config, ports.clock.now())) : undefined
  const rendered = await renderClusterManifests(ports.packageFiles, config, expiresAt ? {expiresAt} : {})
  const hardening = summariseHardening(auditKopsSpec(rendered, {...auditContextFor(config), kopsVersion: context.kopsVersion}))
  if (hardening.failed.length > 0) throw hardeningRefusal(config.name, hardening)
  const changes = findGuardedChanges(config, rendered, existing)
  const refused = refusedChanges(changes, input.allowChanges)
  if (refused.length > 0) throw guardedChangeRefusal(config.name, refused, `kopsmith cluster create -f ${input.file} --yes`)
  return {existing, record, changes, expiresAt, rendered, hardening}
}

async function readExistingCluster(store: StateStore, config: CreateClusterInput['config']): Promise<{existing: ExistingCluster; record: ClusterMetadata | undefined}> {
  const [stored, spec] = await Promise.all([readClusterMetadata(store, config.stateStore.bucket, config.name), findStoredSpec(store, config)])
  const metadata: ExistingCluster['metadata'] =
    stored.state === 'ok' ? {state: 'ok', value: stored.metadata} : stored.state === 'invalid' ? {state: 'invalid', problem: stored.problem} : {state: 'missing'}
  return {existing: {metadata, spec}, record: stored.state === 'ok' ? stored.metadata : undefined}
}

/**
 * The plan of a real run, from what the preflight found: both buckets' steps as S3 has them, the
 * changes --allow-change lets through, and the kops spec's field-level drift.
 */
export function planFromPreflight(input: CreateClusterInput, preflight: CreatePreflight): Plan {
  const {config} = input
  const {decision} = preflight
  const plan = createPlanOf(input, decision.hardening)
  plan.steps = plan.steps.map((s) => {
    if (s.id === 'state-bucket:ensure') return buildBucketStep(desiredStateBucket(config), preflight.buckets.state)
    if (s.id === 'discovery-bucket:ensure') return buildBucketStep(desiredDiscoveryBucket(config), preflight.buckets.discovery)
    if (s.id === 'preflight:existing-cluster') return existingClusterStep(s, decision)
    if (s.id === 'kops:create-or-replace') return kopsSpecStep(s, decision.rendered, decision.existing.spec as KopsSpec | undefined)
    return s
  })
  return plan
}

function existingClusterStep(step: PlanStep, decision: ClusterDecision): PlanStep {
  if (!decision.existing.spec && decision.existing.metadata.state === 'missing') return {...step, action: 'check', reason: 'no cluster of this name yet: nothing to compare'}
  if (decision.changes.length === 0) return {...step, action: 'check', reason: "the file keeps the cluster's profile, protection, control plane, etcd members, region, network and zones"}
  return {
    ...step,
    title: `Change what the cluster is, as --allow-change names: ${[...new Set(decision.changes.map((c) => c.change))].join(', ')}`,
    action: 'update',
    reason: 'allowed explicitly; recorded in the audit record',
    changes: decision.changes.map((c) => ({field: `${c.change} (${c.source}: ${c.field})`, from: describeValue(c.from), to: describeValue(c.to)})),
  }
}

function kopsSpecStep(step: PlanStep, rendered: RenderedSpec, stored: KopsSpec | undefined): PlanStep {
  if (!stored) return {...step, title: 'kops create -f', action: 'create', reason: 'no cluster of this name in the state store'}
  const drift = diffSpecs(rendered, stored)
  if (drift.length === 0) return {...step, title: 'kops spec', action: 'noop', reason: 'the stored spec already matches the cluster file'}
  return {
    ...step,
    title: 'kops replace -f',
    action: 'update',
    reason: `the stored spec differs in ${drift.length} field(s)`,
    changes: drift.map((d) => ({field: d.path, from: d.live, to: d.desired})),
  }
}

function laterOf(a: string | null | undefined, b: string | null | undefined): string | undefined {
  if (!a) return b ?? undefined
  if (!b) return a
  return Date.parse(a) >= Date.parse(b) ? a : b
}
