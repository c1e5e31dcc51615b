import {describe, expect, it} from 'vitest'

import {evaluateWindow, type MaintenanceWindow, parseMaintenanceWindow} from '../../../src/core/window.js'

function window(text: string): MaintenanceWindow {
  const parsed = parseMaintenanceWindow(text)
  if (!parsed.ok) throw new Error(parsed.message)
  return parsed.window
}

const at = (iso: string) => new Date(iso)
const iso = (d: Date | undefined) => d?.toISOString()

describe('parseMaintenanceWindow', () => {
  it('reads days, times and zone', () => {
    expect(window('Sat 02:00-06:00 Europe/Berlin')).toMatchObject({days: [6], startMinutes: 120, endMinutes: 360, overnight: false, timeZone: 'Europe/Berlin'})
    expect(window('Fri-Mon 22:00-02:00 UTC')).toMatchObject({days: [5, 6, 0, 1], startMinutes: 1320, endMinutes: 120, overnight: true})
    expect(window('Mon 00:00-24:00 UTC')).toMatchObject({days: [1], endMinutes: 1440, overnight: false})
  })

  it.each([
    ['Sat 02:00-06:00 Mars/Olympus', 'unknown time zone'],
    ['Sat 02:00-02:00 UTC', 'same time'],
    ['Saturday 02:00-06:00 UTC', 'not a window'],
    ['Sat 25:00-26:00 UTC', 'between 00:00 and 24:00'],
    ['Sat 02:00-24:30 UTC', 'between 00:00 and 24:00'],
  ])('refuses %j', (text, problem) => {
    const parsed = parseMaintenanceWindow(text)
    expect(parsed.ok).toBe(false)
    expect(!parsed.ok && parsed.message).toContain(problem)
  })
})

describe('evaluateWindow: Sat 02:00-06:00 Europe/Berlin', () => {
  const w = window('Sat 02:00-06:00 Europe/Berlin')

  it('is inside on a winter Saturday at 03:00 CET (02:00 UTC)', () => {
    const v = evaluateWindow(w, at('2026-01-10T02:00:00Z'))
    expect(v.inside).toBe(true)
    expect([iso(v.current?.start), iso(v.current?.end)]).toEqual(['2026-01-10T01:00:00.000Z', '2026-01-10T05:00:00.000Z'])
  })

  it('follows summer time: 02:30 CEST (00:30 UTC) is inside, 06:30 CEST (04:30 UTC) is not', () => {
    expect(evaluateWindow(w, at('2026-07-11T00:30:00Z')).inside).toBe(true)
    const after = evaluateWindow(w, at('2026-07-11T04:30:00Z'))
    expect(after.inside).toBe(false)
    expect(iso(after.next.start)).toBe('2026-07-18T00:00:00.000Z')
  })

  it('is outside on a weekday and names the next Saturday', () => {
    const v = evaluateWindow(w, at('2026-03-27T12:00:00Z'))
    expect(v.inside).toBe(false)
    expect([iso(v.next.start), iso(v.next.end)]).toEqual(['2026-03-28T01:00:00.000Z', '2026-03-28T05:00:00.000Z'])
  })

  it('keeps local hours across the spring change: the next window after 28 March opens at 00:00 UTC', () => {
    const v = evaluateWindow(w, at('2026-03-28T06:00:00Z'))
    expect(v.inside).toBe(false)
    expect(iso(v.next.start)).toBe('2026-04-04T00:00:00.000Z')
  })

  it('treats the end as exclusive', () => {
    expect(evaluateWindow(w, at('2026-01-10T05:00:00Z')).inside).toBe(false)
    expect(evaluateWindow(w, at('2026-01-10T01:00:00Z')).inside).toBe(true)
  })
})

describe('evaluateWindow on the nights the clocks change (Europe/Berlin)', () => {
  const w = window('Sun 02:00-04:00 Europe/Berlin')

  it('spring forward (29 March 2026): 02:00 does not exist, so the window opens at the jump', () => {
    const before = evaluateWindow(w, at('2026-03-29T00:59:00Z')) // 01:59 CET
    expect(before.inside).toBe(false)
    expect(iso(before.next.start)).toBe('2026-03-29T01:00:00.000Z') // 03:00 CEST
    const v = evaluateWindow(w, at('2026-03-29T01:30:00Z')) // 03:30 CEST
    expect(v.inside).toBe(true)
    expect(iso(v.current?.end)).toBe('2026-03-29T02:00:00.000Z') // 04:00 CEST
  })

  it('fall back (25 October 2026): the window opens at the first 02:00 and lasts to 04:00 CET', () => {
    const v = evaluateWindow(w, at('2026-10-25T00:30:00Z')) // 02:30 CEST
    expect(v.inside).toBe(true)
    expect([iso(v.current?.start), iso(v.current?.end)]).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T03:00:00.000Z'])
    expect(evaluateWindow(w, at('2026-10-25T02:30:00Z')).inside).toBe(true) // 03:30 CET
    expect(evaluateWindow(w, at('2026-10-25T03:00:00Z')).inside).toBe(false) // 04:00 CET
  })
})

describe('evaluateWindow: overnight windows and day ranges', () => {
  it('a Friday 22:00-02:00 window is still open early on Saturday', () => {
    const w = window('Fri 22:00-02:00 UTC')
    expect(evaluateWindow(w, at('2026-05-16T01:00:00Z')).inside).toBe(true) // Saturday 01:00
    const closed = evaluateWindow(w, at('2026-05-16T02:00:00Z'))
    expect(closed.inside).toBe(false)
    expect(iso(closed.next.start)).toBe('2026-05-22T22:00:00.000Z')
  })

  it('Mon-Fri covers weekdays only; Fri-Mon wraps over the weekend', () => {
    const weekdays = window('Mon-Fri 09:00-17:00 Europe/Berlin')
    expect(evaluateWindow(weekdays, at('2026-05-13T10:00:00Z')).inside).toBe(true) // Wednesday 12:00 CEST
    expect(evaluateWindow(weekdays, at('2026-05-16T10:00:00Z')).inside).toBe(false) // Saturday
    const weekend = window('Fri-Mon 09:00-17:00 UTC')
    expect(evaluateWindow(weekend, at('2026-05-17T10:00:00Z')).inside).toBe(true) // Sunday
    expect(evaluateWindow(weekend, at('2026-05-13T10:00:00Z')).inside).toBe(false) // Wednesday
  })

  it('a whole-day window ends at 24:00', () => {
    const w = window('Mon 00:00-24:00 UTC')
    expect(evaluateWindow(w, at('2026-05-11T23:59:00Z')).inside).toBe(true)
    expect(evaluateWindow(w, at('2026-05-12T00:00:00Z')).inside).toBe(false)
  })
})
