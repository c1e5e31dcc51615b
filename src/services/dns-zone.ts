import {
  DELEGATION_TTL_SECONDS,
  hasSameNameServers,
  longestSuffixZone,
  normalizeDnsName,
  type ParentMatch,
  parentZoneCandidates,
  publicZoneCallerReference,
  selectZone,
  type ZoneMatch,
} from '../core/aws/zones.js'
import {REQUIRED_REGION} from '../core/aws/bucket.js'
import type {ClusterConfig} from '../core/config/types.js'
import {PreconditionError} from '../core/errors.js'
import type {PlanStep} from '../core/plan.js'
import type {Dns, HostedZone} from '../ports.js'

export interface DnsOptions {
  /** `--delegate`: upsert the NS delegation in the parent zone when it is in this account. */
  delegate: boolean
}

export interface DnsPlan {
  steps: PlanStep[]
  /** Problems the plan can show but not fix (e.g. a missing delegation without --delegate). */
  warnings: string[]
}

export type DelegationState =
  | 'in-sync' // the parent's NS record already points at the zone
  | 'upserted' // we wrote it (with --delegate) and Route53 reports INSYNC
  | 'parent-not-in-account' // cannot check or fix: the registrar or another account holds the parent
  | 'parent-ambiguous' // two public parent zones of the same name in this account: we do not guess
  | 'not-applicable' // private zones are not delegated

export interface DnsReport {
  zoneName: string
  type: 'public' | 'private'
  /** `deferred-to-kops`: a private zone that kops creates with the cluster VPC during `update cluster`. */
  action: 'created' | 'found' | 'deferred-to-kops'
  zone: HostedZone | null
  nameServers: string[]
  delegation: DelegationState
  parentZone: HostedZone | null
  warnings: string[]
}

export interface EnsureDnsOptions extends DnsOptions {
  /** How long to wait for Route53 to report the delegation change INSYNC. */
  timeoutMs: number
  /** Stops the wait (Ctrl-C). */
  signal?: AbortSignal
}

/**
 * What Route53 holds for the cluster's zone, read only: the zone (a same-named zone of the other kind
 * is refused), and for a public zone its parent in this account, the parent's NS record for it and
 * the zone's own name servers.
 */
async function readDnsState(dns: Dns, config: ClusterConfig): Promise<DnsState> {
  const name = normalizeDnsName(config.dns.zone)
  const match = selectZone(name, await dns.findZones(name), config.dns.type)
  if (match.status === 'conflict') throw conflictError(name, match)
  const zone = match.status === 'found' ? match.zone : undefined
  if (config.dns.type === 'private') return {type: 'private', name, zone}
  const parent = await findParentZone(dns, name)
  if (parent.status !== 'found') return {type: 'public', name, zone, parent}
  return {type: 'public', name, zone, parent, current: await dns.getNsRecord(parent.zone.id, name), nameServers: zone ? await dns.zoneNameServers(zone.id) : undefined}
}

type DnsState =
  | {type: 'private'; name: string; zone: HostedZone | undefined}
  | {type: 'public'; name: string; zone: HostedZone | undefined; parent: ParentMatch; current?: string[] | undefined; nameServers?: string[] | undefined}

/** Find → compare for the cluster's hosted zone and, for public zones, its delegation. Reads only. */
export async function planDnsZone(dns: Dns, config: ClusterConfig, options: DnsOptions): Promise<DnsPlan> {
  const state = await readDnsState(dns, config)
  const {name, zone} = state
  if (state.type === 'private') {
    return {
      steps: [
        zone
          ? step('dns-zone:check', `Private hosted zone ${name} (${zone.id})`, 'check', 'exists; kops associates it with the cluster VPC during update, verified afterwards')
          : step('dns-zone:check', `Private hosted zone ${name}`, 'check', 'absent; kops creates it with the cluster VPC during update (a private zone needs a VPC), verified afterwards'),
      ],
      warnings: [],
    }
  }

  const steps: PlanStep[] = [
    zone
      ? step('dns-zone:noop', `Public hosted zone ${name} (${zone.id})`, 'noop', 'exists')
      : step('dns-zone:create', `Create public hosted zone ${name}`, 'create', 'absent; created with an idempotent caller reference'),
  ]
  const warnings: string[] = []
  const {parent, current, nameServers: target} = state
  if (parent.status !== 'found') {
    const reason = parentUnknownReason(parent)
    steps.push(step('dns-delegation:check', `NS delegation of ${name}`, 'check', reason))
    warnings.push(`${reason}; make sure the parent DNS delegates ${name} to the zone's Route53 name servers`)
    return {steps, warnings}
  }
  if (target && hasSameNameServers(current, target)) {
    steps.push(step('dns-delegation:noop', `NS delegation of ${name} in ${parent.zone.name}`, 'noop', 'the parent zone already delegates to the zone name servers'))
    return {steps, warnings}
  }
  const verb = current ? 'update' : 'create'
  const why = current ? `the parent zone delegates to other name servers (${current.join(', ')})` : 'the parent zone has no NS record for it'
  if (options.delegate) {
    steps.push({
      ...step(`dns-delegation:${verb}`, `${current ? 'Update' : 'Create'} NS ${name} in ${parent.zone.name} (${parent.zone.id})`, verb, `${why}; upserted with --delegate, then wait for INSYNC`),
      changes: [{field: `NS ${name}`, from: current ?? 'missing', to: target ?? 'the name servers Route53 assigns to the new zone'}],
    })
  } else {
    steps.push(step('dns-delegation:check', `NS delegation of ${name} in ${parent.zone.name}`, 'check', `${why}; pass --delegate to upsert it`))
    warnings.push(`${name} is not delegated from ${parent.zone.name} (${parent.zone.id}): ${why}. Pass --delegate to upsert the NS record, or add it yourself`)
  }
  return {steps, warnings}
}

