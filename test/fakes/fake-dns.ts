import {TimeoutError} from '../../src/core/errors.js'
import type {Dns, HostedZone} from '../../src/ports.js'

interface FakeZone extends HostedZone {
  callerReference: string
  /** NS record sets by record name (apex included). */
  ns: Map<string, {values: string[]; ttl: number}>
  vpcs: Array<{vpcId: string; region: string}>
}

export interface FakeDnsCall {
  method: keyof Dns
  args: unknown[]
}

/**
 * In-memory Route53 for the operations the services use. Zones of both kinds may share a name (as
 * in Route53); public zones get four deterministic Route53-style name servers at their apex;
 * `createPublicZone` with a caller reference seen before returns that zone instead of a new one.
 * Changes become INSYNC after `changeDelayPolls` GetChange polls (0 by default).
 *
 *   new FakeDns().withZone('acme.de').withZone('k8s.acme.de', {private: true, vpcs: [...]})
 */
export class FakeDns implements Dns {
  readonly zones: FakeZone[] = []
  readonly calls: FakeDnsCall[] = []
  readonly changes = new Map<string, {status: 'PENDING' | 'INSYNC'; polls: number}>()
  private nextId = 1
  private changeDelayPolls = 0
  private neverInSync = false

  withZone(name: string, options: {private?: boolean; id?: string; vpcs?: Array<{vpcId: string; region: string}>; nameServers?: string[]} = {}): this {
    this.addZone(normalize(name), options.private ?? false, `seed-${this.nextId}`, options)
    return this
  }

  /** Seeds an NS record (e.g. an existing delegation) in the zone named `zoneName` of the given kind. */
  withNsRecord(zoneName: string, recordName: string, values: string[], options: {private?: boolean} = {}): this {
    const zone = this.zones.find((z) => z.name === normalize(zoneName) && z.private === (options.private ?? false))
    if (!zone) throw new Error(`FakeDns: no zone ${zoneName}`)
    zone.ns.set(normalize(recordName), {values: [...values], ttl: 172_800})
    return this
  }

  /** Changes report PENDING for this many polls; `Infinity` makes every wait time out. */
  withChangeDelay(polls: number): this {
    if (polls === Infinity) this.neverInSync = true
    else this.changeDelayPolls = polls
    return this
  }

  zone(name: string, kind: 'public' | 'private' = 'public'): FakeZone | undefined {
    return this.zones.find((z) => z.name === normalize(name) && z.private === (kind === 'private'))
  }

  async findZones(name: string): Promise<HostedZone[]> {
    this.record('findZones', name)
    return this.zones.filter((z) => z.name === normalize(name)).map(toHostedZone)
  }

  async createPublicZone(name: string, callerReference: string): Promise<HostedZone> {
    this.record('createPublicZone', name, callerReference)
    const again = this.zones.find((z) => z.callerReference === callerReference)
    if (again) return toHostedZone(again)
    return toHostedZone(this.addZone(normalize(name), false, callerReference, {}))
  }

  async zoneNameServers(zoneId: string): Promise<string[]> {
    this.record('zoneNameServers', zoneId)
    const zone = this.zoneById(zoneId)
    return [...(zone.ns.get(zone.name)?.values ?? [])]
  }

  async getNsRecord(zoneId: string, recordName: string): Promise<string[] | undefined> {
    this.record('getNsRecord', zoneId, recordName)
    const values = this.zoneById(zoneId).ns.get(normalize(recordName))?.values
    return values ? [...values] : undefined
  }

  async upsertNsRecord(zoneId: string, recordName: string, values: string[], ttl: number): Promise<string> {
    this.record('upsertNsRecord', zoneId, recordName, values, ttl)
    const zone = this.zoneById(zoneId)
    const name = normalize(recordName)
    if (name !== zone.name && !name.endsWith(`.${zone.name}`)) {
      throw new Error(`FakeDns: ${recordName} is not in zone ${zone.name} (Route53 would reject this)`)
    }
    zone.ns.set(name, {values: [...values], ttl})
    const changeId = `C${String(this.changes.size + 1).padStart(6, '0')}`
    this.changes.set(changeId, {status: 'PENDING', polls: 0})
    return changeId
  }

  async waitForChange(changeId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    this.record('waitForChange', changeId, timeoutMs)
    signal?.throwIfAborted()
    const change = this.changes.get(changeId)
    if (!change) throw new Error(`FakeDns: no change ${changeId}`)
    if (this.neverInSync) throw new TimeoutError(`Route53 change ${changeId} was not INSYNC after ${timeoutMs} ms`)
    change.polls = Math.max(change.polls, this.changeDelayPolls)
    change.status = 'INSYNC'
  }

  async zoneVpcs(zoneId: string): Promise<Array<{vpcId: string; region: string}>> {
    this.record('zoneVpcs', zoneId)
    return this.zoneById(zoneId).vpcs.map((v) => ({...v}))
  }

  private addZone(name: string, isPrivate: boolean, callerReference: string, options: {id?: string; vpcs?: Array<{vpcId: string; region: string}>; nameServers?: string[]}): FakeZone {
    const n = this.nextId++
    const id = options.id ?? `Z${String(n).padStart(12, '0')}`
    const nameServers = options.nameServers ?? (isPrivate ? ['ns-0.awsdns-00.com.'] : [`ns-${n}.awsdns-0${n % 10}.com`, `ns-${n + 1}.awsdns-0${n % 10}.net`, `ns-${n + 2}.awsdns-0${n % 10}.org`, `ns-${n + 3}.awsdns-0${n % 10}.co.uk`])
    const zone: FakeZone = {id, name, private: isPrivate, callerReference, ns: new Map([[name, {values: nameServers, ttl: 172_800}]]), vpcs: options.vpcs?.map((v) => ({...v})) ?? []}
    this.zones.push(zone)
    return zone
  }

  private zoneById(zoneId: string): FakeZone {
    const zone = this.zones.find((z) => z.id === zoneId.replace(/^\/hostedzone\//, ''))
    if (!zone) throw new Error(`FakeDns: no hosted zone ${zoneId}`)
    return zone
  }

  private record(method: keyof Dns, ...args: unknown[]): void {
    this.calls.push({method, args})
  }
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '')
}

function toHostedZone(z: FakeZone): HostedZone {
  return {id: z.id, name: z.name, private: z.private}
}
