import {UsageError, PreconditionError, RefusedError} from '../core/errors.js'
import {LABELS} from '../core/naming.js'
import type {Plan} from '../core/plan.js'
import {setClusterFileExpiry} from '../core/sandbox/cluster-file.js'
import {describeRelative, extendExpiry, type ExtendedExpiry} from '../core/sandbox/expiry.js'
import {clusterMetadataKey, type ClusterMetadata} from '../core/sandbox/metadata.js'
import {checkExtendTtl, describeDuration} from '../core/sandbox/ttl.js'
import type {Kops, UserFiles} from '../ports.js'
import {readClusterMetadata, writeClusterMetadata} from './cluster-metadata.js'
import {loadClusterFile} from './load-cluster-file.js'
import {runLockedOperation, type OperationContext} from './operation.js'

export interface SandboxExtendInput {
  name: string
  bucket: string
  /** Added to the later of now and the current expiry. */
  ttl: string
  /** `-f FILE`: the cluster file to update as well. */
  file?: string
  /** argv, for the audit record. */
  command: string[]
}

export interface SandboxExtendPorts {
  /** Bound to `s3://<bucket>` (Kops.withStateStore). */
  kops: Kops
  files: UserFiles
  log: (line: string) => void
}

export interface SandboxExtendResult extends ExtendedExpiry {
  cluster: string
  /** What was updated: metadata.json, the stored kops spec's label, and the cluster file when given. */
  updated: {metadata: string; kopsSpec: boolean; file: string | null}
  note: string
}

const TAG_NOTE = 'AWS tags follow the kops spec at the next `kops update cluster` (e.g. the next `kopsmith cluster create -f FILE --yes`); the reaper reads metadata.json and the stored spec, so the new expiry counts now'

/**
 * `kopsmith sandbox extend NAME --ttl 24h`: the new expiry is max(now, current expiry) + ttl, at
 * most 14 days from now (capped and said so). Only a sandbox — by both metadata.json and the
 * stored spec's profile label, the rule the reaper uses — is extended; anything else is refused
 * (exit 9). Under the cluster lock, audited as operation `extend`: the stored kops spec's
 * `kopsmith.dev/expires-at` label first, then metadata.json (conditional on the ETag read under
 * the lock), then the cluster file. metadata.json is the record the expiry is computed from, so
 * a run that fails half-way and is repeated extends once, not twice.
 */
export async function extendSandbox(ctx: OperationContext, ports: SandboxExtendPorts, input: SandboxExtendInput): Promise<SandboxExtendResult> {
  const ttl = checkExtendTtl(input.ttl)
  if (!ttl.ok) throw new UsageError(`--ttl ${input.ttl}: ${ttl.problem}`)
  const fileText = input.file === undefined ? undefined : await checkClusterFile(ports.files, input.file, input.name)
  // Refuse before taking the lock, so a non-sandbox gets exit 9 even while another operation runs on it.
  const before = await loadTarget(ctx, ports.kops, input)
  const preview = extendExpiry({now: ctx.clock.now(), current: before.current, ttlMs: ttl.ms})

  return runLockedOperation(ctx, {bucket: input.bucket, cluster: input.name, operation: 'extend', command: input.command, plan: extendPlan(input, preview)}, async (signal) => {
    const target = await loadTarget(ctx, ports.kops, input)
    const now = ctx.clock.now()
    const next = extendExpiry({now, current: target.current, ttlMs: ttl.ms})

    const spec = target.cluster.spec as Record<string, unknown>
    spec.cloudLabels = {...(spec.cloudLabels as Record<string, string> | undefined), [LABELS.expiresAt]: next.expiresAt}
    await ports.kops.replaceFromContent(`${JSON.stringify(target.cluster, null, 2)}\n`, {signal})

    const metadata: ClusterMetadata = {...target.metadata, expiresAt: next.expiresAt}
    await writeClusterMetadata(ctx.store, input.bucket, metadata, {ifMatch: target.etag})

    if (input.file !== undefined && fileText !== undefined) await ports.files.write(input.file, setClusterFileExpiry(fileText, next.expiresAt))

    ports.log(`${input.name} now expires at ${next.expiresAt} (${describeRelative(next.expiresAt, now)}); it was ${next.previous ?? 'not set'}.`)
    if (next.capped) {
      ports.log(`Capped: ${describeDuration(ttl.ms)} more would end at ${next.requested}, but a sandbox may live at most 14 days from now (${next.latestAllowed}).`)
    }
    ports.log(`Note: ${TAG_NOTE}.`)
    if (input.file === undefined) ports.log(`The cluster file, if you keep one, still has the old expiresAt; pass -f FILE to keep it in step.`)
    return {
      cluster: input.name,
      ...next,
      updated: {metadata: `s3://${input.bucket}/${clusterMetadataKey(input.name)}`, kopsSpec: true, file: input.file ?? null},
      note: TAG_NOTE,
    }
  })
}

