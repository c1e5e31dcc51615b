import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {KOPS_DEFAULT_VOLUMES_GIB, costInputOf, estimateCost, formatCostEstimate, parsePriceTable, type CostInput} from '../../../../src/core/sandbox/cost.js'
import {SANDBOX_SIZES, SANDBOX_SIZE_NAMES} from '../../../../src/core/sandbox/sizes.js'
import {GOLDEN_CASES, loadConfig, renderCase} from '../../../golden/cases.js'

const raw = readFileSync(new URL('../../../../data/prices-eu-central-1.json', import.meta.url), 'utf8')
const table = parsePriceTable(raw)
const infra = table.infrastructure
const H = 3_600_000
const GIB_HOUR = infra.ebsGp3PerGbMonth / infra.hoursPerMonth

/** What a cluster costs per hour besides its instances: NAT per zone, NLBs, root and etcd volumes. */
function fixedHourly(input: CostInput): number {
  const nodes = input.nodeGroups.reduce((n, g) => n + g.minSize, 0)
  const gib = input.controlPlane.count * (64 + 2 * 20) + nodes * 128
  return input.zones * infra.natGatewayPerHour + (input.ingress ? 2 : 1) * infra.networkLoadBalancerPerHour + gib * GIB_HOUR
}

const sandbox = (size: (typeof SANDBOX_SIZE_NAMES)[number]): CostInput => {
  const s = SANDBOX_SIZES[size]
  return {zones: 1, controlPlane: {instanceType: s.controlPlane, count: 1}, nodeGroups: [{name: 'general', instanceType: s.nodes.instanceType, minSize: s.nodes.minSize, spot: true}], ingress: true}
}

describe('the shipped price table', () => {
  it('is dated, cited and says it is an estimate, the infrastructure prices too', () => {
    expect(table.region).toBe('eu-central-1')
    expect(table.source).toBe(`AWS public pricing, eu-central-1, Linux, as of ${table.asOf}`)
    expect(table.note).toMatch(/^Estimate/)
    expect(infra.source).toMatch(new RegExp(`^AWS public pricing, eu-central-1: Amazon VPC \\(NAT gateway per hour\\), Elastic Load Balancing \\(Network Load Balancer per hour\\), Amazon EBS \\(gp3 per GB-month\\), as of ${infra.asOf}$`))
    expect(infra.hoursPerMonth).toBe(730)
  })

  it('prices every instance type the wizard offers, spot below on-demand', () => {
    const offered = SANDBOX_SIZE_NAMES.flatMap((s) => [SANDBOX_SIZES[s].controlPlane, SANDBOX_SIZES[s].nodes.instanceType])
    for (const type of ['t3.medium', 't3.large', 't3.xlarge', 'm7i.large', 'm7i.xlarge', ...offered]) {
      const price = table.prices[type]
      expect(price, type).toBeDefined()
      expect(price?.spot, type).toBeLessThan(price?.onDemand ?? 0)
    }
  })

  it('rejects a table without a date, or without the infrastructure prices', () => {
    const broken = JSON.parse(raw) as Record<string, unknown>
    delete broken.asOf
    expect(() => parsePriceTable(JSON.stringify(broken))).toThrow(/asOf/)
    const noInfra = JSON.parse(raw) as Record<string, unknown>
    delete noInfra.infrastructure
    expect(() => parsePriceTable(JSON.stringify(noInfra))).toThrow(/infrastructure/)
  })
})

