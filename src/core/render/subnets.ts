import {Netmask} from 'netmask'

import {privateSubnetName, utilitySubnetName} from '../naming.js'

export interface DerivedSubnet {
  name: string
  zone: string
  type: 'Private' | 'Utility'
  cidr: string
}

/**
 * The network is cut into eighths. Zone `a` gets eighth 0 as its private subnet, `b` eighth 1, …,
 * up to `g`; the last eighth is cut into eighths again for the utility subnets (NAT gateways and
 * load balancers need few addresses). A /16 gives /19 private and /22 utility subnets.
 *
 * Each subnet depends only on its zone's letter, never on how many zones there are or their order,
 * so adding a zone later never moves an existing subnet.
 */
const PRIVATE_EXTRA_BITS = 3
const UTILITY_EXTRA_BITS = 6
const MAX_ZONE_INDEX = (1 << PRIVATE_EXTRA_BITS) - 2
/** AWS allows VPCs from /16 to /28; utility subnets are 6 bits smaller and AWS subnets stop at /28. */
export const NETWORK_PREFIX_RANGE = {min: 16, max: 28 - UTILITY_EXTRA_BITS} as const

/** Why `cidr` and `zones` cannot be laid out, or undefined when they can. For validation messages. */
export function subnetPlanProblem(cidr: string, zones: readonly string[]): string | undefined {
  let network: Netmask
  try {
    network = new Netmask(cidr)
  } catch {
    return `"${cidr}" is not an IPv4 CIDR`
  }
  if (network.bitmask < NETWORK_PREFIX_RANGE.min || network.bitmask > NETWORK_PREFIX_RANGE.max) {
    return `the network must be between /${NETWORK_PREFIX_RANGE.min} and /${NETWORK_PREFIX_RANGE.max} (got /${network.bitmask}) so each zone gets a private and a utility subnet`
  }
  if (network.base !== cidr.split('/')[0]) return `"${cidr}" is not a network address; did you mean ${network.toString()}?`
  for (const zone of zones) {
    const index = zoneIndex(zone)
    if (index === undefined || index > MAX_ZONE_INDEX) {
      return `zone "${zone}" must end in a letter from a to ${String.fromCharCode(97 + MAX_ZONE_INDEX)}`
    }
  }
  if (new Set(zones).size !== zones.length) return 'zones must not repeat'
  return undefined
}

/** Private subnets (one per zone, in zone order) followed by utility subnets (one per zone). */
export function deriveSubnets(cidr: string, zones: readonly string[]): DerivedSubnet[] {
  const problem = subnetPlanProblem(cidr, zones)
  if (problem) throw new Error(`cannot derive subnets from ${cidr}: ${problem}`)
  const network = new Netmask(cidr)
  const firstPrivate = new Netmask(network.base, network.bitmask + PRIVATE_EXTRA_BITS)
  const utilityBlock = firstPrivate.next(MAX_ZONE_INDEX + 1)
  const firstUtility = new Netmask(utilityBlock.base, network.bitmask + UTILITY_EXTRA_BITS)
  const at = (first: Netmask, index: number): string => (index === 0 ? first : first.next(index)).toString()
  const indexed = zones.map((zone) => ({zone, index: zoneIndex(zone) as number}))
  return [
    ...indexed.map(({zone, index}) => ({name: privateSubnetName(zone), zone, type: 'Private' as const, cidr: at(firstPrivate, index)})),
    ...indexed.map(({zone, index}) => ({name: utilitySubnetName(zone), zone, type: 'Utility' as const, cidr: at(firstUtility, index)})),
  ]
}

function zoneIndex(zone: string): number | undefined {
  const letter = /\d([a-z])$/.exec(zone)?.[1]
  return letter === undefined ? undefined : letter.charCodeAt(0) - 97
}
