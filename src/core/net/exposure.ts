import {excludeCidr, mergeCidr, normalizeCidr, parseCidr} from 'cidr-tools'

/**
 * When does an access list (API, SSH, NodePort) "open the internet"? Not only when it holds
 * `0.0.0.0/0`: `0.0.0.0/1` + `128.0.0.0/1`, or a few hundred /8s, admit exactly the same sources.
 * So the rule is about what the list's CIDRs admit TOGETHER (their union), per address family:
 *
 * - public addresses are those the internet can route: IPv4 outside the IANA special-purpose
 *   blocks that are not globally reachable (RFC 6890 / RFC 8190: private, shared CGNAT, loopback,
 *   link-local, documentation, benchmarking, multicast, reserved…); IPv6 inside global unicast
 *   `2000::/3`, less the documentation prefix `2001:db8::/32`;
 * - a list is refused when its union admits more public addresses than one /8 (IPv4, 16,777,216)
 *   or one /32 (IPv6, the usual allocation to a whole network operator). That is far more than any
 *   corporate or VPN network, and it closes the gap a plain "covers everything" rule leaves open:
 *   the whole internet minus one address is as open as the whole internet.
 *
 * The set arithmetic (merge, subtract, normalise) is cidr-tools'. It parses leniently (`300.0.0.0/8`
 * comes out as some other network), so every CIDR is checked strictly first: IPv4 as four dotted
 * decimals, IPv6 by the WHATWG URL parser's IPv6 grammar (no third library on the start-up path).
 */

/** An IPv4 CIDR written as kops (Go's net.ParseCIDR) and the cluster file accept it. */
export const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/
const IPV6_PREFIX = /^(12[0-8]|1[01]\d|[1-9]?\d)$/

/** IPv4 blocks whose addresses are not reachable from the internet (IANA IPv4 special-purpose registry). */
export const NON_PUBLIC_IPV4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
] as const


/** The most public addresses one access list may admit, per family. */
export const PUBLIC_LIMIT = {
  ipv4: {prefix: 8, addresses: 2n ** 24n},
  ipv6: {prefix: 32, addresses: 2n ** 96n},
} as const

/** The non-public blocks and the size of the public internet, per family; computed on first use, not at start-up. */
let spaces: Record<Family, {nonPublic: string[]; allPublic: bigint}> | undefined

function addressSpaces(): Record<Family, {nonPublic: string[]; allPublic: bigint}> {
  if (!spaces) {
    // IPv6 outside global unicast, plus the documentation prefix.
    const nonPublicIpv6 = excludeCidr(['::/0'], excludeCidr(['2000::/3'], ['2001:db8::/32']))
    spaces = {
      ipv4: {nonPublic: [...NON_PUBLIC_IPV4], allPublic: countAddresses(excludeCidr(['0.0.0.0/0'], [...NON_PUBLIC_IPV4]))},
      ipv6: {nonPublic: nonPublicIpv6, allPublic: countAddresses(excludeCidr(['::/0'], nonPublicIpv6))},
    }
  }
  return spaces
}

export type Family = 'ipv4' | 'ipv6'

export interface Exposure {
  family: Family
  /** Public addresses the list admits together. */
  publicAddresses: bigint
  /** Every public address of the family is admitted: the list is open to the whole internet. */
  wholeInternet: boolean
  /** More public addresses than PUBLIC_LIMIT allows. */
  tooOpen: boolean
}

/** A CIDR written as kops and the cluster file expect it (`10.0.0.0/8`, `2001:db8::/32`), or why not. */
export function parseAccessCidr(text: string): {ok: true; family: Family; canonical: string} | {ok: false; problem: string} {
  const trimmed = text.trim()
  if (IPV4_CIDR.test(trimmed)) return {ok: true, family: 'ipv4', canonical: normalizeCidr(trimmed)}
  const [address = '', prefix, ...rest] = trimmed.split('/')
  if (rest.length === 0 && prefix !== undefined && IPV6_PREFIX.test(prefix) && isIpv6Address(address)) return {ok: true, family: 'ipv6', canonical: normalizeCidr(trimmed)}
  return {ok: false, problem: `"${text}" is not a CIDR such as 10.0.0.0/8 or 2001:db8::/32`}
}

function isIpv6Address(address: string): boolean {
  if (!address.includes(':')) return false
  try {
    new URL(`http://[${address}]/`)
    return true
  } catch {
    return false
  }
}

/**
 * What a list of CIDRs admits from the internet, one entry per address family it uses. Entries
 * that do not parse are skipped (callers report them on their own).
 */
export function publicExposure(cidrs: readonly string[]): Exposure[] {
  const byFamily: Record<Family, string[]> = {ipv4: [], ipv6: []}
  for (const cidr of cidrs) {
    const parsed = parseAccessCidr(cidr)
    if (parsed.ok) byFamily[parsed.family].push(parsed.canonical)
  }
  return (['ipv4', 'ipv6'] as const)
    .filter((family) => byFamily[family].length > 0)
    .map((family) => {
      const space = addressSpaces()[family]
      const publicAddresses = countAddresses(excludeCidr(mergeCidr(byFamily[family]), space.nonPublic))
      return {family, publicAddresses, wholeInternet: publicAddresses === space.allPublic, tooOpen: publicAddresses > PUBLIC_LIMIT[family].addresses}
    })
}

/** What a list admits, in words: `the whole IPv4 internet` or `3,221,225,472 public IPv4 addresses`. */
export function exposureSummary(exposure: Exposure): string {
  const family = exposure.family === 'ipv4' ? 'IPv4' : 'IPv6'
  return exposure.wholeInternet ? `the whole ${family} internet` : `${exposure.publicAddresses.toLocaleString('en-US')} public ${family} addresses`
}

/** The rule, in words: `at most a /8 of public IPv4 addresses`. */
export function exposureLimit(family: Family): string {
  return `at most a /${PUBLIC_LIMIT[family].prefix} of public ${family === 'ipv4' ? 'IPv4' : 'IPv6'} addresses`
}

/** One sentence for a refused list: what it opens, and the rule. */
export function describeExposure(exposure: Exposure, what: string): string {
  return `together these CIDRs open ${what} to ${exposureSummary(exposure)}; kopsmith allows one access list ${exposureLimit(exposure.family)}`
}

function countAddresses(cidrs: readonly string[]): bigint {
  return cidrs.reduce((sum, cidr) => {
    const {start, end} = parseCidr(cidr)
    return sum + end - start + 1n
  }, 0n)
}
