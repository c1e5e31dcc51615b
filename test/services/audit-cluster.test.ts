import {describe, expect, it} from 'vitest'

import {FsPackageFiles} from '../../src/adapters/package-files.js'
import type {ClusterConfig} from '../../src/core/config/types.js'
import {PreconditionError, RefusedError} from '../../src/core/errors.js'
import {renderKopsSpec, toYaml, type KopsObject} from '../../src/core/render/kops-spec.js'
import type {Clock, Kops, StateStore} from '../../src/ports.js'
import {assertAuditPassed, auditCluster, formatAuditReport} from '../../src/services/audit-cluster.js'
import {renderClusterManifests} from '../../src/services/render-cluster.js'
import {FakeStateStore} from '../fakes/fake-state-store.js'
import {loadConfig} from '../golden/cases.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any -- editing arbitrary kops fields

const NOW = new Date('2026-09-01T08:00:00Z')
const clock: Clock = {now: () => NOW, sleep: async () => {}}
const packageFiles = new FsPackageFiles()

/** Only `version()` is used by the audit; anything else would be a bug here. */
function kopsAt(version: string | Error): () => Promise<Kops> {
  return async () =>
    ({
      version: async () => {
        if (version instanceof Error) throw version
        return {version, minor: version.split('.').slice(0, 2).join('.')}
      },
    }) as unknown as Kops
}

const noStateStore = async (): Promise<StateStore> => {
  throw new Error('the rendered audit must not touch S3')
}

/** A state bucket holding what `kops create -f` stored for the rendered spec, edited by `tamper`. */
async function storeWith(config: ClusterConfig, tamper: (cluster: Json, igs: Json[]) => void = () => {}, options: {expiresAt?: string; stateRegion?: string} = {}): Promise<FakeStateStore> {
  const {cluster, instanceGroups} = await renderClusterManifests(packageFiles, config, {expiresAt: options.expiresAt})
  const c = structuredClone(cluster) as Json
  const igs = structuredClone(instanceGroups) as Json[]
  c.metadata.creationTimestamp = '2026-08-30T10:00:00Z'
  delete c.spec.topology.masters
  delete c.spec.topology.nodes
  tamper(c, igs)
  const store = new FakeStateStore()
    .withBucket(config.stateStore.bucket, {region: options.stateRegion ?? 'eu-central-1'})
    .withBucket(config.stateStore.discoveryBucket, {region: 'eu-central-1'})
    .withObject(config.stateStore.bucket, `${config.name}/config`, toYaml(c))
    .withObject(config.stateStore.bucket, `${config.name}/cluster-completed.spec`, 'not: audited')
    .withObject(config.stateStore.bucket, `${config.name}/instancegroup/ignored/nested`, 'not: an instance group')
  for (const ig of igs) store.withObject(config.stateStore.bucket, `${config.name}/instancegroup/${ig.metadata.name}`, toYaml(ig))
  return store
}

