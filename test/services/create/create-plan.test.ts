import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {FsPackageFiles} from '../../../src/adapters/package-files.js'
import {FsUserFiles} from '../../../src/adapters/fs-user-files.js'
import {validateClusterFile} from '../../../src/core/config/validate.js'
import type {Plan} from '../../../src/core/plan.js'
import {toYaml} from '../../../src/core/render/kops-spec.js'
import {RefusedError} from '../../../src/core/errors.js'
import {previewClusterCreate} from '../../../src/services/apply-cluster-create.js'
import {type CreateClusterInput, planClusterCreate} from '../../../src/services/create-cluster.js'
import {metadataFromConfig, writeClusterMetadata} from '../../../src/services/cluster-metadata.js'
import {renderClusterManifests} from '../../../src/services/render-cluster.js'
import {FakeDns} from '../../fakes/fake-dns.js'
import {FakeIdentity} from '../../fakes/fake-identity.js'
import {FakeKops} from '../../fakes/fake-kops.js'
import {FakeStateStore} from '../../fakes/fake-state-store.js'
import {ROOT} from '../../helpers/cli.js'

const config = validateClusterFile(readFileSync(join(ROOT, 'examples/production.yaml'), 'utf8'), 'examples/production.yaml')
const ports = {packageFiles: new FsPackageFiles(), files: new FsUserFiles(), clock: {now: () => new Date('2026-11-26T12:00:00Z'), sleep: async () => {}}}
const input: CreateClusterInput = {config, file: 'examples/production.yaml', skip: new Set<never>(), delegate: false, allowChanges: new Set()}

/** The plan shown before an interactive run's confirmation: the run's own preflight, reading S3. */
async function preview(store: FakeStateStore, over: Partial<typeof input> = {}, kops = new FakeKops(), dns = new FakeDns()) {
  // kops sees the cluster the state store holds (its dry run of update runs against it).
  const stored = (await store.describeBucket(config.stateStore.bucket)) && (await store.getObject(config.stateStore.bucket, `${config.name}/config`))
  if (stored && !kops.stored(config.name)) kops.withCluster(config.name, {kubernetesVersion: config.kubernetesVersion})
  return previewClusterCreate({...ports, store, dns, kops, identity: new FakeIdentity()}, {...input, ...over})
}

async function storeWith(edit: (cluster: {spec: Record<string, unknown>}) => void): Promise<FakeStateStore> {
  const store = new FakeStateStore()
  await store.createBucket(config.stateStore.bucket, 'eu-central-1')
  const rendered = await renderClusterManifests(ports.packageFiles, config)
  const cluster = structuredClone(rendered.cluster) as unknown as {spec: Record<string, unknown>}
  edit(cluster)
  await store.putObject(config.stateStore.bucket, `${config.name}/config`, toYaml(cluster))
  for (const ig of rendered.instanceGroups) await store.putObject(config.stateStore.bucket, `${config.name}/instancegroup/${ig.metadata.name}`, toYaml(ig))
  return store
}

const kopsStep = (plan: {steps: Array<{id: string}>}) => plan.steps.find((s) => s.id === 'kops:create-or-replace')

describe('the create plan and the kubeconfig', () => {
  it("names kopsmith's state directory for the admin kubeconfig, and the user's kubeconfig only with --write-kubeconfig", async () => {
    const {plan} = await planClusterCreate(ports, input)
    const ids = plan.steps.map((s) => s.id)
    expect(plan.steps.find((s) => s.id === 'kubeconfig:export')?.title).toBe(`Export admin kubeconfig to kopsmith's state directory: kubeconfig/${config.name} (mode 0600)`)
    expect(ids).not.toContain('kubeconfig:write-user')
    const written = await planClusterCreate(ports, {...input, writeKubeconfig: '/home/alice/.kube/config'})
    const writtenIds = written.plan.steps.map((s) => s.id)
    expect(writtenIds.indexOf('kubeconfig:write-user')).toBe(writtenIds.indexOf('kubeconfig:export') + 1)
    expect(written.plan.steps.find((s) => s.id === 'kubeconfig:write-user')?.title).toBe(`Write context ${config.name} into /home/alice/.kube/config`)
  })
})

