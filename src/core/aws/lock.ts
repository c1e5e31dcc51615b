import {z} from 'zod'

import type {CallerIdentity} from '../../ports.js'
import {kopsmithRecordsPrefix} from '../naming.js'
import type {Plan} from '../plan.js'

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
})

export type LockRecord = z.infer<typeof lockRecordSchema>

export function buildLockRecord(input: {owner: string; host: string; pid: number; operation: string; command: string[]; started: Date; ttlMs: number; token: string}): LockRecord {
  return {
    owner: input.owner,
    host: input.host,
    pid: input.pid,
    operation: input.operation,
    started: input.started.toISOString(),
    expires: new Date(input.started.getTime() + input.ttlMs).toISOString(),
    token: input.token,
    command: input.command,
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
  started: string
  ended: string
  outcome: AuditOutcome
  exitCode: number
  error?: {code: string; message: string}
  /** Lock bookkeeping: whose stale lock we took over, whether ours was released. */
  lock?: {tookOverFrom?: LockRecord; released: boolean; releaseProblem?: string}
  /** `cluster unlock`: the lock it broke. */
  previousHolder?: LockRecord | {unreadable: string} | null
}

export function buildAuditRecord(input: Omit<AuditRecord, 'started' | 'ended'> & {started: Date; ended: Date}): AuditRecord {
  const {started, ended, ...rest} = input
  return {...rest, started: started.toISOString(), ended: ended.toISOString()}
}