describe('auditCluster: rendered spec', () => {
  it('audits what create would apply, without touching S3; H18 from the kops version', async () => {
    const result = await auditCluster({packageFiles, clock, stateStore: noStateStore, kops: kopsAt('1.35.2')}, {config: loadConfig('examples/production.yaml'), live: false})
    expect(result).toMatchObject({cluster: 'prod.k8s.acme.de', source: 'rendered', failed: []})
    expect(result.drift).toBeUndefined()
    expect(result.checks.filter((c) => c.status !== 'pass').map((c) => [c.id, c.status])).toEqual([['H17', 'unknown']])
  })

  it('stamps a sandbox expiry of now + ttl, as create would, so H16 passes', async () => {
    const result = await auditCluster({packageFiles, clock, stateStore: noStateStore, kops: kopsAt('1.35.2')}, {config: loadConfig('examples/sandbox.yaml'), live: false})
    expect(result.checks.find((c) => c.id === 'H16')?.status).toBe('pass')
  })

  it('leaves H18 unknown with a warning when kops is missing, and fails it for a kops too old', async () => {
    const warnings: string[] = []
    const missing = await auditCluster(
      {packageFiles, clock, stateStore: noStateStore, kops: kopsAt(new PreconditionError('kops was not found: "kops" on PATH does not exist'))},
      {config: loadConfig('examples/production.yaml'), live: false, onWarning: (m) => warnings.push(m)},
    )
    expect(missing.checks.find((c) => c.id === 'H18')?.status).toBe('unknown')
    expect(warnings).toEqual(['H18 is unknown: kops was not found: "kops" on PATH does not exist'])
    const old = await auditCluster({packageFiles, clock, stateStore: noStateStore, kops: kopsAt('1.33.4')}, {config: loadConfig('examples/production.yaml'), live: false})
    expect(old.failed).toEqual(['H18'])
    expect(() => assertAuditPassed(old)).toThrow(RefusedError)
  })

  it('reports waived checks with the reason from the cluster file', async () => {
    const config = {...loadConfig('examples/production.yaml'), waivers: [{id: 'H17' as const, reason: 'bucket regions checked by the AWS preflight'}]}
    const result = await auditCluster({packageFiles, clock, stateStore: noStateStore, kops: kopsAt('1.35.2')}, {config, live: false})
    expect(result.checks.find((c) => c.id === 'H17')).toMatchObject({status: 'waived', reason: 'bucket regions checked by the AWS preflight'})
    expect(formatAuditReport(result)).toMatch(/H17\s+WAIVED\s+.*waived: bucket regions checked by the AWS preflight/)
  })
})

