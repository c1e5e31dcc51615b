import {excludeCidr} from 'cidr-tools'
import {describe, expect, it} from 'vitest'

import {describeExposure, parseAccessCidr, publicExposure} from '../../../../src/core/net/exposure.js'

/** The /8s of IPv4 that hold public addresses: listing them all opens the whole internet. */
const PUBLIC_SLASH_8S = Array.from({length: 224}, (_, i) => i).filter((i) => ![0, 10, 127].includes(i)).map((i) => `${i}.0.0.0/8`)

describe('publicExposure: what an access list admits together', () => {
  it.each([
    ['0.0.0.0/0', ['0.0.0.0/0']],
    ['two halves', ['0.0.0.0/1', '128.0.0.0/1']],
    ['every public /8, one by one', PUBLIC_SLASH_8S],
    ['overlapping pieces', ['0.0.0.0/2', '32.0.0.0/3', '64.0.0.0/2', '128.0.0.0/1', '100.0.0.0/8']],
  ])('IPv4 %s: the whole internet', (_what, cidrs) => {
    expect(publicExposure(cidrs)).toEqual([expect.objectContaining({family: 'ipv4', wholeInternet: true, tooOpen: true})])
  })

  it.each([
    ['::/0', ['::/0']],
    ['two halves', ['::/1', '8000::/1']],
    ['global unicast', ['2000::/3']],
    ['global unicast in pieces', ['2000::/4', '3000::/4']],
  ])('IPv6 %s: the whole internet', (_what, cidrs) => {
    expect(publicExposure(cidrs)).toEqual([expect.objectContaining({family: 'ipv6', wholeInternet: true, tooOpen: true})])
  })

  it('the internet less one address is refused too: the limit is on what is admitted, not on covering everything', () => {
    const allBut8888 = excludeCidr(['0.0.0.0/0'], ['8.8.8.8/32'])
    expect(allBut8888).toHaveLength(32)
    const [exposure] = publicExposure(allBut8888)
    expect(exposure).toMatchObject({wholeInternet: false, tooOpen: true})
  })

  it('private, shared and special-purpose ranges admit nobody from the internet', () => {
    expect(publicExposure(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '240.0.0.0/4'])).toEqual([
      {family: 'ipv4', publicAddresses: 0n, wholeInternet: false, tooOpen: false},
    ])
    expect(publicExposure(['fc00::/7', 'fe80::/10', '2001:db8::/32', '::1/128'])).toEqual([{family: 'ipv6', publicAddresses: 0n, wholeInternet: false, tooOpen: false}])
  })

  it('a /8 of public addresses is the limit; more is refused, and duplicates count once', () => {
    expect(publicExposure(['11.0.0.0/8'])[0]).toMatchObject({publicAddresses: 2n ** 24n, tooOpen: false})
    expect(publicExposure(['11.0.0.0/8', '11.0.0.0/8', '11.1.0.0/16'])[0]).toMatchObject({publicAddresses: 2n ** 24n, tooOpen: false})
    expect(publicExposure(['11.0.0.0/8', '12.0.0.0/32'])[0]).toMatchObject({publicAddresses: 2n ** 24n + 1n, tooOpen: true})
    expect(publicExposure(['8.0.0.0/7'])[0]).toMatchObject({tooOpen: true})
    // 10.0.0.0/7 is half private: only 11.0.0.0/8 of it is public.
    expect(publicExposure(['10.0.0.0/7'])[0]).toMatchObject({publicAddresses: 2n ** 24n, tooOpen: false})
  })

  it('IPv6: a /32 is the limit', () => {
    expect(publicExposure(['2a00:1450::/32'])[0]).toMatchObject({tooOpen: false})
    expect(publicExposure(['2a00:1450::/31'])[0]).toMatchObject({tooOpen: true})
  })

  it('judges each family on its own', () => {
    const exposures = publicExposure(['10.0.0.0/8', '::/1', '8000::/1'])
    expect(exposures.map((e) => [e.family, e.tooOpen])).toEqual([
      ['ipv4', false],
      ['ipv6', true],
    ])
  })

  it('says what is open, in words', () => {
    const [whole] = publicExposure(['0.0.0.0/1', '128.0.0.0/1'])
    expect(describeExposure(whole!, 'the Kubernetes API')).toBe('together these CIDRs open the Kubernetes API to the whole IPv4 internet; kopsmith allows one access list at most a /8 of public IPv4 addresses')
    const [part] = publicExposure(['8.0.0.0/7'])
    expect(describeExposure(part!, 'SSH')).toContain('33,554,432 public IPv4 addresses')
  })
})

describe('parseAccessCidr', () => {
  it.each([
    ['10.0.0.0/8', 'ipv4', '10.0.0.0/8'],
    ['10.1.2.3/8', 'ipv4', '10.0.0.0/8'],
    ['2001:db8::1/32', 'ipv6', '2001:db8::/32'],
  ])('%s', (text, family, canonical) => {
    expect(parseAccessCidr(text)).toEqual({ok: true, family, canonical})
  })

  it.each(['10.0.0/8', '300.0.0.0/8', '010.0.0.0/8', '10.0.0.0/33', '::/129', '2001:db8:::1/64', 'fe80::1%eth0/64', '10.0.0.0/8/8', 'everyone', '10.0.0.0'])('refuses %s', (text) => {
    expect(parseAccessCidr(text).ok).toBe(false)
  })
})
