const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const
const WINDOW = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat)(?:-(Sun|Mon|Tue|Wed|Thu|Fri|Sat))? (\d\d):(\d\d)-(\d\d):(\d\d) (\S+)$/

/** A maintenance window such as `Sat 02:00-06:00 Europe/Berlin` or `Mon-Fri 01:00-03:00 UTC`. */
export interface UpgradeWindow {
  /** Days the window opens on, 0 = Sunday (as `Date#getDay`); `Fri-Mon` wraps over the weekend. */
  days: number[]
  /** Minutes after local midnight. */
  startMinute: number
  /** Minutes after local midnight, after `startMinute`; 1440 for `24:00`. */
  endMinute: number
  timeZone: string
}

export type WindowVerdict = {ok: true; window: UpgradeWindow} | {ok: false; problem: string}

/** Parses and checks a window; `problem` says what is wrong in words fit for a FileIssue. */
export function parseUpgradeWindow(text: string): WindowVerdict {
  const match = WINDOW.exec(text)
  if (!match) return {ok: false, problem: `expected a window such as "Sat 02:00-06:00 Europe/Berlin", got ${JSON.stringify(text)}`}
  const [, from = 'Sun', to, sh, sm, eh, em, timeZone = ''] = match
  const startMinute = Number(sh) * 60 + Number(sm)
  const endMinute = Number(eh) * 60 + Number(em)
  if (startMinute >= 24 * 60 || Number(sm) > 59 || Number(em) > 59 || endMinute > 24 * 60) {
    return {ok: false, problem: `times must lie between 00:00 and 24:00, got ${sh}:${sm}-${eh}:${em}`}
  }
  if (endMinute <= startMinute) {
    return {ok: false, problem: `the window must end after it starts (${sh}:${sm}-${eh}:${em}); a window across midnight ends at 24:00 on one day`}
  }
  if (!isTimeZone(timeZone)) {
    return {ok: false, problem: `unknown time zone ${JSON.stringify(timeZone)}; expected an IANA name such as Europe/Berlin or UTC`}
  }
  const first = DAYS.indexOf(from as (typeof DAYS)[number])
  const last = to === undefined ? first : DAYS.indexOf(to as (typeof DAYS)[number])
  const days: number[] = []
  for (let day = first; ; day = (day + 1) % 7) {
    days.push(day)
    if (day === last) break
  }
  return {ok: true, window: {days, startMinute, endMinute, timeZone}}
}

let canonicalZones: ReadonlySet<string> | undefined

function isTimeZone(name: string): boolean {
  // The canonical list is cheap; constructing a DateTimeFormat loads ICU's zone data (~25 ms at
  // start-up), so it is only asked about aliases such as UTC, which the list omits.
  canonicalZones ??= new Set(Intl.supportedValuesOf('timeZone'))
  if (canonicalZones.has(name)) return true
  try {
    new Intl.DateTimeFormat('en', {timeZone: name})
    return true
  } catch {
    return false
  }
}