describe('auditCluster: live spec from the state bucket', () => {
  it('passes all 18 checks and shows no drift for what kops stored unchanged', async () => {
    const config = loadConfig('examples/production.yaml')
    const store = await storeWith(config)
    const result = await auditCluster({packageFiles, clock, stateStore: async () => store, kops: kopsAt('1.35.2')}, {config, live: true})
    expect(result.checks.filter((c) => c.status !== 'pass')).toEqual([])
    expect(result).toMatchObject({source: 'live', failed: [], drift: []})
    // read the stored objects, never wrote anything
    expect(store.calls.filter((c) => !['getObject', 'listKeys', 'describeBucket'].includes(c.method))).toEqual([])
    expect(store.calls.filter((c) => c.method === 'getObject').map((c) => c.key)).toEqual([
      'prod.k8s.acme.de/config',
      'prod.k8s.acme.de/instancegroup/control-plane-eu-central-1a',
      'prod.k8s.acme.de/instancegroup/control-plane-eu-central-1b',
      'prod.k8s.acme.de/instancegroup/control-plane-eu-central-1c',
      'prod.k8s.acme.de/instancegroup/nodes-general',
    ])
  })

  it('catches a spec edited behind the tool\'s back: failed checks and drift name the fields', async () => {
    const config = loadConfig('examples/production.yaml')
    const store = await storeWith(config, (cluster, igs) => {
      cluster.spec.api.loadBalancer.type = 'Public'
      cluster.spec.kubeAPIServer.anonymousAuth = true
      igs.find((g) => g.metadata.name === 'nodes-general')!.spec.instanceMetadata.httpPutResponseHopLimit = 2
    })
    const result = await auditCluster({packageFiles, clock, stateStore: async () => store, kops: kopsAt('1.35.2')}, {config, live: true})
    expect(result.failed).toEqual(['H02', 'H05', 'H10'])
    expect(result.drift).toEqual([
      {path: 'spec.api.loadBalancer.type', desired: 'Internal', live: 'Public'},
      {path: 'spec.kubeAPIServer.anonymousAuth', desired: false, live: true},
      {path: 'instanceGroups[nodes-general].spec.instanceMetadata.httpPutResponseHopLimit', desired: 1, live: 2},
    ])
    let refusal: unknown
    try {
      assertAuditPassed(result)
    } catch (error) {
      refusal = error
    }
    expect(refusal).toBeInstanceOf(RefusedError)
    expect((refusal as RefusedError).exitCode).toBe(9)
    expect((refusal as RefusedError).message).toContain('H02, H05, H10')
    expect((refusal as RefusedError).details).toMatchObject({cluster: 'prod.k8s.acme.de', source: 'live', failed: ['H02', 'H05', 'H10']})
    expect(formatAuditReport(result)).toMatch(/Drift: 3 field\(s\) differ[\s\S]*spec\.api\.loadBalancer\.type\s+Internal\s+Public/)
  })

  it('fails H17 when the state bucket is outside eu-central-1', async () => {
    const config = loadConfig('examples/production.yaml')
    const store = await storeWith(config, undefined, {stateRegion: 'us-east-1'})
    const result = await auditCluster({packageFiles, clock, stateStore: async () => store, kops: kopsAt('1.35.2')}, {config, live: true})
    expect(result.failed).toEqual(['H17'])
    expect(result.checks.find((c) => c.id === 'H17')?.findings).toEqual([{path: `state bucket ${config.stateStore.bucket}`, expected: 'located in eu-central-1', actual: 'us-east-1'}])
  })

  it('passes H17 for buckets whose names look like another region when S3 locates them in eu-central-1', async () => {
    const base = loadConfig('examples/production.yaml')
    const config = {...base, stateStore: {...base.stateStore, bucket: 'de-kops-1', discoveryBucket: 'ux-state-1'}}
    const store = await storeWith(config)
    const result = await auditCluster({packageFiles, clock, stateStore: async () => store, kops: kopsAt('1.35.2')}, {config, live: true})
    expect(result.checks.find((c) => c.id === 'H17')).toMatchObject({status: 'pass', findings: []})
    expect(result.failed).toEqual([])
  })

  it('renders a sandbox with the expiry create stamped, so the expiry is not drift', async () => {
    const config = loadConfig('examples/sandbox.yaml')
    const store = await storeWith(config, undefined, {expiresAt: '2026-08-31T12:00:00Z'})
    const result = await auditCluster({packageFiles, clock, stateStore: async () => store, kops: kopsAt('1.35.2')}, {config, live: true})
    expect(result.drift).toEqual([])
    expect(result.failed).toEqual([])
  })

  it('refuses with a precondition error when the cluster is not in the state store', async () => {
    const config = loadConfig('examples/production.yaml')
    const store = new FakeStateStore().withBucket(config.stateStore.bucket)
    await expect(auditCluster({packageFiles, clock, stateStore: async () => store, kops: kopsAt('1.35.2')}, {config, live: true})).rejects.toMatchObject({
      constructor: PreconditionError,
      exitCode: 4,
      message: 'cluster prod.k8s.acme.de is not in the state store: s3://acme-kops-state/prod.k8s.acme.de/config does not exist',
    })
  })

  it('a stored spec that is not YAML is an API-side error naming the object', async () => {
    const config = loadConfig('examples/production.yaml')
    const store = await storeWith(config)
    store.withObject(config.stateStore.bucket, `${config.name}/instancegroup/nodes-general`, 'spec: [unclosed')
    await expect(auditCluster({packageFiles, clock, stateStore: async () => store, kops: kopsAt('1.35.2')}, {config, live: true})).rejects.toThrow(
      /s3:\/\/acme-kops-state\/prod.k8s.acme.de\/instancegroup\/nodes-general is not valid YAML/,
    )
  })
})

describe('renderKopsSpec and the stored spec agree on kops object shape', () => {
  it('the manifest is the Cluster, then each InstanceGroup, as toYaml prints them', async () => {
    const config = loadConfig('examples/production.yaml')
    const rendered = renderKopsSpec(config, {
      cluster: await packageFiles.read('templates/cluster.yaml'),
      instanceGroup: await packageFiles.read('templates/instancegroup.yaml'),
      auditPolicy: await packageFiles.read('templates/audit-policy.yaml'),
    })
    expect(rendered.manifest.split('---\n')).toEqual([rendered.cluster, ...rendered.instanceGroups].map((o: KopsObject) => toYaml(o)))
  })
})
