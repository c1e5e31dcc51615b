import {randomUUID} from 'node:crypto'

import {ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, ListResourceRecordSetsCommand} from '@aws-sdk/client-route-53'
import {beforeAll, describe, expect, it} from 'vitest'

import type {AwsClients} from '../../../src/adapters/aws/clients.js'
import {Route53Dns} from '../../../src/adapters/aws/route53-dns.js'
import {PreconditionError} from '../../../src/core/errors.js'
import {ensureDnsZone, planDnsZone, verifyPrivateZone} from '../../../src/services/dns-zone.js'
import {motoClients} from '../../helpers/moto.js'
import {clusterConfig} from '../../services/aws/cluster-config.js'

let clients: AwsClients
let dns: Route53Dns

beforeAll(() => {
  clients = motoClients()
  dns = new Route53Dns(clients)
})

/** A name space of our own in the shared moto: `<random>.kopsmith-test.de`. */
function space(): string {
  return `${randomUUID().slice(0, 8)}.kopsmith-test.de`
}

async function createZone(name: string, options: {private?: boolean} = {}): Promise<string> {
  const out = await clients.route53.send(
    new CreateHostedZoneCommand({
      Name: name,
      CallerReference: randomUUID(),
      ...(options.private ? {HostedZoneConfig: {PrivateZone: true}, VPC: {VPCRegion: 'eu-central-1', VPCId: `vpc-${randomUUID().slice(0, 8)}`}} : {}),
    }),
  )
  return out.HostedZone!.Id!.replace('/hostedzone/', '')
}

async function nsRecords(zoneId: string): Promise<Record<string, string[]>> {
  const out = await clients.route53.send(new ListResourceRecordSetsCommand({HostedZoneId: zoneId}))
  return Object.fromEntries((out.ResourceRecordSets ?? []).filter((r) => r.Type === 'NS').map((r) => [r.Name!.replace(/\.$/, ''), (r.ResourceRecords ?? []).map((v) => v.Value!.replace(/\.$/, ''))]))
}

