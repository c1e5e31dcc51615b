import {z} from 'zod'

import {HOUR_MS} from '../config/duration.js'

/** data/prices-eu-central-1.json: a dated, cited table; read through PackageFiles. */
export const priceTableSchema = z
  .object({
    region: z.literal('eu-central-1'),
    currency: z.literal('USD'),
    asOf: z.iso.date(),
    source: z.string().min(1),
    note: z.string().min(1),
    prices: z.record(z.string(), z.object({onDemand: z.number().positive(), spot: z.number().positive()}).strict()),
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

export interface CostInput {
  controlPlane: {instanceType: string; count: number}
  nodeGroups: Array<{name: string; instanceType: string; minSize: number; spot: boolean}>
}

export interface CostLine {
  role: 'control-plane' | 'nodes'
  group: string
  instanceType: string
  count: number
  /** Whether this line runs on spot as configured (the control plane never does). */
  spot: boolean
  /** Per instance, USD per hour. */
  unit: {onDemand: number; spot: number}
}

export interface CostEstimate {
  region: string
  currency: 'USD'
  asOf: string
  source: string
  hours: number
  lines: CostLine[]
  /**
   * USD per hour for the whole cluster at minimum size. `onDemand`: everything on-demand.
   * `spot`: node groups at the spot price, the control plane on-demand (kopsmith never runs
   * etcd on spot).
   */
  hourly: {onDemand: number; spot: number}
  /** hourly × hours, rounded to cents. */
  total: {onDemand: number; spot: number}
  /** Which column this cluster's configuration pays: `spot` when every node group uses spot. */
  configured: 'on-demand' | 'spot'
}

/** The cost of the control plane and every node group at its minimum size, over `ttlMs`. */
export function estimateCost(table: PriceTable, input: CostInput, ttlMs: number): CostEstimate {
  const price = (type: string): {onDemand: number; spot: number} => {
    const p = table.prices[type]
    if (!p) throw new Error(`no price for ${type} in ${PRICE_TABLE_PATH}; add it (AWS public pricing, ${table.region})`)
    return p
  }
  const cp = price(input.controlPlane.instanceType)
  const lines: CostLine[] = [
    {role: 'control-plane', group: 'control-plane', instanceType: input.controlPlane.instanceType, count: input.controlPlane.count, spot: false, unit: {onDemand: cp.onDemand, spot: cp.onDemand}},
    ...input.nodeGroups.map((g): CostLine => ({role: 'nodes', group: g.name, instanceType: g.instanceType, count: g.minSize, spot: g.spot, unit: price(g.instanceType)})),
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
    hours,
    lines,
    hourly: {onDemand: round(hourlyOnDemand, 4), spot: round(hourlySpot, 4)},
    total: {onDemand: round(hourlyOnDemand * hours, 2), spot: round(hourlySpot * hours, 2)},
    configured: input.nodeGroups.every((g) => g.spot) ? 'spot' : 'on-demand',
  }
}

/** The estimate as people read it, with what it leaves out. */
export function formatCostEstimate(e: CostEstimate): string {
  const usd = (n: number, digits: number): string => `$${n.toFixed(digits)}`
  const here = (col: CostEstimate['configured']): string => (e.configured === col ? '  ← this sandbox' : '')
  const rows: Array<[string, string, string]> = [
    ['', 'on-demand', 'with spot nodes'],
    ...e.lines.map((l): [string, string, string] => [
      `${l.role === 'control-plane' ? 'control plane' : `nodes ${l.group}`}  ${l.count} × ${l.instanceType}`,
      `${usd(l.unit.onDemand, 4)}/h`,
      l.role === 'control-plane' ? '(on-demand)' : `${usd(l.unit.spot, 4)}/h`,
    ]),
    ['per hour', usd(e.hourly.onDemand, 4), usd(e.hourly.spot, 4)],
    [`over ${formatHours(e.hours)}`, `${usd(e.total.onDemand, 2)}${here('on-demand')}`, `${usd(e.total.spot, 2)}${here('spot')}`],
  ]
  const w0 = Math.max(...rows.map((r) => r[0].length))
  const w1 = Math.max(...rows.map((r) => r[1].length))
  return [
    `Estimated cost in USD (${e.source}) — an estimate, not a quote:`,
    ...rows.map(([a, b, c]) => `  ${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`.trimEnd()),
    '  Per instance-hour, at minimum size: the autoscaler may add nodes up to maxSize.',
    '  Not included: EBS volumes, NAT gateway, load balancer, data transfer, taxes.',
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
