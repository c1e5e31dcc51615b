import {z} from 'zod'

import type {CallerIdentity} from '../../ports.js'
import {kopsmithRecordsPrefix} from '../naming.js'
import type {Plan, StepRecord} from '../plan.js'

/** Default lifetime of a lock; a running operation renews it well before then. */
export const DEFAULT_LOCK_TTL_MS = 2 * 60 * 60 * 1000

/** `s3://BUCKET/kopsmith/<cluster>/lock.json`, and the old place; built in naming.ts (see there). */
export {legacyLockKey, lockKey} from '../naming.js'

export function auditPrefix(cluster: string): string {
  return `${kopsmithRecordsPrefix(cluster)}audit/`
}

/**
 * `kopsmith/<cluster>/audit/<started>-<operation>-<random>.json`. The start time is ISO 8601 in its
 * basic form (`20260502T031500.123Z`): it sorts like the extended form but keeps `:` out of S3 keys,
 * which many tools mangle. The random part keeps two runs of the same millisecond apart.
 */
export function auditKey(cluster: string, started: Date, operation: string, random: string): string {
  const stamp = started.toISOString().replace(/[-:]/g, '')
  return `${auditPrefix(cluster)}${stamp}-${operation.replace(/[^a-z0-9-]+/gi, '-')}-${random}.json`
}

const lockRecordSchema = z.object({
  owner: z.string(),
  host: z.string(),
  pid: z.number().int(),
  operation: z.string(),
  started: z.iso.datetime({offset: true}),
  expires: z.iso.datetime({offset: true}),
  /** Random per acquisition: tells our own lock apart from an identical-looking one. */
  token: z.string().optional(),
  command: z.array(z.string()).optional(),
  /**
   * Which process table `pid` belongs to (boot and PID namespace, where the host can tell): the
   * same host name is not enough, since containers may share one with separate PID namespaces.
   */
  scope: z.string().optional(),
})

export type LockRecord = z.infer<typeof lockRecordSchema>

export function buildLockRecord(input: {owner: string; host: string; pid: number; scope?: string; operation: string; command: string[]; started: Date; ttlMs: number; token: string}): LockRecord {
  return {
    owner: input.owner,
    host: input.host,
    pid: input.pid,
    operation: input.operation,
    started: input.started.toISOString(),
    expires: new Date(input.started.getTime() + input.ttlMs).toISOString(),
    token: input.token,
    command: input.command,
    ...(input.scope === undefined ? {} : {scope: input.scope}),
  }
}

/** A renewed lock keeps its start and moves its expiry. */
export function renewLockRecord(record: LockRecord, now: Date, ttlMs: number): LockRecord {
  return {...record, expires: new Date(now.getTime() + ttlMs).toISOString()}
}

export type ParsedLock = {valid: true; record: LockRecord} | {valid: false; problem: string}

/** A lock object we cannot read is still a lock: callers treat it as held, never as free. */
export function parseLockRecord(body: string): ParsedLock {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return {valid: false, problem: 'the lock object is not JSON'}
  }
  const parsed = lockRecordSchema.safeParse(json)
  if (!parsed.success) return {valid: false, problem: `the lock object is malformed (${parsed.error.issues.map((i) => i.path.join('.') || 'root').join(', ')})`}
  return {valid: true, record: parsed.data}
}

export function isLockExpired(record: LockRecord, now: Date): boolean {
  return Date.parse(record.expires) <= now.getTime()
}

/** Where the run looking at a lock is: its host, pid and process table (see LockRecord.scope). */
export interface LockObserver {
  host: string
  pid: number
  scope?: string
  /** Whether a process with this pid runs in the observer's process table; absent when it cannot tell. */
  isProcessAlive?(pid: number): boolean
}

export type TakeoverReason = 'expired' | 'holder-gone'

export type LockStaleness = {stale: false} | {stale: true; reason: TakeoverReason}

/**
 * Whether another run's lock may be taken over. An expired lock is stale (its holder would have
 * renewed it). So, at once, is a lock whose holder ran in this very process table — same host,
 * same `scope` — and whose process is gone, e.g. a run killed with SIGKILL. A holder we cannot see
 * (another host, another container or boot, an older record without a scope) is trusted until its
 * lock expires.
 */
export function lockStaleness(record: LockRecord, now: Date, observer: LockObserver): LockStaleness {
  if (isLockExpired(record, now)) return {stale: true, reason: 'expired'}
  if (record.host !== observer.host || record.scope === undefined || record.scope !== observer.scope || !observer.isProcessAlive) return {stale: false}
  // Our own pid with another token is a previous holder whose pid this run now has.
  const gone = record.pid === observer.pid || !observer.isProcessAlive(record.pid)
  return gone ? {stale: true, reason: 'holder-gone'} : {stale: false}
}

/** "arn:… on host build-7 (pid 4242), running upgrade since 2026-05-02T03:15:00Z (25 min ago)" */
export function describeLockHolder(record: LockRecord, now: Date): string {
  return `${record.owner} on host ${record.host} (pid ${record.pid}), running ${record.operation} since ${record.started} (${formatAge(now.getTime() - Date.parse(record.started))} ago)`
}

export function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000))
  if (minutes < 1) return 'less than a minute'
  if (minutes < 120) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} days`
}

export type AuditOutcome = 'success' | 'failure' | 'interrupted'

export interface AuditRecord {
  identity: CallerIdentity
  command: string[]
  operation: string
  cluster: string
  plan: Plan | null
  /** What became of each plan step, under the step's id (services/step-run.ts). */
  steps?: StepRecord[]
  started: string
  ended: string
  outcome: AuditOutcome
  exitCode: number
  error?: {code: string; message: string}
  /** Lock bookkeeping: whose stale lock we took over and why, whether ours was released. */
  lock?: {tookOverFrom?: LockRecord; takeoverReason?: TakeoverReason; released: boolean; releaseProblem?: string}
  /** Guarded changes the run made because the user named them (`cluster create --allow-change`). */
  overrides?: Array<{change: string; source: string; field: string; from: unknown; to: unknown}>
  /** `cluster unlock`: the lock it broke. */
  previousHolder?: LockRecord | {unreadable: string} | null
}

export function buildAuditRecord(input: Omit<AuditRecord, 'started' | 'ended'> & {started: Date; ended: Date}): AuditRecord {
  const {started, ended, ...rest} = input
  return {...rest, started: started.toISOString(), ended: ended.toISOString()}
}
