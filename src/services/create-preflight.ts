import {buildBucketStep, desiredDiscoveryBucket, desiredStateBucket} from '../core/aws/bucket.js'
import {describeValue, type ExistingCluster, findGuardedChanges, type GuardedChange, guardedChangeRefusal, refusedChanges, removedInstanceGroups} from '../core/cluster-changes.js'
import {RefusedError} from '../core/errors.js'
import {diffSpecs} from '../core/drift.js'
import {auditContextFor, auditKopsSpec} from '../core/hardening/checks.js'
import {summariseUpdatePreview} from '../core/kops/kops-output.js'
import type {Plan, PlanStep} from '../core/plan.js'
import type {RenderedSpec} from '../core/render/kops-spec.js'
import {sandboxExpiresAt} from '../core/render/expiry.js'
import type {BucketState, Clock, Dns, Kops, PackageFiles, StateStore, UserFiles} from '../ports.js'
import {findStoredSpec, type KopsSpec} from './audit-cluster.js'
import {type ClusterMetadata, metadataFromConfig, readClusterMetadata} from './cluster-metadata.js'
import {type CreateClusterInput, createPlanOf, hardeningRefusal, type HardeningSummary, summariseHardening} from './create-cluster.js'
import {checkDnsPreconditions, type DnsFound} from './dns-zone.js'
import {checkKopsSupports, type KopsPreflight} from './kops-preflight.js'
import {type ClusterAccess, loadNamespaceSet} from './namespaces.js'
import {renderClusterManifests} from './render-cluster.js'
import type {StepAct} from './step-run.js'
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
  /** The hosted zone and its delegation, as Route53 has them now. */
  dns: DnsFound
  /** Whether kops holds the cluster's encryptionconfig secret (an existing cluster only; never read). */
  encryptionSecret?: boolean
  /** kops' own preview (`kops update cluster` without --yes) of the spec stored now; a new cluster has none. */
  updatePreview?: {create: string[]; modify: string[]; prunable: string[]; changesPending: boolean}
}

/**
 * Everything `cluster create` can refuse, checked before anything is created (credentials come
 * first, in runLockedOperation): the kops binary, both buckets (the same bucket twice, or one
 * outside eu-central-1), the DNS zone (a conflicting zone, a delegation that would fail), the
 * hardening baseline with the kops version in use, and the existing cluster's profile,
 * protection, control plane, etcd members, region, network and zones. Reads only; `signal`
 * stops kops and stops it between reads. The same finds are the real run's first steps
 * (`preflightActs`), so the plan shown before confirming comes from exactly what the run checks.
 */
export async function preflightClusterCreate(ports: PreflightPorts, kops: Kops, input: CreateClusterInput, signal?: AbortSignal): Promise<CreatePreflight> {
  await checkNamespaceTeams(ports.files, input)
  const found: Partial<CreatePreflight> = {}
  const acts = preflightActs(ports, kops, input, found, signal)
  for (const id of PREFLIGHT_STEPS) {
    signal?.throwIfAborted()
    await acts[id]!({output: () => {}})
  }
  return found as CreatePreflight
}

/** The plan's preflight steps, in order; each is a read, none creates anything. */
export const PREFLIGHT_STEPS = ['preflight:kops-version', 'preflight:buckets', 'preflight:dns', 'preflight:existing-cluster'] as const

/**
 * The preflight's steps as acts of the create plan, filling `found` as they go. The existing
 * cluster is judged last, with the kops version and the state bucket the steps before found.
 */
