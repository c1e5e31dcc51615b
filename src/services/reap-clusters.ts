import {InterruptedError, isCliError, UsageError, ExitCode} from '../core/errors.js'
import {toRfc3339} from '../core/sandbox/expiry.js'
import {decideReap, type ReapCandidate, type ReapDecision} from '../core/sandbox/reap.js'
import type {Kops, Prompter, StateStore} from '../ports.js'
import {readClusterMetadata} from './cluster-metadata.js'
import {deleteCluster, type DeletePorts} from './delete-cluster.js'

export interface ReapInput {
  bucket: string
  /** Reap what expired before this instant (`--at`, default now). */
  at: Date
  dryRun: boolean
  yes: boolean
  /** argv, for each deletion's audit record. */
  command: string[]
}

export interface ReapPorts {
  /** Deletions go through `cluster delete`'s service: same safety rules, lock and audit. */
  delete: DeletePorts
  prompter: Prompter
  log: (line: string) => void
  warn: (message: string) => void
}

export interface ReapItem {
  name: string
  reason: string
  expiresAt: string | null
}

export interface ReapFailure {
  name: string
  error: string
  /** The error's class code and exit code (kops-failed 5, api-error 6, locked 8, …). */
  code: string
  exitCode: number
}

/**
 * The JSON summary (`--json` result). With `--dry-run`, `reaped` lists what would be reaped and
 * nothing is deleted (`dryRun: true`).
 */
export interface ReapSummary {
  at: string
  dryRun: boolean
  reaped: ReapItem[]
  kept: ReapItem[]
  skipped: ReapItem[]
  failed: ReapFailure[]
  /** Present when the person at the terminal said no: nothing was deleted. */
  cancelled?: true
}

/**
 * `kopsmith cluster reap`: decides for every cluster in the state store (core/sandbox/reap.ts has
 * the rules), then deletes the expired sandboxes one at a time through the delete service — each
 * under its own lock, each audited. Right before each deletion the cluster is looked at again, so
 * one extended meanwhile is kept. A failed deletion is recorded and the next one still runs;
 * Ctrl-C stops the run (the delete in progress releases its lock).
 */
export async function reapClusters(ports: ReapPorts, input: ReapInput): Promise<ReapSummary> {
  const {prompter, log} = ports
  if (!input.dryRun && !input.yes && !prompter.interactive) {
    throw new UsageError('cluster reap deletes clusters and cannot ask for confirmation in a non-interactive run; pass --yes', {
      suggestions: ['kopsmith cluster reap --yes', 'See what it would do first: kopsmith cluster reap --dry-run'],
    })
  }
  const at = toRfc3339(input.at)
  const kops = ports.delete.kops.withStateStore(`s3://${input.bucket}`)
  const store = await ports.delete.store()
  const summary: ReapSummary = {at, dryRun: input.dryRun, reaped: [], kept: [], skipped: [], failed: []}

  const names = (await kops.listClusters()).map(clusterName).filter((n): n is string => n !== undefined).sort()
  const toReap: ReapDecision[] = []
  for (const name of names) {
    let decision: ReapDecision
    try {
      decision = await decide(kops, store, input, name)
    } catch (error) {
      if (error instanceof InterruptedError) throw error
      summary.failed.push(failure(name, error, 'could not read its state'))
      continue
    }
    if (decision.warning) ports.warn(decision.warning)
    if (decision.action === 'reap') toReap.push(decision)
    else (decision.action === 'keep' ? summary.kept : summary.skipped).push(item(decision))
  }

  log(`Clusters in s3://${input.bucket} at ${at}:`)
  for (const d of [...toReap.map((x) => ['reap', x] as const), ...summary.kept.map((x) => ['keep', x] as const), ...summary.skipped.map((x) => ['skip', x] as const)]) {
    log(`  ${d[0].padEnd(4)}  ${d[1].name}  ${d[1].reason}`)
  }
  for (const f of summary.failed) log(`  fail  ${f.name}  ${f.error}`)
  if (names.length === 0) log('  (none)')

  if (toReap.length === 0) {
    log('Nothing to reap.')
    return summary
  }
  if (input.dryRun) {
    summary.reaped = toReap.map(item)
    log(`Dry run: would reap ${toReap.length} cluster(s); nothing was deleted.`)
    return summary
  }
  if (!input.yes && !(await prompter.confirm(`Delete ${toReap.length} expired sandbox cluster(s)? This cannot be undone.`, false))) {
    log('Cancelled; nothing was deleted.')
    summary.kept.push(...toReap.map((d) => ({...item(d), reason: `${d.reason}; not reaped: cancelled at the confirmation`})))
    return {...summary, cancelled: true}
  }

  for (const planned of toReap) {
    const {name} = planned
    try {
      // Someone may have extended or protected it since the listing.
      const now = await decide(kops, store, input, name)
      if (now.action !== 'reap') {
        ;(now.action === 'keep' ? summary.kept : summary.skipped).push({...item(now), reason: `${now.reason} (changed since the listing; not reaped)`})
        continue
      }
      log(`Reaping ${name} (${now.reason})…`)
      await deleteCluster(ports.delete, {
        name,
        bucket: input.bucket,
        how: `--name ${name}`,
        yes: true,
        confirm: name,
        dryRun: false,
        interactive: false,
        command: input.command,
        onProgress: (e) => {
          if (e.kind === 'step') log(`  ${e.text}`)
        },
      })
      summary.reaped.push(item(now))
      log(`Reaped ${name}.`)
    } catch (error) {
      if (error instanceof InterruptedError) throw error
      const f = failure(name, error, 'reap failed')
      summary.failed.push(f)
      log(`Failed to reap ${name}: ${f.error}`)
    }
  }
  return summary
}

/** 0 when every intended reap succeeded; 5 when any failure came from kops; 6 for any other failure. */
export function reapExitCode(summary: ReapSummary): number {
  if (summary.failed.length === 0) return ExitCode.Ok
  return summary.failed.some((f) => f.exitCode === ExitCode.KopsFailed) ? ExitCode.KopsFailed : ExitCode.ApiError
}

async function decide(kops: Kops, store: StateStore, input: ReapInput, name: string): Promise<ReapDecision> {
  const [cluster, stored] = await Promise.all([kops.getCluster(name), readClusterMetadata(store, input.bucket, name)])
  const candidate: ReapCandidate = {
    name,
    metadata: stored.state === 'ok' ? {state: 'ok', value: stored.metadata} : stored.state === 'invalid' ? {state: 'invalid', problem: stored.problem} : {state: 'missing'},
    labels: cluster ? stringLabels(cluster) : undefined,
  }
  return decideReap(candidate, input.at)
}

function stringLabels(cluster: Record<string, unknown>): Record<string, string> {
  const spec = cluster.spec as Record<string, unknown> | undefined
  const labels = spec?.cloudLabels
  if (typeof labels !== 'object' || labels === null) return {}
  return Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string'))
}

function clusterName(object: Record<string, unknown>): string | undefined {
  const name = (object.metadata as Record<string, unknown> | undefined)?.name
  return typeof name === 'string' && name !== '' ? name : undefined
}

function item(d: ReapDecision): ReapItem {
  return {name: d.name, reason: d.reason, expiresAt: d.expiresAt}
}

function failure(name: string, error: unknown, what: string): ReapFailure {
  const message = error instanceof Error ? error.message : String(error)
  return {
    name,
    error: `${what}: ${message}`,
    code: isCliError(error) ? error.code : 'bug',
    exitCode: isCliError(error) ? error.exitCode : ExitCode.Bug,
  }
}
