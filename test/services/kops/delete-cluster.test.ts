import {describe, expect, it} from 'vitest'

import type {CliError} from '../../../src/core/errors.js'
import {KopsError, RefusedError, UsageError} from '../../../src/core/errors.js'
import {deleteCluster, type DeleteInput} from '../../../src/services/delete-cluster.js'
import {FakeKops} from '../../fakes/fake-kops.js'
import {FakeStateStore} from '../../fakes/fake-state-store.js'
import {FakeClock, MemoryWorkspace, operationContext} from './helpers.js'

const BUCKET = 'acme-kops-state'
const NAME = 'alice.sandbox.k8s.acme.de'
const KOPS_FILES = [`${NAME}/config`, `${NAME}/cluster-completed.spec`, `${NAME}/instancegroup/nodes-general`, `${NAME}/kops-version.txt`, `${NAME}/pki/private/kubernetes-ca/keyset.yaml`, `${NAME}/secrets/encryptionconfig`]
const OLD_AUDIT = `${NAME}/kopsmith/audit/20260501T100000.000Z-create-abcd1234.json`

function metadata(protectedFlag: boolean, profile = 'sandbox'): string {
  return JSON.stringify({name: NAME, profile, owner: 'alice@acme.de', protected: protectedFlag, expiresAt: null, createdAt: '2026-05-01T10:00:00Z'})
}

function setup(options: {metadata?: string | null; labels?: Record<string, string>; extraFiles?: string[]} = {}) {
  const kops = new FakeKops().withCluster(NAME, {kubernetesVersion: '1.35.7', cloudLabels: options.labels ?? {'kopsmith.dev/profile': 'sandbox', 'kopsmith.dev/managed-by': 'kopsmith'}}).refusingStateRemoval()
  const store = new FakeStateStore().withBucket(BUCKET)
  for (const key of [...KOPS_FILES, OLD_AUDIT, ...(options.extraFiles ?? [])]) store.withObject(BUCKET, key, 'x')
  if (options.metadata !== null) store.withObject(BUCKET, `${NAME}/kopsmith/metadata.json`, options.metadata ?? metadata(false))
  const clock = new FakeClock()
  const workspace = new MemoryWorkspace()
  void workspace.writeFile(`kubeconfig/${NAME}`, 'apiVersion: v1\nkind: Config\n', 0o600)
  const ports = {kops, workspace, store: async () => store, operation: async () => operationContext(store, clock)}
  const input = (over: Partial<DeleteInput> = {}): DeleteInput => ({
    name: NAME,
    bucket: BUCKET,
    how: `--name ${NAME} --state s3://${BUCKET}`,
    yes: true,
    confirm: NAME,
    dryRun: false,
    interactive: false,
    command: ['kopsmith', 'cluster', 'delete', '--name', NAME, '--yes', '--confirm', NAME],
    ...over,
  })
  const keys = () => [...(store.buckets.get(BUCKET)?.objects.keys() ?? [])].sort()
  const deletes = () => kops.calls.filter((c) => c.method === 'deleteCluster').map((c) => c.options?.yes)
  return {kops, store, workspace, ports, input, keys, deletes}
}

