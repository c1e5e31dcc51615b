/**
 * Maintenance windows such as `Sat 02:00-06:00 Europe/Berlin` or `Mon-Fri 22:00-02:00 UTC`.
 *
 * The day names the day the window opens; an end at or before the start means the window runs
 * past midnight into the next day. Times are wall-clock times in the named IANA time zone, so a
 * window keeps its local hours across daylight-saving changes: on the night clocks spring forward
 * a window opening inside the skipped hour opens at the jump, and on the night they fall back a
 * window opening inside the repeated hour opens at its first occurrence. Only `Intl` is used,
 * which is pure (no I/O), so this stays in core.
 */

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const
const WINDOW = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat)(?:-(Sun|Mon|Tue|Wed|Thu|Fri|Sat))? (\d{2}):(\d{2})-(\d{2}):(\d{2}) (\S+)$/
const DAY_MS = 86_400_000

export interface MaintenanceWindow {
  text: string
  /** 0 = Sunday … 6 = Saturday: days on which the window opens. */
  days: number[]
  /** Minutes after local midnight. */
  startMinutes: number
  /** Minutes after local midnight of the closing day; 1440 = 24:00. */
  endMinutes: number
  /** The window closes on the day after it opens. */
  overnight: boolean
  timeZone: string
}

export type WindowParse = {ok: true; window: MaintenanceWindow} | {ok: false; message: string}

export function parseMaintenanceWindow(text: string): WindowParse {
  const m = WINDOW.exec(text.trim())
  if (!m) return {ok: false, message: `"${text}" is not a window; expected e.g. "Sat 02:00-06:00 Europe/Berlin" or "Mon-Fri 22:00-02:00 UTC"`}
  const [, fromDay, toDay, sh, sm, eh, em, timeZone] = m as unknown as [string, string, string | undefined, string, string, string, string, string]
  const startMinutes = Number(sh) * 60 + Number(sm)
  const endMinutes = Number(eh) * 60 + Number(em)
  if (Number(sh) > 23 || Number(sm) > 59 || Number(em) > 59 || endMinutes > 1440) {
    return {ok: false, message: `"${text}": times must be between 00:00 and 24:00`}
  }
  if (startMinutes === endMinutes) return {ok: false, message: `"${text}": the window opens and closes at the same time`}
  if (!isTimeZone(timeZone)) return {ok: false, message: `"${text}": unknown time zone "${timeZone}" (use an IANA name such as Europe/Berlin)`}
  const from = DAY_NAMES.indexOf(fromDay as (typeof DAY_NAMES)[number])
  const to = toDay === undefined ? from : DAY_NAMES.indexOf(toDay as (typeof DAY_NAMES)[number])
  const days: number[] = []
  for (let d = from; ; d = (d + 1) % 7) {
    days.push(d)
    if (d === to) break
  }
  return {ok: true, window: {text, days, startMinutes, endMinutes, overnight: endMinutes < startMinutes, timeZone}}
}

export interface WindowOccurrence {
  start: Date
  end: Date
}

export interface WindowVerdict {
  inside: boolean
  /** The occurrence `now` falls in, when inside. */
  current?: WindowOccurrence
  /** The next occurrence that opens after `now`. */
  next: WindowOccurrence
}

/** Whether `now` is inside the window, and when it opens next. */
export function evaluateWindow(window: MaintenanceWindow, now: Date): WindowVerdict {
  const t = now.getTime()
  const today = wallClock(t, window.timeZone)
  const occurrences: WindowOccurrence[] = []
  // Yesterday's occurrence may still be open (overnight windows); eight days ahead always holds the next one.
  for (let offset = -1; offset <= 8; offset++) {
    const day = new Date(Date.UTC(today.year, today.month - 1, today.day + offset))
    if (!window.days.includes(day.getUTCDay())) continue
    const [y, mo, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()]
    const start = localToInstant(y, mo, d, window.startMinutes, window.timeZone)
    const end = localToInstant(y, mo, d, window.endMinutes + (window.overnight ? 1440 : 0), window.timeZone)
    occurrences.push({start: new Date(start), end: new Date(end)})
  }
  const current = occurrences.find((o) => o.start.getTime() <= t && t < o.end.getTime())
  const next = occurrences.find((o) => o.start.getTime() > t)
  if (!next) throw new Error(`no occurrence of window "${window.text}" in the next week`) // unreachable: every window has a day
  return current ? {inside: true, current, next} : {inside: false, next}
}

interface WallClock {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formatters.set(timeZone, f)
  }
  return f
}

function wallClock(t: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {}
  for (const p of formatter(timeZone).formatToParts(new Date(t))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value)
  }
  return {year: parts.year ?? 0, month: parts.month ?? 1, day: parts.day ?? 1, hour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0}
}

/** The wall clock read as if it were UTC, minus the instant: the zone's offset at `t`. */
function offsetAt(t: number, timeZone: string): number {
  const w = wallClock(t, timeZone)
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(t / 1000) * 1000
}

/**
 * The instant at which the wall clock in `timeZone` reads `minutes` after midnight of y-mo-d
 * (minutes may exceed a day). A time that occurs twice (fall back) gives the earlier instant; a
 * time that does not occur (spring forward) gives the instant of the jump past it.
 */
function localToInstant(year: number, month: number, day: number, minutes: number, timeZone: string): number {
  const naive = Date.UTC(year, month - 1, day, 0, minutes)
  // Offsets a day either side straddle any transition near this time (transitions are months apart).
  const before = offsetAt(naive - DAY_MS, timeZone)
  const after = offsetAt(naive + DAY_MS, timeZone)
  const matches = [naive - before, naive - after].filter((u) => naive - offsetAt(u, timeZone) === u)
  if (matches.length > 0) return Math.min(...matches)
  return naive - before
}

let canonicalZones: ReadonlySet<string> | undefined

function isTimeZone(timeZone: string): boolean {
  // The canonical list is cheap; a DateTimeFormat loads ICU's zone data (~25 ms at start-up, when
  // `cluster create --dry-run` validates the file), so it is only asked about aliases such as UTC.
  canonicalZones ??= new Set(Intl.supportedValuesOf('timeZone'))
  if (canonicalZones.has(timeZone)) return true
  try {
    formatter(timeZone)
    return true
  } catch {
    return false
  }
}