/**
 * Find → compare → act. Public: create the zone if missing (a retried create returns the same
 * zone), then check the parent's NS record; with --delegate and the parent in this account, upsert
 * it and wait for INSYNC; without, a missing delegation is a precondition failure naming the
 * record to add. Private: refuse conflicts and leave creation to kops.
 */
export async function ensureDnsZone(dns: Dns, config: ClusterConfig, options: EnsureDnsOptions): Promise<DnsReport> {
  const name = normalizeDnsName(config.dns.zone)
  const match = selectZone(name, await dns.findZones(name), config.dns.type)
  if (match.status === 'conflict') throw conflictError(name, match)
  if (config.dns.type === 'private') {
    return {zoneName: name, type: 'private', action: match.status === 'found' ? 'found' : 'deferred-to-kops', zone: match.status === 'found' ? match.zone : null, nameServers: [], delegation: 'not-applicable', parentZone: null, warnings: []}
  }

  const zone = match.status === 'found' ? match.zone : await dns.createPublicZone(name, publicZoneCallerReference(name))
  const nameServers = await dns.zoneNameServers(zone.id)
  const base = {zoneName: name, type: 'public' as const, action: match.status === 'found' ? ('found' as const) : ('created' as const), zone, nameServers}
  const parent = await findParentZone(dns, name)
  if (parent.status !== 'found') {
    const warning = `${parentUnknownReason(parent)}; make sure the parent DNS delegates ${name} to: ${nameServers.join(', ')}`
    return {...base, delegation: parent.status === 'ambiguous' ? 'parent-ambiguous' : 'parent-not-in-account', parentZone: null, warnings: [warning]}
  }
  const current = await dns.getNsRecord(parent.zone.id, name)
  if (hasSameNameServers(current, nameServers)) return {...base, delegation: 'in-sync', parentZone: parent.zone, warnings: []}
  if (!options.delegate) throw notDelegatedError(name, parent.zone, current, {zoneId: zone.id, nameServers})
  const changeId = await dns.upsertNsRecord(parent.zone.id, name, nameServers, DELEGATION_TTL_SECONDS)
  await dns.waitForChange(changeId, options.timeoutMs, options.signal)
  return {...base, delegation: 'upserted', parentZone: parent.zone, warnings: []}
}

/** What the DNS preflight found: the zone, and for a public zone whether its parent delegates to it. */
export interface DnsFound {
  zone: HostedZone | undefined
  delegation: 'in-sync' | 'missing' | 'other' | 'unknown' | 'not-applicable'
  /** The parent zone in this account, when there is exactly one. */
  parent?: HostedZone
}

/**
 * What `ensureDnsZone` would refuse, found before anything is created: a conflicting zone of the
 * same name, or a public zone whose parent (in this account) does not delegate to it while
 * `--delegate` is not given — a zone that does not exist yet cannot be delegated to either.
 * Returns what it found, for the plan shown before the question.
 */
export async function checkDnsPreconditions(dns: Dns, config: ClusterConfig, options: DnsOptions): Promise<DnsFound> {
  const state = await readDnsState(dns, config)
  const {name, zone} = state
  if (state.type === 'private') return {zone, delegation: 'not-applicable'}
  const {parent, current, nameServers} = state
  if (parent.status !== 'found') return {zone, delegation: 'unknown'}
  const delegation = nameServers && hasSameNameServers(current, nameServers) ? 'in-sync' : current ? 'other' : 'missing'
  if (delegation !== 'in-sync' && !options.delegate) throw notDelegatedError(name, parent.zone, current, zone && nameServers ? {zoneId: zone.id, nameServers} : undefined)
  return {zone, delegation, parent: parent.zone}
}

