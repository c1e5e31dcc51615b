import {describe, expect, it} from 'vitest'

import {PreconditionError} from '../../../src/core/errors.js'
import type {Kops} from '../../../src/ports.js'
import {type DoctorPorts, runDoctor} from '../../../src/services/doctor.js'
import {FakeDns} from '../../fakes/fake-dns.js'
import {FakeIdentity} from '../../fakes/fake-identity.js'
import {FakeStateStore} from '../../fakes/fake-state-store.js'
import {clusterConfig} from './cluster-config.js'

/** kops is another engineer's adapter; only `version()` matters here. */
function kopsAt(version: string | Error): Kops {
  return {version: async () => {
    if (version instanceof Error) throw version
    return {version, minor: version.split('.').slice(0, 2).join('.')}
  }} as unknown as Kops
}

function ports(parts: {identity?: FakeIdentity; store?: FakeStateStore; dns?: FakeDns; kops?: Kops} = {}): DoctorPorts {
  return {
    identity: async () => parts.identity ?? new FakeIdentity(),
    stateStore: async () => parts.store ?? new FakeStateStore(),
    dns: async () => parts.dns ?? new FakeDns(),
    kops: async () => parts.kops ?? kopsAt('1.35.2'),
  }
}

const config = clusterConfig({bucket: 'acme-kops-state', zone: 'k8s.acme.de', dnsType: 'public'})
const status = (report: Awaited<ReturnType<typeof runDoctor>>) => Object.fromEntries(report.checks.map((c) => [c.id, c.status]))

describe('runDoctor (fakes)', () => {
  it('without a cluster file checks kops, identity and region only', async () => {
    const report = await runDoctor(ports())
    expect(status(report)).toEqual({kops: 'ok', kubectl: 'skip', 'aws-identity': 'ok', region: 'ok', cluster: 'skip'})
    expect(report.ok).toBe(true)
  })

  it('absent buckets and an undelegated zone are warnings (cluster create fixes them), not failures', async () => {
    const report = await runDoctor(ports({dns: new FakeDns().withZone('acme.de')}), {config})
    expect(status(report)).toMatchObject({'state-bucket': 'warn', 'discovery-bucket': 'warn', 'dns-zone': 'warn', 'dns-delegation': 'warn'})
    expect(report.checks.find((c) => c.id === 'dns-delegation')!.detail).toContain('--delegate')
    expect(report.ok).toBe(true)
  })

  it('fails on a kops too old for the cluster, a bucket outside Germany and a conflicting zone', async () => {
    const report = await runDoctor(
      ports({kops: kopsAt('1.33.4'), store: new FakeStateStore().withBucket('acme-kops-state', {region: 'eu-west-1'}), dns: new FakeDns().withZone('k8s.acme.de', {id: 'Z1'}).withZone('k8s.acme.de', {id: 'Z2'})}),
      {config},
    )
    expect(status(report)).toMatchObject({kops: 'fail', 'state-bucket': 'fail', 'dns-zone': 'fail'})
    expect(report.checks.find((c) => c.id === 'kops')!.detail).toBe('kops 1.33.4 cannot drive Kubernetes 1.35.7 (kops-too-old)')
    expect(report.checks.find((c) => c.id === 'state-bucket')!.detail).toContain('eu-west-1')
    expect(report.ok).toBe(false)
  })

  it('a missing kops binary is a finding with its suggestions, not a crash', async () => {
    const report = await runDoctor(ports({kops: kopsAt(new PreconditionError('kops not found on PATH', {suggestions: ['Install kops']}))}))
    expect(report.checks[0]).toEqual({id: 'kops', title: 'kops', status: 'fail', detail: 'not found or not working: kops not found on PATH', suggestions: ['Install kops']})
    expect(report.kops).toBeNull()
  })
})
