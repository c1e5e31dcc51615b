import type {HostedZone} from '../../ports.js'

export type ZoneKind = 'public' | 'private'

/** Route53 names come back with a trailing dot and sometimes upper case; we compare them bare and lower. */
export function normalizeDnsName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '')
}

/** True when `name` lies strictly below `parent` on a label boundary (`k8s.acme.de` under `acme.de`, not `xacme.de`). */
export function isStrictSubdomain(name: string, parent: string): boolean {
  const n = normalizeDnsName(name)
  const p = normalizeDnsName(parent)
  return p !== '' && n !== p && n.endsWith(`.${p}`)
}

/** Every proper suffix of a name that could host its delegation, longest first: `k8s.acme.de` → `acme.de`, `de`. */
export function parentZoneCandidates(name: string): string[] {
  const labels = normalizeDnsName(name).split('.')
  return labels.slice(1).map((_, i) => labels.slice(i + 1).join('.'))
}

export type ParentMatch = {status: 'found'; zone: HostedZone} | {status: 'none'} | {status: 'ambiguous'; zones: HostedZone[]}

/**
 * The zone that must delegate `name`: among zones of the given kind that are strict suffixes of
 * it, the one with the longest name (as DNS resolution itself would walk down). Zones of the other
 * kind never count. Two zones with that same longest name make the parent ambiguous.
 */
export function longestSuffixZone(name: string, zones: HostedZone[], kind: ZoneKind): ParentMatch {
  const candidates = zones.filter((z) => z.private === (kind === 'private') && isStrictSubdomain(name, z.name))
  if (candidates.length === 0) return {status: 'none'}
  const longest = Math.max(...candidates.map((z) => normalizeDnsName(z.name).length))
  const best = candidates.filter((z) => normalizeDnsName(z.name).length === longest)
  return best.length === 1 ? {status: 'found', zone: best[0]!} : {status: 'ambiguous', zones: best}
}

export type ZoneMatch = {status: 'found'; zone: HostedZone} | {status: 'missing'} | {status: 'conflict'; reason: string; zones: HostedZone[]}

/**
 * Picks the hosted zone named `name` of the configured kind from all zones of that name. A
 * same-named zone of the other kind is never used. Conflicts are setups kops would trip over:
 * two zones of the wanted kind (which one?), and — for a private cluster — a public zone only,
 * which kops would find by name instead of creating the private zone with the cluster VPC.
 */
export function selectZone(name: string, zones: HostedZone[], kind: ZoneKind): ZoneMatch {
  const named = zones.filter((z) => normalizeDnsName(z.name) === normalizeDnsName(name))
  const wanted = named.filter((z) => z.private === (kind === 'private'))
  const other = named.filter((z) => z.private !== (kind === 'private'))
  if (wanted.length > 1) {
    return {status: 'conflict', reason: `${wanted.length} ${kind} hosted zones are named ${normalizeDnsName(name)} (${wanted.map((z) => z.id).join(', ')}); kopsmith and kops cannot tell which one is meant`, zones: wanted}
  }
  if (wanted.length === 1) return {status: 'found', zone: wanted[0]!}
  if (kind === 'private' && other.length > 0) {
    return {
      status: 'conflict',
      reason: `only a public hosted zone is named ${normalizeDnsName(name)} (${other.map((z) => z.id).join(', ')}); kops would use it instead of creating a private zone for the cluster VPC`,
      zones: other,
    }
  }
  return {status: 'missing'}
}

/** Deterministic, so a retried create returns the zone the first attempt made (Route53 allows 128 characters). */
export function publicZoneCallerReference(name: string): string {
  return `kopsmith:${normalizeDnsName(name)}`.slice(0, 128)
}

/** Name-server sets compare without order, case or trailing dots. */
export function hasSameNameServers(a: readonly string[] | undefined, b: readonly string[]): boolean {
  if (!a) return false
  const norm = (list: readonly string[]) => [...new Set(list.map(normalizeDnsName))].sort().join(',')
  return norm(a) === norm(b)
}

/** Route53's own TTL for NS records; delegations rarely change. */
export const DELEGATION_TTL_SECONDS = 172_800