export function preflightActs(ports: PreflightPorts, kops: Kops, input: CreateClusterInput, found: Partial<CreatePreflight>, signal?: AbortSignal): Record<(typeof PREFLIGHT_STEPS)[number], StepAct> {
  const {config} = input
  return {
    'preflight:kops-version': async () => {
      found.kops = await checkKopsSupports(kops, config.kubernetesVersion, signal)
      return `kops ${found.kops.kops.version}`
    },
    'preflight:buckets': async () => {
      found.buckets = await observeStateBuckets(ports.store, config)
      const say = (name: string, b: BucketState | undefined) => `s3://${name} ${b ? `exists (${b.region})` : 'is new'}`
      return `${say(config.stateStore.bucket, found.buckets.state)}, ${say(config.stateStore.discoveryBucket, found.buckets.discovery)}`
    },
    'preflight:dns': async () => {
      found.dns = await checkDnsPreconditions(ports.dns, config, {delegate: input.delegate})
      return describeDnsFound(found.dns)
    },
    'preflight:existing-cluster': async () => {
      found.decision = await decideClusterCreate(ports, input, {kopsVersion: found.kops!.kops.version, stateBucketExists: found.buckets!.state !== undefined})
      const {existing, changes} = found.decision
      if (!existing.spec && existing.metadata.state === 'missing') return 'no cluster of this name yet'
      if (existing.spec) {
        // kops' own word on what `update` would change in the cloud, for the plan (reads only).
        const preview = await kops.updateCluster(config.name, {yes: false, ...(signal ? {signal} : {})})
        found.updatePreview = {...summariseUpdatePreview(preview.output), changesPending: preview.changesPending}
        found.encryptionSecret = await kops.hasEncryptionConfig(config.name, signal ? {signal} : {})
      }
      return changes.length === 0 ? 'no guarded change' : `allowed by --allow-change: ${[...new Set(changes.map((c) => c.change))].join(', ')}`
    },
  }
}

