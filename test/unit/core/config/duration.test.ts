import {describe, expect, it} from 'vitest'

import {formatDuration, parseDuration} from '../../../../src/core/config/duration.js'

describe('formatDuration', () => {
  it.each([
    [0, '0'],
    [500, '500ms'],
    [90_000, '1m30s'],
    [10_000, '10s'],
    [5 * 60_000, '5m'],
    [30 * 60_000, '30m'],
    [5_400_000, '1h30m'],
    [72 * 3_600_000, '3d'],
    [86_400_000 + 1000, '1d1s'],
  ])('%i ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })

  it('whole seconds read back through parseDuration to the same value', () => {
    for (const ms of [1000, 59_000, 61_000, 3_600_000, 3_661_000, 90_061_000, 14 * 86_400_000]) expect(parseDuration(formatDuration(ms))).toBe(ms)
  })
})