interface Target {
  cluster: Record<string, unknown>
  metadata: ClusterMetadata
  etag: string
  /** The later of metadata.json's expiry and the spec label's, as the reaper sees it. */
  current: string | null
}

async function loadTarget(ctx: OperationContext, kops: Kops, input: SandboxExtendInput): Promise<Target> {
  const {name, bucket} = input
  const cluster = await kops.getCluster(name)
  if (!cluster) {
    throw new PreconditionError(`no cluster ${name} in s3://${bucket}`, {suggestions: ['Check the name with `kopsmith cluster list`', 'Pass the state store with --state s3://BUCKET']})
  }
  const stored = await readClusterMetadata(ctx.store, bucket, name)
  const refuse = (why: string): RefusedError =>
    new RefusedError(`refused: ${name} is not a sandbox kopsmith can extend: ${why}`, {suggestions: ['Only sandboxes created by `kopsmith sandbox create` expire and can be extended']})
  if (stored.state === 'missing') throw refuse(`there is no s3://${bucket}/${clusterMetadataKey(name)}`)
  if (stored.state === 'invalid') throw refuse(`its metadata.json is unreadable (${stored.problem})`)
  if (stored.metadata.profile !== 'sandbox') throw refuse(`its profile is ${stored.metadata.profile}`)
  const labels = ((cluster.spec as Record<string, unknown> | undefined)?.cloudLabels ?? {}) as Record<string, string>
  if (labels[LABELS.profile] !== 'sandbox') throw refuse(`the stored spec's ${LABELS.profile} label is ${labels[LABELS.profile] ?? 'missing'}`)
  return {cluster, metadata: stored.metadata, etag: stored.etag, current: laterOf(stored.metadata.expiresAt, labels[LABELS.expiresAt])}
}

function laterOf(a: string | null, b: string | undefined): string | null {
  const times = [a, b].filter((t): t is string => typeof t === 'string' && !Number.isNaN(Date.parse(t)))
  if (times.length === 0) return null
  return times.reduce((x, y) => (Date.parse(y) > Date.parse(x) ? y : x))
}

async function checkClusterFile(files: UserFiles, path: string, name: string): Promise<string> {
  const {config, text} = await loadClusterFile(files, path)
  if (config.name !== name) throw new UsageError(`-f ${path} is the cluster file of ${config.name}, not ${name}`)
  if (config.profile !== 'sandbox') throw new RefusedError(`refused: ${path} describes a ${config.profile} cluster; only sandboxes expire`)
  return text
}

function extendPlan(input: SandboxExtendInput, e: ExtendedExpiry): Plan {
  const change = [{field: 'expiresAt', from: e.previous ?? undefined, to: e.expiresAt}]
  return {
    operation: 'extend',
    cluster: input.name,
    steps: [
      {id: 'kops:set-expiry-label', title: `Set ${LABELS.expiresAt} in the stored kops spec`, action: 'update', reason: 'the label becomes an AWS tag at the next kops update', changes: change},
      {id: 'metadata:update', title: 'Update kopsmith/metadata.json', action: 'update', reason: 'the record the reaper trusts', changes: change},
      ...(input.file ? [{id: 'cluster-file:update', title: `Update spec.expiresAt in ${input.file}`, action: 'update' as const, reason: 'keep the file in step with the cluster', changes: change}] : []),
    ],
  }
}