/** A team group nobody can log in with is an invalid namespaces file (exit 3), found before anything runs. */
export async function checkNamespaceTeams(files: UserFiles, input: CreateClusterInput): Promise<void> {
  const nsFile = namespacesFileOf(input)
  if (nsFile) await loadNamespaceSet(files, nsFile, clusterAccessOf(input))
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
  const removed = removedInstanceGroups(rendered, existing)
  if (removed.length > 0) {
    throw new RefusedError(
      `${config.name}: the cluster file drops instance group(s) the state store still holds: ${removed.join(', ')}. kops replace keeps them and kops update then refuses a control-plane group without an etcd member, which would leave the cluster half-changed; nothing was changed`,
      {
        suggestions: [
          ...removed.map((ig) => `Remove it with kops first (it drains the group): kops delete instancegroup ${ig} --name ${config.name} --state s3://${config.stateStore.bucket} --yes`),
          `Then run the same command again: kopsmith cluster create -f ${input.file} --yes${input.allowChanges.size ? ` --allow-change ${[...input.allowChanges].join(',')}` : ''}`,
          'Or keep the group(s) in the cluster file',
        ],
        details: {removedInstanceGroups: removed},
      },
    )
  }
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
export function planFromPreflight(input: CreateClusterInput, preflight: CreatePreflight, now: Date): Plan {
  const {config} = input
  const {decision} = preflight
  const plan = createPlanOf(input, decision.hardening)
  plan.steps = plan.steps.map((s) => {
    // Same id as the offline step (the run executes by id); the action says what S3 needs.
    if (s.id === 'state-bucket:ensure') return {...buildBucketStep(desiredStateBucket(config), preflight.buckets.state), id: s.id}
    if (s.id === 'discovery-bucket:ensure') return {...buildBucketStep(desiredDiscoveryBucket(config), preflight.buckets.discovery), id: s.id}
    if (s.id === 'preflight:existing-cluster') return existingClusterStep(s, decision)
    if (s.id === 'kops:create-or-replace') return kopsSpecStep(s, decision.rendered, decision.existing.spec as KopsSpec | undefined)
    if (s.id === 'kops:update-cluster' && preflight.updatePreview) return updateStep(s, preflight.updatePreview)
    if (s.id === 'dns:ensure-public-zone' || s.id === 'dns:check-private-zone') return dnsStep(s, preflight.dns, config.dns.zone)
    if (s.id === 'kops:encryption-secret' && preflight.encryptionSecret) return {...s, action: 'noop', reason: 'kops holds it already (kops get secrets); a re-run never rotates it'}
    if (s.id === 'metadata:write' && recordMatches(input, decision, now)) return {...s, action: 'noop', reason: "kopsmith's record already says this"}
    return s
  })
  return plan
}

function describeDnsFound(found: DnsFound): string {
  const zone = found.zone ? `zone ${found.zone.id}` : 'no zone yet'
  switch (found.delegation) {
    case 'in-sync':
      return `${zone}; ${found.parent!.name} delegates to it`
    case 'missing':
    case 'other':
      return `${zone}; ${found.parent!.name} ${found.delegation === 'missing' ? 'has no NS record for it' : 'delegates elsewhere'}: --delegate upserts it`
    case 'unknown':
      return `${zone}; the parent zone is not in this account`
    case 'not-applicable':
      return zone
  }
}

/** The DNS step as Route53 has it now: `=` for a zone that exists and is delegated already. */
function dnsStep(step: PlanStep, found: DnsFound, zoneName: string): PlanStep {
  if (step.id === 'dns:check-private-zone') {
    return found.zone
      ? {...step, title: `${step.title} (${found.zone.id})`, reason: 'exists; kops associates it with the cluster VPC during update, verified afterwards'}
      : {...step, reason: 'absent; kops creates it with the cluster VPC during update (a private zone needs a VPC), verified afterwards'}
  }
  if (!found.zone) return {...step, title: `Create public hosted zone ${zoneName}`, action: 'create', reason: `absent; created with an idempotent caller reference${found.delegation === 'unknown' ? '; the parent zone is not in this account: delegate it there' : ', then delegated with --delegate'}`}
  const zone = {...step, title: `Public hosted zone ${zoneName} (${found.zone.id})`}
  if (found.delegation === 'in-sync') return {...zone, action: 'noop', reason: `exists; ${found.parent!.name} delegates to it`}
  if (found.delegation === 'unknown') return {...zone, action: 'noop', reason: 'exists; the parent zone is not in this account, so its delegation cannot be checked here'}
  return {...zone, action: 'update', reason: `exists; the NS record in ${found.parent!.name} ${found.delegation === 'missing' ? 'is missing' : 'points elsewhere'}: upserted with --delegate, then wait for INSYNC`}
}

/** The record a create writes: the file's owner, profile, protection and expiry; the first creation time stays. */
export function freshClusterRecord(input: CreateClusterInput, decision: ClusterDecision, now: Date): ClusterMetadata {
  return {...metadataFromConfig({...input.config, expiresAt: decision.expiresAt ?? null}, now), ...(decision.record ? {createdAt: decision.record.createdAt} : {})}
}

/** kopsmith's record already holds what the run would write. */
export function recordMatches(input: CreateClusterInput, decision: ClusterDecision, now: Date): boolean {
  return decision.record !== undefined && JSON.stringify(decision.record) === JSON.stringify(freshClusterRecord(input, decision, now))
}

function updateStep(step: PlanStep, preview: NonNullable<CreatePreflight['updatePreview']>): PlanStep {
  const listed = [...preview.create.map((r) => `create ${r}`), ...preview.modify.map((r) => `modify ${r}`)]
  if (!preview.changesPending) return {...step, action: 'noop', reason: 'kops update cluster (dry run, the spec stored now): no changes need to be applied'}
  return {
    ...step,
    action: 'update',
    reason: `kops update cluster (dry run, the spec stored now): ${preview.create.length} resource(s) to create, ${preview.modify.length} to modify${preview.prunable.length ? `, ${preview.prunable.length} only --prune would delete (kopsmith never prunes here)` : ''}; a replace above comes first`,
    ...(listed.length ? {changes: listed.slice(0, 20).map((field) => ({field}))} : {}),
  }
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
