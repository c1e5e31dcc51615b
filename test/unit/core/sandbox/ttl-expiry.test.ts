import {describe, expect, it} from 'vitest'

import {describeRelative, expiryFrom, extendExpiry, resolveExpiresAt, toRfc3339} from '../../../../src/core/sandbox/expiry.js'
import {checkExtendTtl, checkSandboxTtl, describeDuration} from '../../../../src/core/sandbox/ttl.js'

const H = 3_600_000

describe('checkSandboxTtl', () => {
  it.each([
    ['72h', 72 * H],
    ['3d', 72 * H],
    ['1d12h', 36 * H],
    ['1h', H],
    ['14d', 336 * H],
    ['336h', 336 * H],
    [' 48h ', 48 * H],
  ])('accepts %s', (text, ms) => {
    expect(checkSandboxTtl(text)).toEqual({ok: true, ms})
  })

  it.each(['337h', '15d', '14d1s', '1000h'])('refuses %s beyond the 14-day cap and explains the cap', (text) => {
    const verdict = checkSandboxTtl(text)
    expect(verdict.ok).toBe(false)
    if (verdict.ok) return
    expect(verdict.problem).toContain('at most 14 days (336h)')
    expect(verdict.problem).toContain('sandbox extend')
  })

  it.each([
    ['30m', 'too short'],
    ['0h', 'too short'],
    ['abc', 'not a duration'],
    ['72', 'not a duration'],
    ['1m1h', 'not a duration'],
    ['', 'not a duration'],
  ])('refuses %s (%s)', (text, problem) => {
    const verdict = checkSandboxTtl(text)
    expect(verdict.ok).toBe(false)
    if (!verdict.ok) expect(verdict.problem).toContain(problem)
  })
})

describe('checkExtendTtl', () => {
  it('accepts any positive duration, even beyond the cap (the expiry is capped instead)', () => {
    expect(checkExtendTtl('30m')).toEqual({ok: true, ms: 0.5 * H})
    expect(checkExtendTtl('30d')).toEqual({ok: true, ms: 720 * H})
  })

  it('refuses zero and garbage', () => {
    expect(checkExtendTtl('0h').ok).toBe(false)
    expect(checkExtendTtl('soon').ok).toBe(false)
  })

  it('refuses more than a year as a typo, so no expiry is ever computed past what a date can hold', () => {
    expect(checkExtendTtl('365d')).toEqual({ok: true, ms: 365 * 24 * H})
    expect(checkExtendTtl('366d')).toMatchObject({ok: false, problem: expect.stringContaining('more than a year')})
    expect(checkExtendTtl('9999999999d')).toMatchObject({ok: false, problem: expect.stringContaining('more than a year')})
  })
})

describe('expiry', () => {
  const now = new Date('2026-05-01T10:00:00.123Z')

  it('is now + ttl, RFC 3339 in UTC without milliseconds', () => {
    expect(expiryFrom(now, 72 * H)).toBe('2026-05-04T10:00:00Z')
    expect(toRfc3339(new Date('2026-05-01T12:00:00+02:00'))).toBe('2026-05-01T10:00:00Z')
  })

  it('resolveExpiresAt: production never expires; a sandbox keeps its stamped expiry, else now + ttl (default 72h)', () => {
    expect(resolveExpiresAt({profile: 'production', ttl: null, expiresAt: null}, now)).toBeNull()
    expect(resolveExpiresAt({profile: 'sandbox', ttl: '24h', expiresAt: '2026-05-02T12:00:00+02:00'}, now)).toBe('2026-05-02T10:00:00Z')
    expect(resolveExpiresAt({profile: 'sandbox', ttl: '24h', expiresAt: null}, now)).toBe('2026-05-02T10:00:00Z')
    expect(resolveExpiresAt({profile: 'sandbox', ttl: null, expiresAt: null}, now)).toBe('2026-05-04T10:00:00Z')
  })

  it.each([
    {case: 'future expiry: adds to it', current: '2026-05-02T10:00:00Z', ttl: 24, expiresAt: '2026-05-03T10:00:00Z', capped: false},
    {case: 'past expiry: adds to now, not to the past', current: '2026-04-20T00:00:00Z', ttl: 24, expiresAt: '2026-05-02T10:00:00Z', capped: false},
    {case: 'no expiry recorded: adds to now', current: null, ttl: 48, expiresAt: '2026-05-03T10:00:00Z', capped: false},
    {case: 'beyond 14 days from now: capped', current: '2026-05-10T10:00:00Z', ttl: 240, expiresAt: '2026-05-15T10:00:00Z', capped: true},
    {case: 'exactly the cap: not capped', current: '2026-05-08T10:00:00Z', ttl: 168, expiresAt: '2026-05-15T10:00:00Z', capped: false},
  ])('extendExpiry, $case', ({current, ttl, expiresAt, capped}) => {
    const result = extendExpiry({now, current, ttlMs: ttl * H})
    expect(result.expiresAt).toBe(expiresAt)
    expect(result.capped).toBe(capped)
    expect(result.previous).toBe(current)
    expect(result.latestAllowed).toBe('2026-05-15T10:00:00Z')
    if (capped) expect(Date.parse(result.requested)).toBeGreaterThan(Date.parse(result.expiresAt))
  })

  it('describes durations and relative times for people', () => {
    expect(describeDuration(72 * H)).toBe('72h (3 days)')
    expect(describeDuration(24 * H)).toBe('24h (1 day)')
    expect(describeDuration(36 * H)).toBe('36h')
    expect(describeRelative('2026-05-01T15:00:00Z', now)).toBe('in 5h')
    expect(describeRelative('2026-04-28T10:00:00Z', now)).toBe('3d 0h ago')
  })
})
