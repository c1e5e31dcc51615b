import {describe, expect, it} from 'vitest'

import {
  hasSameNameServers,
  isStrictSubdomain,
  longestSuffixZone,
  normalizeDnsName,
  parentZoneCandidates,
  publicZoneCallerReference,
  selectZone,
} from '../../../../src/core/aws/zones.js'
import type {HostedZone} from '../../../../src/ports.js'

const pub = (name: string, id = `Z-${name}`): HostedZone => ({id, name, private: false})
const priv = (name: string, id = `P-${name}`): HostedZone => ({id, name, private: true})

describe('names', () => {
  it.each([
    ['K8S.Acme.DE.', 'k8s.acme.de'],
    [' k8s.acme.de ', 'k8s.acme.de'],
  ])('normalizeDnsName(%j) = %s', (input, out) => expect(normalizeDnsName(input)).toBe(out))

  it.each([
    ['k8s.acme.de', 'acme.de', true],
    ['k8s.acme.de', 'de', true],
    ['k8s.acme.de', 'k8s.acme.de', false],
    ['k8s.xacme.de', 'acme.de', false],
    ['k8s.acme.de.', 'ACME.de', true],
    ['acme.de', 'k8s.acme.de', false],
  ])('isStrictSubdomain(%s, %s) = %s', (name, parent, expected) => expect(isStrictSubdomain(name, parent)).toBe(expected))

  it('lists parent candidates longest first', () => {
    expect(parentZoneCandidates('prod.k8s.acme.de')).toEqual(['k8s.acme.de', 'acme.de', 'de'])
    expect(parentZoneCandidates('de')).toEqual([])
  })

  it('derives a stable caller reference within Route53 limits', () => {
    expect(publicZoneCallerReference('K8s.Acme.de.')).toBe('kopsmith:k8s.acme.de')
    expect(publicZoneCallerReference(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.de`).length).toBeLessThanOrEqual(128)
  })

  it('compares name servers as sets', () => {
    expect(hasSameNameServers(['NS-1.awsdns-01.org.', 'ns-2.awsdns-02.com'], ['ns-2.awsdns-02.com.', 'ns-1.awsdns-01.org'])).toBe(true)
    expect(hasSameNameServers(['ns-1.awsdns-01.org'], ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.com'])).toBe(false)
    expect(hasSameNameServers(undefined, ['ns-1.awsdns-01.org'])).toBe(false)
  })
})

describe('longestSuffixZone', () => {
  it.each<[string, HostedZone[], 'public' | 'private', string | undefined]>([
    ['picks the longest public suffix', [pub('de'), pub('acme.de'), pub('k8s.acme.de')], 'public', 'k8s.acme.de'],
    ['ignores zones of the other kind, even longer ones', [pub('acme.de'), priv('k8s.acme.de')], 'public', 'acme.de'],
    ['never the zone itself', [pub('prod.k8s.acme.de'), pub('acme.de')], 'public', 'acme.de'],
    ['not a label-boundary suffix', [pub('cme.de'), pub('de')], 'public', 'de'],
    ['nothing matching', [pub('example.com')], 'public', undefined],
  ])('%s', (_name, zones, kind, expected) => {
    const match = longestSuffixZone('prod.k8s.acme.de', zones, kind)
    expect(match.status === 'found' ? match.zone.name : undefined).toBe(expected)
  })

  it('is ambiguous with two zones of the same longest name', () => {
    expect(longestSuffixZone('k8s.acme.de', [pub('acme.de', 'Z1'), pub('acme.de', 'Z2'), pub('de')], 'public')).toEqual({status: 'ambiguous', zones: [pub('acme.de', 'Z1'), pub('acme.de', 'Z2')]})
  })
})

describe('selectZone', () => {
  it.each<[string, HostedZone[], 'public' | 'private', string]>([
    ['public found', [pub('k8s.acme.de')], 'public', 'found'],
    ['public found next to a private twin', [priv('k8s.acme.de'), pub('k8s.acme.de')], 'public', 'found'],
    ['public missing, private twin ignored', [priv('k8s.acme.de')], 'public', 'missing'],
    ['two public zones', [pub('k8s.acme.de', 'Z1'), pub('k8s.acme.de', 'Z2')], 'public', 'conflict'],
    ['private found next to a public twin (split horizon)', [pub('k8s.acme.de'), priv('k8s.acme.de')], 'private', 'found'],
    ['private missing: kops creates it', [], 'private', 'missing'],
    ['private wanted, only a public zone', [pub('k8s.acme.de')], 'private', 'conflict'],
    ['two private zones', [priv('k8s.acme.de', 'P1'), priv('k8s.acme.de', 'P2')], 'private', 'conflict'],
    ['other names are not considered', [pub('acme.de')], 'private', 'missing'],
  ])('%s', (_name, zones, kind, status) => {
    expect(selectZone('k8s.acme.de', zones, kind).status).toBe(status)
  })

  it('picks the zone of the wanted kind', () => {
    expect(selectZone('k8s.acme.de', [pub('k8s.acme.de', 'Z1'), priv('k8s.acme.de', 'P1')], 'private')).toEqual({status: 'found', zone: priv('k8s.acme.de', 'P1')})
  })
})