describe('the create plan against the stored spec', () => {
  it('the dry run reads nothing and states the find → compare → act rule', async () => {
    const {plan} = await planClusterCreate(ports, input)
    expect(kopsStep(plan)).toMatchObject({action: 'create', reason: expect.stringContaining('absent → create')})
  })

  it('no state bucket yet: the buckets and the cluster will be created', async () => {
    const plan = await preview(new FakeStateStore())
    expect(kopsStep(plan)).toMatchObject({action: 'create', title: 'kops create -f'})
    // The live plan keeps the offline plan's ids (the run executes by id); the action says create.
    expect(plan.steps.filter((s) => s.id.endsWith('bucket:ensure')).map((s) => [s.id, s.action])).toEqual([['state-bucket:ensure', 'create'], ['discovery-bucket:ensure', 'create']])
    expect(plan.steps.find((s) => s.id === 'preflight:existing-cluster')).toMatchObject({action: 'check', reason: 'no cluster of this name yet: nothing to compare'})
  })

  it('a stored spec equal to the rendered one: nothing to do, and kops\' own dry run of update says so too', async () => {
    const plan = await preview(await storeWith(() => {}))
    expect(kopsStep(plan)).toMatchObject({action: 'noop'})
    expect(plan.steps.find((s) => s.id === 'kops:update-cluster')).toMatchObject({action: 'noop', reason: expect.stringContaining('no changes need to be applied')})
  })

  it('with changes kops has not rolled out, the plan carries kops\' own dry run of update', async () => {
    const kops = new FakeKops()
    kops.withCluster(config.name, {kubernetesVersion: config.kubernetesVersion}).withPendingRollout(config.name, {update: true})
    const plan = await preview(await storeWith(() => {}), {}, kops)
    expect(plan.steps.find((s) => s.id === 'kops:update-cluster')).toMatchObject({action: 'update', reason: expect.stringContaining('kops update cluster (dry run, the spec stored now)')})
    expect(kops.calls.filter((c) => c.method === 'updateCluster').map((c) => [c.name, c.options?.yes])).toEqual([[config.name, false]])
  })

  it('a drifted stored spec: replace, with each changed field from live to desired', async () => {
    const store = await storeWith((c) => {
      c.spec.kubernetesVersion = '1.35.6'
      c.spec.kubernetesApiAccess = ['0.0.0.0/0']
    })
    const plan = await preview(store)
    expect(kopsStep(plan)).toMatchObject({
      action: 'update',
      title: 'kops replace -f',
      changes: expect.arrayContaining([
        {field: 'spec.kubernetesVersion', from: '1.35.6', to: '1.35.7'},
        {field: 'spec.kubernetesApiAccess', from: ['0.0.0.0/0'], to: ['10.0.0.0/8']},
      ]),
    })
  })
})

describe('the create plan against the existing cluster', () => {
  const unprotected = {...input, config: {...config, protected: false}}

  it('refuses (exit 9) what --allow-change does not name, as the run would, before showing a plan', async () => {
    const error = await preview(await storeWith(() => {}), unprotected).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RefusedError)
    expect((error as RefusedError).message).toContain('protected: unknown (counted as protected) → false (kops spec')
  })

  it('shows what --allow-change lets through, field by field', async () => {
    const plan = await preview(await storeWith(() => {}), {...unprotected, allowChanges: new Set(['protected'] as const)})
    expect(plan.steps.find((s) => s.id === 'preflight:existing-cluster')).toMatchObject({
      action: 'update',
      title: 'Change what the cluster is, as --allow-change names: protected',
      changes: [expect.objectContaining({from: 'unknown (counted as protected)', to: 'false'})],
    })
  })

  it('another Kubernetes minor is refused, pointing at cluster upgrade', async () => {
    const error = await preview(await storeWith((c) => (c.spec.kubernetesVersion = '1.34.10'))).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RefusedError)
    expect((error as RefusedError).message).toContain('kubernetes-version: 1.34.10 → 1.35.7 (kops spec: spec.kubernetesVersion)')
    expect((error as RefusedError).suggestions.join('\n')).toContain('kopsmith cluster upgrade -f FILE')
  })

  it('the dry run states the rule and what --allow-change names, reading nothing', async () => {
    const {plan} = await planClusterCreate(ports, {...input, allowChanges: new Set(['profile', 'protected'] as const)})
    expect(plan.steps.find((s) => s.id === 'preflight:existing-cluster')).toMatchObject({action: 'check', reason: expect.stringContaining('allowed by --allow-change: profile, protected')})
  })
})