describe('deleteCluster', () => {
  it("deletes with --yes --confirm: kops removes the cloud, kopsmith finishes kops' state, audit records stay", async () => {
    const t = setup()
    const result = await deleteCluster(t.ports, t.input())
    expect(result).toMatchObject({cluster: NAME, status: 'deleted', stateRemovedBy: 'kopsmith', kubeconfigRemoved: true, audit: `s3://${BUCKET}/${NAME}/kopsmith/audit/`})
    expect(result.resources.map((r) => r.type)).toEqual(['autoscaling-group', 'instance', 'vpc'])
    expect(t.deletes()).toEqual([false, true])
    const left = t.keys()
    expect(left.filter((k) => !k.startsWith(`${NAME}/kopsmith/audit/`))).toEqual([])
    expect(left).toContain(OLD_AUDIT)
    const audits = left.filter((k) => k !== OLD_AUDIT).map((k) => JSON.parse(t.store.object(BUCKET, k)?.body ?? '{}') as Record<string, unknown>)
    expect(audits).toMatchObject([{operation: 'delete', outcome: 'success'}])
    expect(await t.workspace.readFile(`kubeconfig/${NAME}`)).toBeUndefined()
    // kops' config goes last, so a run that stops half-way still finds the cluster and finishes.
    const deleted = t.store.calls.filter((c) => c.method === 'deleteObject').map((c) => c.key)
    expect(deleted.indexOf(`${NAME}/config`)).toBeGreaterThan(deleted.indexOf(`${NAME}/instancegroup/nodes-general`))
    expect(deleted.indexOf(`${NAME}/config`)).toBeGreaterThan(deleted.indexOf(`${NAME}/kopsmith/metadata.json`))
  })

  it('refuses a cluster kopsmith recorded as protected (exit 9) before deleting anything', async () => {
    const t = setup({metadata: metadata(true, 'production')})
    const error = await deleteCluster(t.ports, t.input()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RefusedError)
    expect((error as CliError).exitCode).toBe(9)
    expect((error as CliError).message).toContain('is protected')
    expect(t.deletes()).toEqual([])
    expect(t.keys()).toContain(`${NAME}/config`)
  })

  it('refuses when the cluster file says protected, even if the record says otherwise', async () => {
    const t = setup()
    await expect(deleteCluster(t.ports, t.input({fileProtected: true}))).rejects.toBeInstanceOf(RefusedError)
    expect(t.deletes()).toEqual([])
  })

  it('without a kopsmith record, trusts a sandbox label and refuses anything else', async () => {
    const sandbox = setup({metadata: null})
    expect((await deleteCluster(sandbox.ports, sandbox.input())).status).toBe('deleted')
    const foreign = setup({metadata: null, labels: {}})
    const error = await deleteCluster(foreign.ports, foreign.input()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RefusedError)
    expect((error as CliError).message).toContain('protection is unknown')
  })

  it('refuses when kopsmith\'s record is unreadable or invalid, whatever the labels say, naming the object and the fix', async () => {
    for (const broken of ['{"name": "alice', JSON.stringify({name: NAME, profile: 'sandbox', owner: 'alice@acme.de', protected: 'no', expiresAt: null, createdAt: '2026-05-01T10:00:00Z'})]) {
      const t = setup({metadata: broken})
      const error = await deleteCluster(t.ports, t.input()).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RefusedError)
      const e = error as CliError
      expect(e.message).toContain(`s3://${BUCKET}/${NAME}/kopsmith/metadata.json is unreadable`)
      expect(e.suggestions.join('\n')).toContain('kopsmith cluster create -f FILE --yes (an unreadable record counts as protected, so a file saying protected: false also needs --allow-change protected')
      expect(e.suggestions.join('\n')).toContain('list-object-versions')
      expect(t.deletes()).toEqual([])
      expect(t.keys()).toContain(`${NAME}/config`)
    }
  })

  it('needs --yes and --confirm when not interactive (exit 2), before asking kops anything', async () => {
    for (const over of [{confirm: undefined}, {yes: false}]) {
      const t = setup()
      const error = await deleteCluster(t.ports, t.input(over)).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(UsageError)
      expect((error as CliError).message).toContain(`--yes --confirm ${NAME}`)
      expect(t.kops.calls).toEqual([])
    }
  })

  it('refuses a --confirm that names another cluster (exit 9)', async () => {
    const t = setup()
    const error = await deleteCluster(t.ports, t.input({confirm: 'prod.k8s.acme.de'})).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RefusedError)
    expect((error as CliError).exitCode).toBe(9)
    expect(t.kops.calls).toEqual([])
  })

  it('asks a person to type the name after showing the preview; a wrong name deletes nothing', async () => {
    const wrong = setup()
    let previewed = 0
    const error = await deleteCluster(wrong.ports, wrong.input({interactive: true, yes: false, confirm: undefined, askName: async (_n, resources) => ((previewed = resources.length), 'alice')})).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RefusedError)
    expect(previewed).toBe(3)
    expect(wrong.deletes()).toEqual([false])
    const right = setup()
    const result = await deleteCluster(right.ports, right.input({interactive: true, yes: false, confirm: undefined, askName: async (name) => ` ${name} `}))
    expect(result.status).toBe('deleted')
  })

  it('leaves the state alone when files neither kops nor kopsmith wrote sit beside it', async () => {
    const t = setup({extraFiles: [`${NAME}/notes/runbook.md`]})
    const error = await deleteCluster(t.ports, t.input()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KopsError)
    expect((error as CliError).message).toContain(`${NAME}/notes/runbook.md`)
    expect(t.keys()).toEqual(expect.arrayContaining(KOPS_FILES))
  })

  it('previews in a dry run without the lock, and reports an absent cluster', async () => {
    const t = setup()
    const preview = await deleteCluster(t.ports, t.input({dryRun: true, yes: false, confirm: undefined}))
    expect(preview).toMatchObject({status: 'previewed', resources: [{type: 'autoscaling-group'}, {type: 'instance'}, {type: 'vpc'}]})
    expect(t.deletes()).toEqual([false])
    expect(t.keys()).not.toContain(`${NAME}/kopsmith/lock.json`)
    const absent = await deleteCluster({...t.ports, kops: new FakeKops()}, t.input())
    expect(absent).toMatchObject({status: 'absent', resources: []})
  })
})
