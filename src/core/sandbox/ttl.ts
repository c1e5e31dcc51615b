import {SANDBOX_MAX_TTL_HOURS} from '../config/defaults.js'
import {HOUR_MS, parseDuration} from '../config/duration.js'

/** What a sandbox lives for when nobody says otherwise (DESIGN.md: default 72h). */
export const SANDBOX_DEFAULT_TTL = '72h'
/** The cap: 14 days, so a forgotten sandbox costs at most two weeks. */
export const SANDBOX_MAX_TTL_MS = SANDBOX_MAX_TTL_HOURS * HOUR_MS
/** Creating a cluster takes a while; a shorter life would reap it before anyone used it. */
export const SANDBOX_MIN_TTL_MS = HOUR_MS

/** The longest `sandbox extend --ttl` taken (and then capped to 14 days); more is refused as a typo. */
const EXTEND_TTL_LIMIT_MS = 365 * 24 * HOUR_MS

export type TtlVerdict = {ok: true; ms: number} | {ok: false; problem: string}

/**
 * A sandbox's initial lifetime: a cluster-file duration (`72h`, `3d`, `1d12h`) between 1h and 14
 * days. Beyond the cap is refused rather than silently shortened, so nobody is surprised when
 * the reaper comes; `sandbox extend` is the way to live longer.
 */
export function checkSandboxTtl(text: string): TtlVerdict {
  const ms = parseDuration(text.trim())
  if (ms === undefined) return {ok: false, problem: `"${text}" is not a duration; use e.g. 72h, 3d or 1d12h (units d, h, m, s, largest first)`}
  if (ms < SANDBOX_MIN_TTL_MS) return {ok: false, problem: `${text} is too short: a sandbox needs at least 1h to come up`}
  if (ms > SANDBOX_MAX_TTL_MS) {
    return {
      ok: false,
      problem: `${text} is longer than a sandbox may live: at most 14 days (${SANDBOX_MAX_TTL_HOURS}h), so a forgotten sandbox is reaped within two weeks; extend it later with \`kopsmith sandbox extend NAME --ttl 24h\``,
    }
  }
  return {ok: true, ms}
}

/** `sandbox extend --ttl`: any positive duration; the result is capped later (see extendExpiry). */
export function checkExtendTtl(text: string): TtlVerdict {
  const ms = parseDuration(text.trim())
  if (ms === undefined) return {ok: false, problem: `"${text}" is not a duration; use e.g. 24h, 2d or 1d12h (units d, h, m, s, largest first)`}
  if (ms <= 0) return {ok: false, problem: `${text} adds no time; use e.g. 24h`}
  // Anything past the 14-day cap is capped; past a year it cannot be meant (and far enough it is
  // no date at all), so it is refused as a typo instead.
  if (ms > EXTEND_TTL_LIMIT_MS) return {ok: false, problem: `${text} is more than a year; a sandbox lives at most 14 days from now (a longer --ttl is capped to that), e.g. --ttl 14d`}
  return {ok: true, ms}
}

/** Whole hours, with days when that reads better: `72h (3 days)`. */
export function describeDuration(ms: number): string {
  const hours = ms / HOUR_MS
  const shown = Number.isInteger(hours) ? `${hours}h` : `${Math.round(hours * 10) / 10}h`
  const days = hours / 24
  return hours >= 24 && Number.isInteger(days) ? `${shown} (${days} day${days === 1 ? '' : 's'})` : shown
}
