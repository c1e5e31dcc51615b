import {Netmask} from 'netmask'
import {describe, expect, it} from 'vitest'

import {deriveSubnets, subnetPlanProblem} from '../../../../src/core/render/subnets.js'

const zones = (...letters: string[]): string[] => letters.map((l) => `eu-central-1${l}`)

function range(cidr: string): [number, number] {
  const block = new Netmask(cidr)
  return [block.netLong, block.netLong + block.size - 1]
}

describe('deriveSubnets', () => {
  it('cuts a /16 into /19 private and /22 utility subnets, utility carved from the last eighth', () => {
    expect(deriveSubnets('10.20.0.0/16', zones('a', 'b', 'c'))).toEqual([
      {name: 'eu-central-1a', zone: 'eu-central-1a', type: 'Private', cidr: '10.20.0.0/19'},
      {name: 'eu-central-1b', zone: 'eu-central-1b', type: 'Private', cidr: '10.20.32.0/19'},
      {name: 'eu-central-1c', zone: 'eu-central-1c', type: 'Private', cidr: '10.20.64.0/19'},
      {name: 'utility-eu-central-1a', zone: 'eu-central-1a', type: 'Utility', cidr: '10.20.224.0/22'},
      {name: 'utility-eu-central-1b', zone: 'eu-central-1b', type: 'Utility', cidr: '10.20.228.0/22'},
      {name: 'utility-eu-central-1c', zone: 'eu-central-1c', type: 'Utility', cidr: '10.20.232.0/22'},
    ])
  })

  it('scales with the network size: a /20 gives /23 private and /26 utility subnets', () => {
    expect(deriveSubnets('172.16.48.0/20', zones('a')).map((s) => s.cidr)).toEqual(['172.16.48.0/23', '172.16.62.0/26'])
  })

  const networks = ['10.0.0.0/16', '10.255.0.0/16', '172.31.0.0/17', '172.16.64.0/18', '192.168.16.0/20', '10.100.64.0/21', '10.1.4.0/22']
  const zoneSets = [zones('a'), zones('b'), zones('a', 'b'), zones('c', 'a'), zones('a', 'b', 'c'), zones('a', 'b', 'c', 'd', 'e', 'f', 'g')]

  describe.each(networks)('in %s', (network) => {
    const outer = new Netmask(network)

    it.each(zoneSets.map((z) => [z.join(','), z]))('zones %s: one private and one utility subnet per zone, all inside the network, none overlapping', (_label, zoneList) => {
      const subnets = deriveSubnets(network, zoneList)
      expect(subnets).toHaveLength(zoneList.length * 2)
      expect(subnets.filter((s) => s.type === 'Private').map((s) => s.zone)).toEqual(zoneList)
      expect(subnets.filter((s) => s.type === 'Utility').map((s) => s.zone)).toEqual(zoneList)
      for (const subnet of subnets) {
        expect(outer.contains(new Netmask(subnet.cidr)), `${subnet.cidr} inside ${network}`).toBe(true)
        expect(new Netmask(subnet.cidr).toString()).toBe(subnet.cidr)
        expect(new Netmask(subnet.cidr).bitmask).toBe(outer.bitmask + (subnet.type === 'Private' ? 3 : 6))
      }
      const ranges = subnets.map((s) => range(s.cidr)).sort((a, b) => a[0] - b[0])
      for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0], `overlap in ${JSON.stringify(subnets)}`).toBeGreaterThan(ranges[i - 1]![1])
    })
  })

  it('never moves a subnet when zones are added or reordered', () => {
    const one = deriveSubnets('10.20.0.0/16', zones('a'))
    const three = deriveSubnets('10.20.0.0/16', zones('c', 'b', 'a'))
    for (const subnet of one) expect(three).toContainEqual(subnet)
    const b = deriveSubnets('10.20.0.0/16', zones('b')).find((s) => s.type === 'Private')
    expect(b?.cidr).toBe('10.20.32.0/19')
  })
})

describe('subnetPlanProblem', () => {
  it.each([
    ['10.0.0.0/15', zones('a'), 'between /16 and /22'],
    ['10.0.0.0/23', zones('a'), 'between /16 and /22'],
    ['10.20.1.0/16', zones('a'), 'did you mean 10.20.0.0/16'],
    ['10.20.0.0/16', zones('a', 'h'), 'must end in a letter from a to g'],
    ['10.20.0.0/16', ['eu-central-1'], 'must end in a letter'],
    ['10.20.0.0/16', zones('a', 'a'), 'must not repeat'],
    ['not-a-cidr', zones('a'), 'is not an IPv4 CIDR'],
  ])('%s with %j: %s', (cidr, zoneList, message) => {
    expect(subnetPlanProblem(cidr, zoneList)).toContain(message)
    expect(() => deriveSubnets(cidr, zoneList)).toThrow(message)
  })

  it('accepts what the cluster file validator accepts (/16 to /20, zones a to c)', () => {
    for (const network of ['10.20.0.0/16', '172.16.0.0/20']) expect(subnetPlanProblem(network, zones('a', 'b', 'c'))).toBeUndefined()
  })
})
