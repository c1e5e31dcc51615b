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