describe('the live plan marks what is there already (=) before asking', () => {
  const publicInput = {...input, config: {...config, dns: {zone: config.dns.zone, type: 'public' as const}}}
  const step = (plan: Plan, id: string) => plan.steps.find((s) => s.id === id)

  it('a public zone that exists and is delegated: =, with its id; absent: create', async () => {
    const dns = new FakeDns().withZone('acme.de').withZone(config.dns.zone, {id: 'Z0CLUSTER'})
    await dns.withNsRecord('acme.de', config.dns.zone, await dns.zoneNameServers('Z0CLUSTER'))
    const plan = await preview(new FakeStateStore(), publicInput, new FakeKops(), dns)
    expect(step(plan, 'dns:ensure-public-zone')).toMatchObject({action: 'noop', title: `Public hosted zone ${config.dns.zone} (Z0CLUSTER)`, reason: 'exists; acme.de delegates to it'})
    const fresh = await preview(new FakeStateStore(), {...publicInput, delegate: true}, new FakeKops(), new FakeDns().withZone('acme.de'))
    expect(step(fresh, 'dns:ensure-public-zone')).toMatchObject({action: 'create', title: `Create public hosted zone ${config.dns.zone}`})
  })

  it('a zone whose parent delegates elsewhere: refused before the question without --delegate; an update of the NS record with it', async () => {
    const dns = new FakeDns().withZone('acme.de').withZone(config.dns.zone, {id: 'Z0CLUSTER'}).withNsRecord('acme.de', config.dns.zone, ['ns-1.elsewhere.example.'])
    await expect(preview(new FakeStateStore(), publicInput, new FakeKops(), dns)).rejects.toThrow(/is not delegated from its parent zone acme\.de/)
    const plan = await preview(new FakeStateStore(), {...publicInput, delegate: true}, new FakeKops(), dns)
    expect(step(plan, 'dns:ensure-public-zone')).toMatchObject({action: 'update', reason: expect.stringContaining('points elsewhere: upserted with --delegate')})
  })

  it('a private zone that exists shows its id', async () => {
    const plan = await preview(new FakeStateStore(), {}, new FakeKops(), new FakeDns().withZone(config.dns.zone, {private: true, id: 'Z0PRIVATE'}))
    expect(step(plan, 'dns:check-private-zone')?.title).toBe(`Check private hosted zone ${config.dns.zone} (Z0PRIVATE)`)
  })

  it('the encryption secret: = when kops holds it, create when the existing cluster has none, create for a new cluster', async () => {
    const held = new FakeKops().withCluster(config.name, {kubernetesVersion: config.kubernetesVersion})
    expect(step(await preview(await storeWith(() => {}), {}, held), 'kops:encryption-secret')).toMatchObject({action: 'noop', reason: expect.stringContaining('kops holds it already')})
    expect(held.methods()).toContain('hasEncryptionConfig')
    const none = new FakeKops().withCluster(config.name, {kubernetesVersion: config.kubernetesVersion, encryptionSecret: false})
    expect(step(await preview(await storeWith(() => {}), {}, none), 'kops:encryption-secret')).toMatchObject({action: 'create'})
    const fresh = new FakeKops()
    expect(step(await preview(new FakeStateStore(), {}, fresh), 'kops:encryption-secret')).toMatchObject({action: 'create'})
    expect(fresh.methods()).not.toContain('hasEncryptionConfig')
  })

  it("kopsmith's record: = when it says what the file says, run when the owner changed", async () => {
    const store = await storeWith(() => {})
    await writeClusterMetadata(store, config.stateStore.bucket, metadataFromConfig(config, new Date('2026-01-01T00:00:00Z')))
    expect(step(await preview(store), 'metadata:write')).toMatchObject({action: 'noop'})
    expect(step(await preview(store, {config: {...config, owner: 'someone-else@acme.de'}}), 'metadata:write')).toMatchObject({action: 'run'})
  })
})