describe('Route53 zones against moto', () => {
  it('creates a missing public zone once, then finds it (plan create → noop)', async () => {
    const zone = `k8s.${space()}`
    const config = clusterConfig({zone, dnsType: 'public'})
    expect((await planDnsZone(dns, config, {delegate: false})).steps[0]).toMatchObject({id: 'dns-zone:create', action: 'create'})

    const first = await ensureDnsZone(dns, config, {delegate: false, timeoutMs: 10_000})
    expect(first).toMatchObject({action: 'created', type: 'public', delegation: 'parent-not-in-account'})
    expect(first.nameServers.length).toBeGreaterThan(0)
    expect(first.warnings[0]).toContain(first.nameServers[0])

    const second = await ensureDnsZone(dns, config, {delegate: false, timeoutMs: 10_000})
    expect(second).toMatchObject({action: 'found', zone: first.zone})
    expect((await dns.findZones(zone)).filter((z) => !z.private)).toHaveLength(1)
    expect((await planDnsZone(dns, config, {delegate: false})).steps[0]).toMatchObject({id: 'dns-zone:noop'})
  })

  it('delegates from the longest public parent with --delegate, ignoring zones of the other kind, and waits for INSYNC', async () => {
    const root = space()
    const zone = `k8s.team.${root}`
    const outer = await createZone(root)
    const inner = await createZone(`team.${root}`)
    const privateTwin = await createZone(zone, {private: true})
    const config = clusterConfig({zone, dnsType: 'public'})

    const plan = await planDnsZone(dns, config, {delegate: true})
    expect(plan.steps.map((s) => s.id)).toEqual(['dns-zone:create', 'dns-delegation:create'])
    expect(plan.steps[1]!.title).toContain(inner)

    const report = await ensureDnsZone(dns, config, {delegate: true, timeoutMs: 10_000})
    expect(report).toMatchObject({action: 'created', delegation: 'upserted', parentZone: {id: inner, name: `team.${root}`}})
    expect(report.zone!.id).not.toBe(privateTwin)
    expect(report.zone!.private).toBe(false)
    expect((await nsRecords(inner))[zone]?.sort()).toEqual([...report.nameServers].sort())
    expect((await nsRecords(outer))[zone]).toBeUndefined()

    const again = await ensureDnsZone(dns, config, {delegate: true, timeoutMs: 10_000})
    expect(again).toMatchObject({action: 'found', delegation: 'in-sync'})
    expect((await planDnsZone(dns, config, {delegate: false})).steps.map((s) => [s.id, s.action])).toEqual([['dns-zone:noop', 'noop'], ['dns-delegation:noop', 'noop']])
  })

  it('never takes a private zone as the parent, however long its name', async () => {
    const root = space()
    const zone = `k8s.team.${root}`
    const publicParent = await createZone(root)
    await createZone(`team.${root}`, {private: true})
    const report = await ensureDnsZone(dns, clusterConfig({zone, dnsType: 'public'}), {delegate: true, timeoutMs: 10_000})
    expect(report.parentZone).toEqual({id: publicParent, name: root, private: false})
    expect((await nsRecords(publicParent))[zone]?.sort()).toEqual([...report.nameServers].sort())
  })

  it('without --delegate warns in the plan and fails with exit 4 naming the NS values', async () => {
    const root = space()
    const parent = await createZone(root)
    const zone = `k8s.${root}`
    const config = clusterConfig({zone, dnsType: 'public'})

    const plan = await planDnsZone(dns, config, {delegate: false})
    expect(plan.steps[1]).toMatchObject({id: 'dns-delegation:check', action: 'check'})
    expect(plan.warnings.join('\n')).toContain('--delegate')

    const error = await ensureDnsZone(dns, config, {delegate: false, timeoutMs: 10_000}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PreconditionError)
    expect((error as PreconditionError).exitCode).toBe(4)
    const [created] = (await dns.findZones(zone)).filter((z) => !z.private)
    const nameServers = await dns.zoneNameServers(created!.id)
    expect((error as PreconditionError).suggestions.join('\n')).toContain(nameServers.join(' '))
    expect((await nsRecords(parent))[zone]).toBeUndefined()
  })

  it('updates a delegation that points at the wrong name servers', async () => {
    const root = space()
    const parent = await createZone(root)
    const zone = `k8s.${root}`
    await clients.route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: parent,
        ChangeBatch: {Changes: [{Action: 'UPSERT', ResourceRecordSet: {Name: zone, Type: 'NS', TTL: 300, ResourceRecords: [{Value: 'ns.old-provider.example'}]}}]},
      }),
    )
    const config = clusterConfig({zone, dnsType: 'public'})
    await ensureDnsZone(dns, config, {delegate: false, timeoutMs: 10_000}).catch(() => undefined) // creates the zone, refuses to delegate
    const plan = await planDnsZone(dns, config, {delegate: true})
    expect(plan.steps[1]).toMatchObject({id: 'dns-delegation:update', changes: [{field: `NS ${zone}`, from: ['ns.old-provider.example']}]})
    const report = await ensureDnsZone(dns, config, {delegate: true, timeoutMs: 10_000})
    expect(report.delegation).toBe('upserted')
    expect((await nsRecords(parent))[zone]?.sort()).toEqual([...report.nameServers].sort())
  })

  it('private zones: refuses a public-only or duplicated name up front, defers a missing zone to kops, verifies the VPC association', async () => {
    const publicOnly = `k8s.${space()}`
    await createZone(publicOnly)
    const refused = await planDnsZone(dns, clusterConfig({zone: publicOnly, dnsType: 'private'}), {delegate: false}).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(PreconditionError)
    expect((refused as Error).message).toContain('only a public hosted zone')

    const twice = `k8s.${space()}`
    await createZone(twice, {private: true})
    await createZone(twice, {private: true})
    await expect(ensureDnsZone(dns, clusterConfig({zone: twice, dnsType: 'private'}), {delegate: false, timeoutMs: 1000})).rejects.toThrow(/2 private hosted zones/)

    const missing = clusterConfig({zone: `k8s.${space()}`, dnsType: 'private'})
    expect((await planDnsZone(dns, missing, {delegate: false})).steps).toEqual([expect.objectContaining({id: 'dns-zone:check', action: 'check'})])
    expect(await ensureDnsZone(dns, missing, {delegate: false, timeoutMs: 1000})).toMatchObject({action: 'deferred-to-kops', zone: null})
    await expect(verifyPrivateZone(dns, missing)).rejects.toBeInstanceOf(PreconditionError)

    // As kops leaves it: a private zone associated with the cluster VPC in eu-central-1.
    const name = `k8s.${space()}`
    const id = await createZone(name, {private: true})
    const [vpc] = await dns.zoneVpcs(id)
    const verified = await verifyPrivateZone(dns, clusterConfig({zone: name, dnsType: 'private'}), {vpcId: vpc!.vpcId})
    expect(verified.zone.id).toBe(id)
    expect(verified.vpcs).toEqual([{vpcId: vpc!.vpcId, region: 'eu-central-1'}])
    await expect(verifyPrivateZone(dns, clusterConfig({zone: name, dnsType: 'private'}), {vpcId: 'vpc-somebodyelse'})).rejects.toThrow(/not associated with the cluster VPC vpc-somebodyelse/)
  })
})