export interface PrivateZoneVerification {
  zone: HostedZone
  vpcs: Array<{vpcId: string; region: string}>
}

/**
 * After kops ran: the private zone must exist and be associated with a VPC in eu-central-1 (the
 * cluster's, when its id is known), or the API name would not resolve inside the cluster.
 */
export async function verifyPrivateZone(dns: Dns, config: ClusterConfig, options: {vpcId?: string} = {}): Promise<PrivateZoneVerification> {
  const name = normalizeDnsName(config.dns.zone)
  const match = selectZone(name, await dns.findZones(name), 'private')
  if (match.status === 'conflict') throw conflictError(name, match)
  if (match.status === 'missing') {
    throw new PreconditionError(`Private hosted zone ${name} does not exist after kops update`, {
      suggestions: ['Check the kops update output in the run log: its DNSZone task creates the zone', 'Run the command again: kops resumes where it stopped'],
    })
  }
  const vpcs = await dns.zoneVpcs(match.zone.id)
  const wanted = vpcs.filter((v) => v.region === REQUIRED_REGION && (options.vpcId === undefined || v.vpcId === options.vpcId))
  if (wanted.length === 0) {
    const target = options.vpcId ? `the cluster VPC ${options.vpcId}` : `a VPC in ${REQUIRED_REGION}`
    throw new PreconditionError(`Private hosted zone ${name} (${match.zone.id}) is not associated with ${target}; associated: ${vpcs.map((v) => `${v.vpcId} (${v.region})`).join(', ') || 'none'}`, {
      suggestions: [
        `Associate it: aws route53 associate-vpc-with-hosted-zone --hosted-zone-id ${match.zone.id} --vpc VPCRegion=${REQUIRED_REGION},VPCId=${options.vpcId ?? 'VPC_ID'}`,
        'Then run the command again',
      ],
      details: {zone: name, zoneId: match.zone.id, vpcs},
    })
  }
  return {zone: match.zone, vpcs}
}

/** The longest public parent zone in this account, looked up name by name (`acme.de`, then `de`). */
async function findParentZone(dns: Dns, name: string): Promise<ParentMatch> {
  for (const candidate of parentZoneCandidates(name)) {
    const found = longestSuffixZone(name, await dns.findZones(candidate), 'public')
    if (found.status !== 'none') return found
  }
  return {status: 'none'}
}

function parentUnknownReason(parent: ParentMatch): string {
  if (parent.status === 'ambiguous') return `several public parent zones named ${parent.zones[0]!.name} exist in this account (${parent.zones.map((z) => z.id).join(', ')}), so the delegation cannot be checked`
  return 'no parent zone is hosted in this AWS account (the registrar or another account delegates it), so the delegation cannot be checked'
}

function notDelegatedError(name: string, parent: HostedZone, current: string[] | undefined, zone: {zoneId: string; nameServers: string[]} | undefined): PreconditionError {
  const state = current ? `the NS record points at ${current.join(', ')}` : 'the parent has no NS record for it'
  return new PreconditionError(
    zone
      ? `Public zone ${name} is not delegated from its parent zone ${parent.name} (${parent.id}): ${state}`
      : `Public zone ${name} does not exist yet and its parent zone ${parent.name} (${parent.id}) is in this account, but --delegate was not given (${state}); nothing was created`,
    {
      suggestions: [
        `Run again with --delegate to ${zone ? '' : 'create the zone and '}upsert the NS record in the parent zone`,
        zone
          ? `Or add it yourself: NS record ${name} in ${parent.name} with the values ${zone.nameServers.join(' ')}`
          : `Or create the zone yourself (aws route53 create-hosted-zone --name ${name} …), add its NS record in ${parent.name}, and run again`,
      ],
      details: {zone: name, zoneId: zone?.zoneId ?? null, parentZone: parent.name, parentZoneId: parent.id, nameServers: zone?.nameServers ?? null, current: current ?? null},
    },
  )
}

function conflictError(name: string, match: Extract<ZoneMatch, {status: 'conflict'}>): PreconditionError {
  return new PreconditionError(`Cannot use hosted zone ${name}: ${match.reason}`, {
    suggestions: ['Delete or rename the conflicting hosted zone in Route53, or change spec.dns.zone / spec.dns.type in the cluster file'],
    details: {zone: name, zones: match.zones},
  })
}

function step(id: string, title: string, action: PlanStep['action'], reason: string): PlanStep {
  return {id, title, action, reason}
}
