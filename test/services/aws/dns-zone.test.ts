import {describe, expect, it} from 'vitest'

import {PreconditionError, TimeoutError} from '../../../src/core/errors.js'
import {ensureDnsZone, planDnsZone, verifyPrivateZone} from '../../../src/services/dns-zone.js'
import {FakeDns} from '../../fakes/fake-dns.js'
import {clusterConfig} from './cluster-config.js'

const publicConfig = clusterConfig({zone: 'k8s.acme.de', dnsType: 'public'})
const privateConfig = clusterConfig({zone: 'k8s.acme.de', dnsType: 'private'})

describe('DNS zone (fakes)', () => {
  it('creates the public zone with the caller reference derived from its name, delegates it and waits for INSYNC', async () => {
    const dns = new FakeDns().withZone('acme.de').withChangeDelay(3)
    const report = await ensureDnsZone(dns, publicConfig, {delegate: true, timeoutMs: 60_000})

    const zone = dns.zone('k8s.acme.de')!
    expect(zone.callerReference).toBe('kopsmith:k8s.acme.de')
    expect(dns.zone('acme.de')!.ns.get('k8s.acme.de')).toEqual({values: zone.ns.get('k8s.acme.de')!.values, ttl: 172_800})
    expect([...dns.changes.values()]).toEqual([{status: 'INSYNC', polls: 3}])
    expect(report).toMatchObject({action: 'created', delegation: 'upserted', parentZone: {name: 'acme.de'}})
    expect(dns.calls.find((c) => c.method === 'waitForChange')?.args).toEqual(['C000001', 60_000])
  })

  it('a delegation that never syncs times out with exit 7', async () => {
    const dns = new FakeDns().withZone('acme.de').withZone('k8s.acme.de').withChangeDelay(Infinity)
    const error = await ensureDnsZone(dns, publicConfig, {delegate: true, timeoutMs: 5000}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).exitCode).toBe(7)
  })

  it('cannot check the delegation when two parent zones share the longest name: plan warns, apply does not guess', async () => {
    const dns = new FakeDns().withZone('acme.de', {id: 'ZA'}).withZone('acme.de', {id: 'ZB'}).withZone('k8s.acme.de')
    const plan = await planDnsZone(dns, publicConfig, {delegate: true})
    expect(plan.steps[1]).toMatchObject({id: 'dns-delegation:check', action: 'check'})
    expect(plan.warnings[0]).toContain('ZA, ZB')
    const report = await ensureDnsZone(dns, publicConfig, {delegate: true, timeoutMs: 1000})
    expect(report.delegation).toBe('parent-ambiguous')
    expect(dns.calls.some((c) => c.method === 'upsertNsRecord')).toBe(false)
  })

  it('leaves an existing correct delegation alone', async () => {
    const dns = new FakeDns().withZone('acme.de').withZone('k8s.acme.de', {nameServers: ['ns-1.example.org', 'ns-2.example.net']}).withNsRecord('acme.de', 'k8s.acme.de', ['NS-2.example.net.', 'ns-1.example.org'])
    expect(await ensureDnsZone(dns, publicConfig, {delegate: true, timeoutMs: 1000})).toMatchObject({action: 'found', delegation: 'in-sync'})
    expect(dns.calls.filter((c) => c.method === 'upsertNsRecord' || c.method === 'createPublicZone')).toEqual([])
  })

  it('private: never creates anything, refuses conflicts, verifies the cluster VPC afterwards', async () => {
    const empty = new FakeDns()
    expect(await ensureDnsZone(empty, privateConfig, {delegate: true, timeoutMs: 1000})).toMatchObject({action: 'deferred-to-kops', delegation: 'not-applicable'})
    expect(empty.zones).toEqual([])

    await expect(planDnsZone(new FakeDns().withZone('k8s.acme.de'), privateConfig, {delegate: false})).rejects.toBeInstanceOf(PreconditionError)

    const dns = new FakeDns().withZone('k8s.acme.de', {private: true, vpcs: [{vpcId: 'vpc-other', region: 'eu-west-1'}]})
    await expect(verifyPrivateZone(dns, privateConfig)).rejects.toThrow('associated: vpc-other (eu-west-1)')
    dns.zone('k8s.acme.de', 'private')!.vpcs.push({vpcId: 'vpc-cluster', region: 'eu-central-1'})
    expect((await verifyPrivateZone(dns, privateConfig, {vpcId: 'vpc-cluster'})).vpcs).toHaveLength(2)
  })
})
