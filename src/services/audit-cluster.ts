import {parse} from 'yaml'

import type {ClusterConfig} from '../core/config/types.js'
import type {HardeningId} from '../core/config/schema.js'
import {diffSpecs, type DriftEntry} from '../core/drift.js'
import {ApiError, CliError, PreconditionError, RefusedError} from '../core/errors.js'
import {auditContextFor, auditKopsSpec, failedCheckIds, type CheckResult} from '../core/hardening/checks.js'
import {BUCKET_NAME, kopsClusterConfigKey, kopsInstanceGroupPrefix, LABELS} from '../core/naming.js'
import {sandboxExpiresAt} from '../core/render/expiry.js'
import type {Clock, Kops, PackageFiles, StateStore} from '../ports.js'
import {formatTable} from '../ui/table.js'
import {renderClusterManifests} from './render-cluster.js'

export interface AuditClusterPorts {
  packageFiles: PackageFiles
  clock: Clock
  /** Only called with `live`. */
  stateStore(): Promise<StateStore>
  /** For H18; a missing or broken kops leaves H18 `unknown` with a warning. */
  kops(): Promise<Kops>
}

export interface AuditClusterInput {
  config: ClusterConfig
  live: boolean
  onWarning?(message: string): void
}

export interface AuditClusterResult {
  cluster: string
  source: 'rendered' | 'live'
  checks: CheckResult[]
  failed: HardeningId[]
  /** `--live` only: rendered (desired) vs stored (live), field by field. */
  drift?: DriftEntry[]
}

export interface KopsSpec {
  cluster: Record<string, unknown>
  instanceGroups: Array<Record<string, unknown>>
}

/**
 * `cluster audit`: the hardening baseline on the spec kopsmith would apply, or with `live` on the
 * spec kops stored in the state bucket, plus the drift between the two. Reads S3 only with `live`.
 */
export async function auditCluster(ports: AuditClusterPorts, input: AuditClusterInput): Promise<AuditClusterResult> {
  const {config} = input
  const kopsVersion = await readKopsVersion(ports, input.onWarning)
  const context = {...auditContextFor(config), kopsVersion}

  if (!input.live) {
    const rendered = await renderClusterManifests(ports.packageFiles, config, {expiresAt: sandboxExpiresAt(config, ports.clock.now())})
    const checks = auditKopsSpec(rendered, context)
    return {cluster: config.name, source: 'rendered', checks, failed: failedCheckIds(checks)}
  }

  const store = await ports.stateStore()
  const live = await readStoredSpec(store, config)
  const bucketRegions = await locateBuckets(store, [config.stateStore.bucket, config.stateStore.discoveryBucket, ...bucketsNamedBy(live.cluster)], input.onWarning)
  if (!(config.stateStore.discoveryBucket in bucketRegions)) input.onWarning?.(`the discovery bucket ${config.stateStore.discoveryBucket} does not exist; IRSA cannot work without it`)
  // The stored expiry is the one create stamped; rendering with it keeps the drift to real changes.
  const storedExpiry = (live.cluster.spec as {cloudLabels?: Record<string, unknown>} | undefined)?.cloudLabels?.[LABELS.expiresAt]
  const expiresAt = typeof storedExpiry === 'string' ? storedExpiry : sandboxExpiresAt(config, ports.clock.now())
  const rendered = await renderClusterManifests(ports.packageFiles, config, {expiresAt})
  const checks = auditKopsSpec(live, {...context, bucketRegions})
  return {cluster: config.name, source: 'live', checks, failed: failedCheckIds(checks), drift: diffSpecs(rendered, live)}
}

/**
 * Where S3 says each bucket is (H17), read with GetBucketLocation through describeBucket — never
 * from the bucket's name. A bucket that does not exist is left out (H17 then stays `unknown`).
 */
async function locateBuckets(store: StateStore, buckets: string[], onWarning?: (message: string) => void): Promise<Record<string, string>> {
  const names = [...new Set(buckets)]
  const regions = await Promise.all(
    names.map(async (name) => {
      try {
        return (await store.describeBucket(name))?.region
      } catch (error) {
        if (!(error instanceof CliError)) throw error
        onWarning?.(`cannot locate bucket ${name} (H17 stays unknown): ${error.message.split('\n')[0]}`)
        return undefined
      }
    }),
  )
  return Object.fromEntries(names.flatMap((name, i) => (regions[i] === undefined ? [] : [[name, regions[i]]])))
}

/** The buckets the stored spec itself points at (configBase, the discovery store), which may differ from the cluster file's. */
function bucketsNamedBy(cluster: Record<string, unknown>): string[] {
  const spec = (cluster.spec ?? {}) as {configBase?: unknown; serviceAccountIssuerDiscovery?: {discoveryStore?: unknown}}
  return [spec.configBase, spec.serviceAccountIssuerDiscovery?.discoveryStore].flatMap((url) => {
    const bucket = typeof url === 'string' ? /^s3:\/\/([^/]+)/.exec(url)?.[1] : undefined
    return bucket && BUCKET_NAME.test(bucket) ? [bucket] : []
  })
}