describe('estimateCost', () => {
  it.each(SANDBOX_SIZE_NAMES)('size %s: instances at min size, one NAT gateway, two NLBs and the volumes, over the ttl', (size) => {
    const s = SANDBOX_SIZES[size]
    const cp = table.prices[s.controlPlane]!
    const node = table.prices[s.nodes.instanceType]!
    const input = sandbox(size)
    const e = estimateCost(table, input, 72 * H)
    const onDemand = cp.onDemand + s.nodes.minSize * node.onDemand + fixedHourly(input)
    const spot = cp.onDemand + s.nodes.minSize * node.spot + fixedHourly(input)
    expect(e.hourly.onDemand).toBeCloseTo(onDemand, 4)
    expect(e.hourly.spot).toBeCloseTo(spot, 4)
    expect(e.total.onDemand).toBeCloseTo(onDemand * 72, 2)
    expect(e.total.spot).toBeCloseTo(spot * 72, 2)
    expect(e.configured).toBe('spot')
    expect(e.hours).toBe(72)
  })

  it('small for 72h, by hand', () => {
    const e = estimateCost(table, sandbox('small'), 72 * H)
    // Per hour: t3.medium 0.048 + t3.large 0.096 (spot 0.036) + NAT 0.052 + 2 × NLB 0.027 + (64 + 128 + 40) GiB × 0.0952 / 730.
    const fixed = 0.052 + 2 * 0.027 + (232 * 0.0952) / 730
    expect(e.total).toEqual({onDemand: Math.round((0.048 + 0.096 + fixed) * 72 * 100) / 100, spot: Math.round((0.048 + 0.036 + fixed) * 72 * 100) / 100})
    expect(e.lines.map((l) => [l.role, l.count])).toEqual([['control-plane', 1], ['nodes', 1], ['nat-gateway', 1], ['load-balancer', 2], ['ebs', 232]])
    const text = formatCostEstimate(e)
    expect(text).toContain(`$${e.total.spot.toFixed(2)}  ← this sandbox`)
    expect(text).toMatch(/NAT gateway\s+1 × one per zone\s+\$0\.0520\/h\s+\(same\)/)
    expect(text).toMatch(/load balancer\s+2 × NLB: API, ingress\s+\$0\.0540\/h/)
    expect(text).toMatch(/EBS gp3\s+232 GiB: root 1×64 \+ 1×128, etcd 2×20\s+\$0\.0303\/h/)
    expect(text).toContain(table.source)
    expect(text).toContain(infra.source)
    expect(text).toContain('an estimate')
    expect(text).toContain('Not included: data transfer, NAT and load balancer data processing')
  })

  it('counts several zones, control planes and on-demand node groups; no ingress, one NLB (production-like input)', () => {
    const input: CostInput = {zones: 3, controlPlane: {instanceType: 'm7i.large', count: 3}, nodeGroups: [{name: 'general', instanceType: 'm7i.xlarge', minSize: 3, spot: false}], ingress: false}
    const e = estimateCost(table, input, 24 * H)
    expect(e.hourly.onDemand).toBeCloseTo(3 * 0.1208 + 3 * 0.2415 + 3 * 0.052 + 0.027 + (3 * (64 + 40) + 3 * 128) * GIB_HOUR, 4)
    expect(e.configured).toBe('on-demand')
  })

  it('fails loudly for an instance type without a price', () => {
    expect(() => estimateCost(table, {zones: 1, controlPlane: {instanceType: 'x9.huge', count: 1}, nodeGroups: [], ingress: true}, H)).toThrow(/no price for x9.huge/)
  })
})

describe('what the estimate assumes about the rendered cluster', () => {
  it.each(GOLDEN_CASES.map((c) => c.name))('%s: kops picks the volume sizes (none set), a NAT gateway per zone (no egress set), an NLB for the API', async (name) => {
    const c = GOLDEN_CASES.find((g) => g.name === name)!
    const rendered = await renderCase(c)
    const spec = rendered.cluster.spec as {etcdClusters: Array<{name: string; etcdMembers: Array<Record<string, unknown>>}>; subnets: Array<{type: string; zone: string; egress?: string}>; api: {loadBalancer: {class: string}}}
    for (const ig of rendered.instanceGroups) {
      const igSpec = ig.spec as Record<string, unknown>
      expect(igSpec.rootVolumeSize ?? (igSpec.rootVolume as {size?: number} | undefined)?.size, ig.metadata.name).toBeUndefined()
    }
    expect(spec.etcdClusters.map((e) => e.name).sort()).toEqual(['events', 'main'])
    expect(KOPS_DEFAULT_VOLUMES_GIB.etcdClusters).toBe(spec.etcdClusters.length)
    for (const member of spec.etcdClusters.flatMap((e) => e.etcdMembers)) expect(member.volumeSize).toBeUndefined()
    const privateSubnets = spec.subnets.filter((s) => s.type === 'Private')
    expect(privateSubnets.every((s) => s.egress === undefined)).toBe(true)
    expect(privateSubnets.length).toBe(costInputOf(loadConfig(c.file)).zones)
    expect(spec.api.loadBalancer.class).toBe('Network')
  })

  it("the ingress addon's Service asks AWS for an NLB", () => {
    const service = readFileSync(new URL('../../../../addons/ingress/service.yaml', import.meta.url), 'utf8')
    expect(service).toMatch(/service\.beta\.kubernetes\.io\/aws-load-balancer-type: nlb/)
    expect(service).toMatch(/type: LoadBalancer/)
  })
})
