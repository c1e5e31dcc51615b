import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {estimateCost, formatCostEstimate, parsePriceTable} from '../../../../src/core/sandbox/cost.js'
import {SANDBOX_SIZES, SANDBOX_SIZE_NAMES} from '../../../../src/core/sandbox/sizes.js'

const raw = readFileSync(new URL('../../../../data/prices-eu-central-1.json', import.meta.url), 'utf8')
const table = parsePriceTable(raw)
const H = 3_600_000

describe('the shipped price table', () => {
  it('is dated, cited and says it is an estimate', () => {
    expect(table.region).toBe('eu-central-1')
    expect(table.source).toBe(`AWS public pricing, eu-central-1, Linux, as of ${table.asOf}`)
    expect(table.note).toMatch(/^Estimate/)
  })

  it('prices every instance type the wizard offers, spot below on-demand', () => {
    const offered = SANDBOX_SIZE_NAMES.flatMap((s) => [SANDBOX_SIZES[s].controlPlane, SANDBOX_SIZES[s].nodes.instanceType])
    for (const type of ['t3.medium', 't3.large', 't3.xlarge', 'm7i.large', 'm7i.xlarge', ...offered]) {
      const price = table.prices[type]
      expect(price, type).toBeDefined()
      expect(price?.spot, type).toBeLessThan(price?.onDemand ?? 0)
    }
  })

  it('rejects a table without a date', () => {
    const broken = JSON.parse(raw) as Record<string, unknown>
    delete broken.asOf
    expect(() => parsePriceTable(JSON.stringify(broken))).toThrow(/asOf/)
  })
})

describe('estimateCost', () => {
  it.each(SANDBOX_SIZE_NAMES)('size %s: control plane on-demand + nodes at min size, over the ttl', (size) => {
    const s = SANDBOX_SIZES[size]
    const cp = table.prices[s.controlPlane]!
    const node = table.prices[s.nodes.instanceType]!
    const e = estimateCost(table, {controlPlane: {instanceType: s.controlPlane, count: 1}, nodeGroups: [{name: 'general', instanceType: s.nodes.instanceType, minSize: s.nodes.minSize, spot: true}]}, 72 * H)
    const onDemand = cp.onDemand + s.nodes.minSize * node.onDemand
    const spot = cp.onDemand + s.nodes.minSize * node.spot
    expect(e.hourly.onDemand).toBeCloseTo(onDemand, 4)
    expect(e.hourly.spot).toBeCloseTo(spot, 4)
    expect(e.total.onDemand).toBeCloseTo(onDemand * 72, 2)
    expect(e.total.spot).toBeCloseTo(spot * 72, 2)
    expect(e.configured).toBe('spot')
    expect(e.hours).toBe(72)
  })

  it('small for 72h, by hand: (0.048 + 0.096) × 72 on-demand, (0.048 + 0.036) × 72 with spot nodes', () => {
    const e = estimateCost(table, {controlPlane: {instanceType: 't3.medium', count: 1}, nodeGroups: [{name: 'general', instanceType: 't3.large', minSize: 1, spot: true}]}, 72 * H)
    expect(e.total).toEqual({onDemand: 10.37, spot: 6.05})
    const text = formatCostEstimate(e)
    expect(text).toContain('$10.37')
    expect(text).toContain('$6.05  ← this sandbox')
    expect(text).toContain(table.source)
    expect(text).toContain('an estimate')
  })

  it('counts several control planes and on-demand node groups (production-like input)', () => {
    const e = estimateCost(table, {controlPlane: {instanceType: 'm7i.large', count: 3}, nodeGroups: [{name: 'general', instanceType: 'm7i.xlarge', minSize: 3, spot: false}]}, 24 * H)
    expect(e.hourly.onDemand).toBeCloseTo(3 * 0.1208 + 3 * 0.2415, 4)
    expect(e.configured).toBe('on-demand')
  })

  it('fails loudly for an instance type without a price', () => {
    expect(() => estimateCost(table, {controlPlane: {instanceType: 'x9.huge', count: 1}, nodeGroups: []}, H)).toThrow(/no price for x9.huge/)
  })
})