/** Exit 9 when any check failed; the whole result travels in the error's details (and `--json`). */
export function assertAuditPassed(result: AuditClusterResult): void {
  if (result.failed.length === 0) return
  const failed = result.checks.filter((c) => c.status === 'fail')
  throw new RefusedError(`${result.cluster}: ${failed.length} hardening check(s) failed on the ${result.source} spec: ${failed.map((c) => c.id).join(', ')}`, {
    suggestions: [
      ...new Set(failed.map((c) => `${c.id}: ${c.fix}`)),
      'A deliberate exception needs a waiver in the cluster file: spec.waivers: [{id: H0x, reason: "…why…"}] (docs/hardening.md)',
    ],
    details: {...result},
  })
}

/** The human report: one row per check (id, status, title, first finding), then the drift. */
export function formatAuditReport(result: AuditClusterResult): string {
  const rows = result.checks.map((c) => [c.id, c.status.toUpperCase(), c.title, describeCheck(c)])
  const counts = ['pass', 'fail', 'waived', 'unknown'].map((s) => `${result.checks.filter((c) => c.status === s).length} ${s}`).join(', ')
  const lines = [`Hardening audit of ${result.cluster} (${result.source} spec): ${counts}`, '', formatTable(['ID', 'STATUS', 'CHECK', 'FINDING'], rows)]
  if (result.drift) {
    lines.push('', result.drift.length === 0 ? 'Drift: none (the stored spec matches the rendered one)' : `Drift: ${result.drift.length} field(s) differ from the rendered spec`)
    if (result.drift.length > 0) lines.push(formatTable(['FIELD', 'RENDERED', 'STORED'], result.drift.map((d) => [d.path, show(d.desired), show(d.live)])))
  }
  return lines.join('\n')
}

function describeCheck(check: CheckResult): string {
  if (check.status === 'waived') return `waived: ${check.reason ?? ''}${check.findings.length > 0 ? ` (${findingText(check.findings[0])})` : ''}`
  if (check.status === 'unknown') return check.note ?? ''
  const [first] = check.findings
  if (!first) return ''
  return findingText(first) + (check.findings.length > 1 ? ` (+${check.findings.length - 1} more)` : '')
}

function findingText(finding: CheckResult['findings'][number] | undefined): string {
  return finding ? `${finding.path} is ${show(finding.actual)}, expected ${finding.expected}` : ''
}

function show(value: unknown): string {
  if (value === undefined) return '(unset)'
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/** The spec kops stored for this cluster, or undefined when the bucket or the cluster is not there. */
export async function findStoredSpec(store: StateStore, config: ClusterConfig): Promise<KopsSpec | undefined> {
  if (!(await store.describeBucket(config.stateStore.bucket))) return undefined
  if (!(await store.getObject(config.stateStore.bucket, kopsClusterConfigKey(config.name)))) return undefined
  return readStoredSpec(store, config)
}

async function readStoredSpec(store: StateStore, config: ClusterConfig): Promise<KopsSpec> {
  const bucket = config.stateStore.bucket
  const configKey = kopsClusterConfigKey(config.name)
  const stored = await store.getObject(bucket, configKey)
  if (!stored) {
    throw new PreconditionError(`cluster ${config.name} is not in the state store: s3://${bucket}/${configKey} does not exist`, {
      suggestions: [`Create it first: kopsmith cluster create -f <file>`, `Or audit the rendered spec without --live`, `Check stateStore.bucket in the cluster file (${bucket})`],
    })
  }
  const cluster = parseStored(stored.body, bucket, configKey)
  const prefix = kopsInstanceGroupPrefix(config.name)
  const keys = (await store.listKeys(bucket, prefix)).filter((key) => key.length > prefix.length && !key.slice(prefix.length).includes('/'))
  const instanceGroups: Array<Record<string, unknown>> = []
  for (const key of keys) {
    const object = await store.getObject(bucket, key)
    if (object) instanceGroups.push(parseStored(object.body, bucket, key))
  }
  return {cluster, instanceGroups}
}

/** A kops object read from the state store (YAML as kops writes it); `cluster list` reads `CLUSTER/config` with it too. */
export function parseStored(body: string, bucket: string, key: string): Record<string, unknown> {
  let value: unknown
  try {
    // kops writes these with sigs.k8s.io/yaml; read them as Kubernetes does (YAML 1.1), except that
    // timestamps stay strings: kops' fields holding them (cloudLabels) are Go strings, never times.
    value = parse(body, {version: '1.1', customTags: (tags) => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp')})
  } catch (error) {
    throw new ApiError(`s3://${bucket}/${key} is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, {cause: error})
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError(`s3://${bucket}/${key} does not hold a kops object`)
  return value as Record<string, unknown>
}

async function readKopsVersion(ports: AuditClusterPorts, onWarning: ((message: string) => void) | undefined): Promise<string | undefined> {
  try {
    return (await (await ports.kops()).version()).version
  } catch (error) {
    if (!(error instanceof CliError)) throw error
    onWarning?.(`H18 is unknown: ${error.message.split('\n')[0]}`)
    return undefined
  }
}
