import {z} from 'zod'

import {HOUR_MS} from '../config/duration.js'
import type {ClusterConfig} from '../config/types.js'

/** data/prices-eu-central-1.json: a dated, cited table; read through PackageFiles. */
export const priceTableSchema = z
  .object({
    region: z.literal('eu-central-1'),
    currency: z.literal('USD'),
    asOf: z.iso.date(),
    source: z.string().min(1),
    note: z.string().min(1),
    prices: z.record(z.string(), z.object({onDemand: z.number().positive(), spot: z.number().positive()}).strict()),
    /** What a cluster costs besides its instances; dated and cited on its own, as it comes from other price pages. */
    infrastructure: z
      .object({
        asOf: z.iso.date(),
        source: z.string().min(1),
        natGatewayPerHour: z.number().positive(),
        networkLoadBalancerPerHour: z.number().positive(),
        ebsGp3PerGbMonth: z.number().positive(),
        /** AWS prorates GB-month prices by the hour; its calculator counts 730 hours a month. */
        hoursPerMonth: z.number().positive(),
      })
      .strict(),
  })
  .strict()

export type PriceTable = z.infer<typeof priceTableSchema>

export const PRICE_TABLE_PATH = 'data/prices-eu-central-1.json'

/** The price table shipped in the package; a broken table is a bug in kopsmith, not a user error. */
export function parsePriceTable(text: string): PriceTable {
  const parsed = priceTableSchema.safeParse(JSON.parse(text))
  if (!parsed.success) throw new Error(`${PRICE_TABLE_PATH} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  return parsed.data
}

/**
 * The EBS volumes kops creates when the spec leaves their size unset, as kopsmith's templates do
 * (a unit test keeps the templates free of sizes): root volumes per role
 * (`pkg/model/defaults/volumes.go`: control plane 64 GiB, node 128 GiB) and, per control-plane
 * member, one volume for each of the etcd clusters main and events (`pkg/model/master_volumes.go`:
 * DefaultEtcdVolumeSize 20 GiB). All gp3 at its included baseline IOPS and throughput.
 */
export const KOPS_DEFAULT_VOLUMES_GIB = {controlPlaneRoot: 64, nodeRoot: 128, etcdMember: 20, etcdClusters: 2} as const

export interface CostInput {
  /** One NAT gateway per zone: kops gives each private subnet its own, in that zone's utility subnet. */
  zones: number
  controlPlane: {instanceType: string; count: number}
  nodeGroups: Array<{name: string; instanceType: string; minSize: number; spot: boolean}>
  /** The ingress addon's Service gets a Network Load Balancer of its own, beside the API's. */
  ingress: boolean
}

/** What the estimate needs from a cluster file, as loaded (profile defaults applied). */
export function costInputOf(config: Pick<ClusterConfig, 'zones' | 'controlPlane' | 'nodeGroups' | 'addons'>): CostInput {
  return {
    zones: config.zones.length,
    controlPlane: {instanceType: config.controlPlane.instanceType, count: config.controlPlane.count},
    nodeGroups: config.nodeGroups.map((g) => ({name: g.name, instanceType: g.instanceType, minSize: g.minSize, spot: g.spot})),
    ingress: config.addons.ingress.enabled,
  }
}

export interface CostLine {
  role: 'control-plane' | 'nodes' | 'nat-gateway' | 'load-balancer' | 'ebs'
  group: string
  /** Instance type, or what the line counts (`API, ingress`, `gp3 GiB: …`). */
  detail: string
  count: number
  /** Whether this line runs on spot as configured (only node groups can). */
  spot: boolean
  /** Per unit (instance, gateway, load balancer, GiB), USD per hour. */
  unit: {onDemand: number; spot: number}
}

export interface CostEstimate {
  region: string
  currency: 'USD'
  asOf: string
  source: string
  /** The date and source of the NAT gateway, load balancer and EBS prices. */
  infrastructure: {asOf: string; source: string}
  hours: number
  lines: CostLine[]
  /**
   * USD per hour for the whole cluster at minimum size. `onDemand`: everything on-demand.
   * `spot`: node groups at the spot price, the rest as it is (kopsmith never runs etcd on spot).
   */
  hourly: {onDemand: number; spot: number}
  /** hourly × hours, rounded to cents. */
  total: {onDemand: number; spot: number}
  /** Which column this cluster's configuration pays: `spot` when every node group uses spot. */
  configured: 'on-demand' | 'spot'
}

/**
 * The cost of a cluster at its minimum size over `ttlMs`: the control plane and every node group,
 * the NAT gateways, the load balancers (the API's and the ingress') and the EBS volumes (root and
 * etcd), each by the hour.
 */
export function estimateCost(table: PriceTable, input: CostInput, ttlMs: number): CostEstimate {
  const price = (type: string): {onDemand: number; spot: number} => {
    const p = table.prices[type]
    if (!p) throw new Error(`no price for ${type} in ${PRICE_TABLE_PATH}; add it (AWS public pricing, ${table.region})`)
    return p
  }
  const infra = table.infrastructure
  const same = (usd: number) => ({onDemand: usd, spot: usd})
  const cp = price(input.controlPlane.instanceType)
  const nodes = input.nodeGroups.reduce((n, g) => n + g.minSize, 0)
  const v = KOPS_DEFAULT_VOLUMES_GIB
  const etcd = input.controlPlane.count * v.etcdClusters * v.etcdMember
  const gib = input.controlPlane.count * v.controlPlaneRoot + nodes * v.nodeRoot + etcd
  const balancers = ['API', ...(input.ingress ? ['ingress'] : [])]
  const lines: CostLine[] = [
    {role: 'control-plane', group: 'control plane', detail: input.controlPlane.instanceType, count: input.controlPlane.count, spot: false, unit: same(cp.onDemand)},
    ...input.nodeGroups.map((g): CostLine => ({role: 'nodes', group: `nodes ${g.name}`, detail: g.instanceType, count: g.minSize, spot: g.spot, unit: price(g.instanceType)})),
    {role: 'nat-gateway', group: 'NAT gateway', detail: 'one per zone', count: input.zones, spot: false, unit: same(infra.natGatewayPerHour)},
    {role: 'load-balancer', group: 'load balancer', detail: `NLB: ${balancers.join(', ')}`, count: balancers.length, spot: false, unit: same(infra.networkLoadBalancerPerHour)},
    {
      role: 'ebs',
      group: 'EBS gp3',
      detail: `GiB: root ${input.controlPlane.count}×${v.controlPlaneRoot} + ${nodes}×${v.nodeRoot}, etcd ${input.controlPlane.count * v.etcdClusters}×${v.etcdMember}`,
      count: gib,
      spot: false,
      unit: same(infra.ebsGp3PerGbMonth / infra.hoursPerMonth),
    },
  ]
  const sum = (pick: (l: CostLine) => number): number => lines.reduce((acc, l) => acc + l.count * pick(l), 0)
  const hourlyOnDemand = sum((l) => l.unit.onDemand)
  const hourlySpot = sum((l) => l.unit.spot)
  const hours = ttlMs / HOUR_MS
  return {
    region: table.region,
    currency: table.currency,
    asOf: table.asOf,
    source: table.source,
    infrastructure: {asOf: infra.asOf, source: infra.source},
    hours,
    lines,
    hourly: {onDemand: round(hourlyOnDemand, 4), spot: round(hourlySpot, 4)},
    total: {onDemand: round(hourlyOnDemand * hours, 2), spot: round(hourlySpot * hours, 2)},
    configured: input.nodeGroups.every((g) => g.spot) ? 'spot' : 'on-demand',
  }
}

/** The price per hour this configuration pays (spot nodes where it runs them), for menus. */
export function configuredHourly(e: CostEstimate): number {
  return e.configured === 'spot' ? e.hourly.spot : e.hourly.onDemand
}

/** The estimate as people read it, line by line per hour, with what it leaves out. */
export function formatCostEstimate(e: CostEstimate): string {
  const usd = (n: number, digits: number): string => `$${n.toFixed(digits)}`
  const here = (col: CostEstimate['configured']): string => (e.configured === col ? '  ← this sandbox' : '')
  const gw = Math.max(...e.lines.map((l) => l.group.length))
  const rows: Array<[string, string, string]> = [
    ['', 'on-demand', 'with spot nodes'],
    ...e.lines.map((l): [string, string, string] => [
      `${l.group.padEnd(gw)}  ${l.role === 'ebs' ? `${l.count} ${l.detail}` : `${l.count} × ${l.detail}`}`,
      `${usd(l.count * l.unit.onDemand, 4)}/h`,
      l.role === 'nodes' ? `${usd(l.count * l.unit.spot, 4)}/h` : '(same)',
    ]),
    ['per hour', usd(e.hourly.onDemand, 4), usd(e.hourly.spot, 4)],
    [`over ${formatHours(e.hours)}`, `${usd(e.total.onDemand, 2)}${here('on-demand')}`, `${usd(e.total.spot, 2)}${here('spot')}`],
  ]
  const w0 = Math.max(...rows.map((r) => r[0].length))
  const w1 = Math.max(...rows.map((r) => r[1].length))
  return [
    `Estimated cost in USD (${e.source}; ${e.infrastructure.source}) — an estimate, not a quote:`,
    ...rows.map(([a, b, c]) => `  ${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`.trimEnd()),
    '  At minimum size: the autoscaler may add nodes (and their volumes) up to maxSize.',
    '  Not included: data transfer, NAT and load balancer data processing, public IPv4 addresses, snapshots, KMS, Route 53, taxes.',
  ].join('\n')
}

function formatHours(hours: number): string {
  const h = Number.isInteger(hours) ? `${hours}h` : `${hours.toFixed(1)}h`
  return hours >= 24 && Number.isInteger(hours / 24) ? `${h} (${hours / 24} day${hours === 24 ? '' : 's'})` : h
}

function round(value: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
