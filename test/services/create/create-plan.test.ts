import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {FsPackageFiles} from '../../../src/adapters/package-files.js'
import {FsUserFiles} from '../../../src/adapters/fs-user-files.js'
import {validateClusterFile} from '../../../src/core/config/validate.js'
import {toYaml} from '../../../src/core/render/kops-spec.js'
import {planClusterCreate} from '../../../src/services/create-cluster.js'
import {renderClusterManifests} from '../../../src/services/render-cluster.js'
import {FakeStateStore} from '../../fakes/fake-state-store.js'
import {ROOT} from '../../helpers/cli.js'

const config = validateClusterFile(readFileSync(join(ROOT, 'examples/production.yaml'), 'utf8'), 'examples/production.yaml')
const ports = {packageFiles: new FsPackageFiles(), files: new FsUserFiles(), clock: {now: () => new Date('2026-11-26T12:00:00Z'), sleep: async () => {}}}
const input = {config, file: 'examples/production.yaml', skip: new Set<never>(), delegate: false}

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

  it('no state bucket yet: the cluster will be created', async () => {
    const {plan} = await planClusterCreate(ports, input, {store: new FakeStateStore()})
    expect(kopsStep(plan)).toMatchObject({action: 'create', title: 'kops create -f'})
  })

  it('a stored spec equal to the rendered one: nothing to do', async () => {
    const {plan} = await planClusterCreate(ports, input, {store: await storeWith(() => {})})
    expect(kopsStep(plan)).toMatchObject({action: 'noop'})
  })

  it('a drifted stored spec: replace, with each changed field from live to desired', async () => {
    const store = await storeWith((c) => {
      c.spec.kubernetesVersion = '1.34.10'
      c.spec.kubernetesApiAccess = ['0.0.0.0/0']
    })
    const {plan} = await planClusterCreate(ports, input, {store})
    expect(kopsStep(plan)).toMatchObject({
      action: 'update',
      title: 'kops replace -f',
      changes: expect.arrayContaining([
        {field: 'spec.kubernetesVersion', from: '1.34.10', to: '1.35.7'},
        {field: 'spec.kubernetesApiAccess', from: ['0.0.0.0/0'], to: ['10.0.0.0/8']},
      ]),
    })
  })
})
