const UNIT_MS = {d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000} as const
const DURATION = /^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/

/**
 * `3d`, `72h`, `1h30m`, `90s` → milliseconds; undefined when the text is not such a duration.
 * Units go largest first, each at most once, as the cluster file schema requires.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text)
  if (!match) return undefined
  const [, d, h, m, s] = match
  return Number(d ?? 0) * UNIT_MS.d + Number(h ?? 0) * UNIT_MS.h + Number(m ?? 0) * UNIT_MS.m + Number(s ?? 0) * UNIT_MS.s
}

export const HOUR_MS = UNIT_MS.h

/**
 * The inverse of parseDuration, for help and messages: 1_800_000 → `30m`, 5_400_000 → `1h30m`,
 * 0 → `0`, 500 → `500ms`. Hand-written because the libraries that format durations print `2h`
 * (rounded) or `1h 30m` (with a space), neither of which our flags and cluster files accept.
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0'
  if (!Number.isInteger(ms) || ms < 0) return `${ms}ms`
  if (ms % UNIT_MS.s !== 0) return `${ms}ms`
  let rest = ms
  let text = ''
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const n = Math.floor(rest / UNIT_MS[unit])
    rest -= n * UNIT_MS[unit]
    if (n > 0) text += `${n}${unit}`
  }
  return text
}
