import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  GetHostedZoneCommand,
  type HostedZone as Route53HostedZone,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  waitUntilResourceRecordSetsChanged,
} from '@aws-sdk/client-route-53'

import {ApiError, TimeoutError} from '../../core/errors.js'
import type {Dns, HostedZone} from '../../ports.js'
import type {AwsClients} from './clients.js'
import {awsCall, awsErrorName, translateAwsError} from './errors.js'

/** Route53 hosted zones and NS records (the delegation of a public cluster zone). */
export class Route53Dns implements Dns {
  constructor(private readonly clients: AwsClients) {}

  async findZones(name: string): Promise<HostedZone[]> {
    const wanted = normalizeName(name)
    const found: HostedZone[] = []
    let dnsName: string | undefined = wanted
    let zoneId: string | undefined
    // Zones are listed in name order starting at `wanted`; same-named zones (public + private) are adjacent.
    for (;;) {
      const out = await awsCall({service: 'Route53', operation: 'ListHostedZonesByName', resource: `zone name ${wanted}`}, () =>
        this.clients.route53.send(new ListHostedZonesByNameCommand({DNSName: dnsName, HostedZoneId: zoneId, MaxItems: 100})),
      )
      const zones = out.HostedZones ?? []
      for (const z of zones) if (normalizeName(z.Name ?? '') === wanted) found.push(toHostedZone(z))
      const last = zones.at(-1)
      if (!out.IsTruncated || (last && normalizeName(last.Name ?? '') !== wanted)) break
      dnsName = out.NextDNSName
      zoneId = out.NextHostedZoneId
    }
    return found
  }

  async createPublicZone(name: string, callerReference: string): Promise<HostedZone> {
    const zoneName = normalizeName(name)
    try {
      return await this.create(zoneName, callerReference)
    } catch (error) {
      if (awsErrorName(error) !== 'HostedZoneAlreadyExists') throw translateAwsError(error, {service: 'Route53', operation: 'CreateHostedZone', resource: `zone ${zoneName}`})
      // Route53 remembers caller references: a retry of a create that succeeded lands here.
      const existing = (await this.findZones(zoneName)).filter((z) => !z.private)
      if (existing.length === 1) return existing[0]!
      if (existing.length > 1) throw new ApiError(`Route53 has ${existing.length} public hosted zones named ${zoneName}; kopsmith cannot tell which one is meant`, {suggestions: ['Delete the duplicate zones in the Route53 console, keeping the one the parent zone delegates to']})
      // The zone created with this reference was deleted since; a fresh reference is safe because none exists now.
      try {
        return await this.create(zoneName, `${callerReference}:${Date.now()}`)
      } catch (retryError) {
        throw translateAwsError(retryError, {service: 'Route53', operation: 'CreateHostedZone', resource: `zone ${zoneName}`})
      }
    }
  }

  async zoneNameServers(zoneId: string): Promise<string[]> {
    const out = await this.getZone(zoneId)
    const delegated = out.DelegationSet?.NameServers
    if (delegated && delegated.length > 0) return delegated.map(normalizeName)
    return (await this.getNsRecord(zoneId, out.HostedZone?.Name ?? '')) ?? []
  }

  async getNsRecord(zoneId: string, recordName: string): Promise<string[] | undefined> {
    const name = normalizeName(recordName)
    const out = await awsCall({service: 'Route53', operation: 'ListResourceRecordSets', resource: `hosted zone ${zoneId}`}, () =>
      this.clients.route53.send(new ListResourceRecordSetsCommand({HostedZoneId: zoneId, StartRecordName: name, StartRecordType: 'NS', MaxItems: 1})),
    )
    const record = out.ResourceRecordSets?.[0]
    if (!record || record.Type !== 'NS' || normalizeName(record.Name ?? '') !== name) return undefined
    return (record.ResourceRecords ?? []).flatMap((r) => (r.Value ? [normalizeName(r.Value)] : []))
  }

  async upsertNsRecord(zoneId: string, recordName: string, values: string[], ttl: number): Promise<string> {
    const name = normalizeName(recordName)
    const out = await awsCall({service: 'Route53', operation: 'ChangeResourceRecordSets', resource: `NS ${name} in hosted zone ${zoneId}`}, () =>
      this.clients.route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: {
            Comment: 'kopsmith: delegate the cluster zone',
            Changes: [{Action: 'UPSERT', ResourceRecordSet: {Name: name, Type: 'NS', TTL: ttl, ResourceRecords: values.map((v) => ({Value: v}))}}],
          },
        }),
      ),
    )
    return stripPrefix(out.ChangeInfo?.Id ?? '', '/change/')
  }

  async waitForChange(changeId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const maxWaitTime = Math.max(3, Math.ceil(timeoutMs / 1000))
    try {
      await waitUntilResourceRecordSetsChanged({client: this.clients.route53, maxWaitTime, minDelay: 2, maxDelay: 15, ...(signal ? {abortSignal: signal} : {})}, {Id: changeId})
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      if (awsErrorName(error) === 'TimeoutError') {
        throw new TimeoutError(`Route53 change ${changeId} was not INSYNC after ${Math.round(timeoutMs / 1000)} s`, {
          cause: error,
          suggestions: ['Route53 usually syncs within a minute; run the command again, it resumes where it stopped'],
        })
      }
      throw translateAwsError(error, {service: 'Route53', operation: 'GetChange', resource: `change ${changeId}`})
    }
  }

  async zoneVpcs(zoneId: string): Promise<Array<{vpcId: string; region: string}>> {
    const out = await this.getZone(zoneId)
    return (out.VPCs ?? []).flatMap((v) => (v.VPCId ? [{vpcId: v.VPCId, region: v.VPCRegion ?? ''}] : []))
  }

  private async create(name: string, callerReference: string): Promise<HostedZone> {
    const out = await this.clients.route53.send(
      new CreateHostedZoneCommand({Name: name, CallerReference: callerReference, HostedZoneConfig: {Comment: 'managed by kopsmith', PrivateZone: false}}),
    )
    if (!out.HostedZone) throw new ApiError(`Route53 CreateHostedZone for ${name} returned no zone`)
    return toHostedZone(out.HostedZone)
  }

  private getZone(zoneId: string) {
    return awsCall({service: 'Route53', operation: 'GetHostedZone', resource: `hosted zone ${zoneId}`}, () => this.clients.route53.send(new GetHostedZoneCommand({Id: zoneId})))
  }
}

function toHostedZone(z: Route53HostedZone): HostedZone {
  return {id: stripPrefix(z.Id ?? '', '/hostedzone/'), name: normalizeName(z.Name ?? ''), private: z.Config?.PrivateZone ?? false}
}

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '')
}

function stripPrefix(value: string, prefix: string): string {
  return value.startsWith(prefix) ? value.slice(prefix.length) : value
}
