import {HOUR_MS, parseDuration} from '../config/duration.js'
import type {ClusterConfig} from '../config/types.js'
import {SANDBOX_DEFAULT_TTL, SANDBOX_MAX_TTL_MS} from './ttl.js'

/** RFC 3339 in UTC without milliseconds: what we write to files, labels and metadata. */
export function toRfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** `now + ttl` as RFC 3339. */
export function expiryFrom(now: Date, ttlMs: number): string {
  return toRfc3339(new Date(now.getTime() + ttlMs))
}

/**
 * A sandbox's expiry as the reaper and `cluster list` read it: kopsmith's recorded expiry, postponed
 * (never advanced) by a later `kopsmith.dev/expires-at` label; an unparseable label changes nothing.
 */
export function effectiveExpiry(recorded: string, label: string | undefined): string {
  const a = Date.parse(recorded)
  const b = label === undefined ? Number.NaN : Date.parse(label)
  return toRfc3339(new Date(Number.isNaN(b) ? a : Math.max(a, b)))
}

/**
 * The absolute expiry `cluster create` stamps on a cluster: production clusters never expire; a
 * sandbox keeps the `expiresAt` its file already carries (the wizard writes one), else it expires
 * `ttl` (default 72h) from `now`.
 */
export function resolveExpiresAt(config: Pick<ClusterConfig, 'profile' | 'ttl' | 'expiresAt'>, now: Date): string | null {
  if (config.profile !== 'sandbox') return null
  if (config.expiresAt) return toRfc3339(new Date(config.expiresAt))
  const ttlMs = parseDuration(config.ttl ?? SANDBOX_DEFAULT_TTL) ?? 72 * HOUR_MS
  return expiryFrom(now, ttlMs)
}

export interface ExtendedExpiry {
  /** The expiry before this extension (null when none was recorded). */
  previous: string | null
  /** max(now, previous) + ttl, before the cap. */
  requested: string
  /** What is written: `requested`, or the cap when that is earlier. */
  expiresAt: string
  capped: boolean
  /** now + 14 days. */
  latestAllowed: string
}

/**
 * `sandbox extend`: time is added to whatever is later, now or the current expiry, so extending an
 * already expired sandbox gives it `ttl` from now, not from the past. The result never lies more
 * than 14 days ahead of now; asking for more is capped (and reported), not refused, because the
 * user's intent — "longer" — is still served.
 */
export function extendExpiry(input: {now: Date; current: string | null; ttlMs: number}): ExtendedExpiry {
  const now = input.now.getTime()
  const current = input.current === null ? Number.NaN : Date.parse(input.current)
  const base = Number.isNaN(current) ? now : Math.max(now, current)
  const requested = base + input.ttlMs
  const latest = now + SANDBOX_MAX_TTL_MS
  const capped = requested > latest
  return {
    previous: input.current,
    requested: toRfc3339(new Date(requested)),
    expiresAt: toRfc3339(new Date(capped ? latest : requested)),
    capped,
    latestAllowed: toRfc3339(new Date(latest)),
  }
}

/** "in 3d 4h" / "5h ago", rounded to the hour, for human output. */
export function describeRelative(target: string, now: Date): string {
  const diff = Date.parse(target) - now.getTime()
  const hours = Math.round(Math.abs(diff) / HOUR_MS)
  const text = hours >= 48 ? `${Math.floor(hours / 24)}d ${hours % 24}h` : `${hours}h`
  return diff >= 0 ? `in ${text}` : `${text} ago`
}
