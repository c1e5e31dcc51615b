import {describe, expect, it} from 'vitest'

import {type AuditRecord, auditPrefix, lockKey} from '../../../src/core/aws/lock.js'
import {planExecutionMismatch} from '../../../src/core/plan.js'
import type {CliError} from '../../../src/core/errors.js'
import {KopsError, RefusedError, UsageError} from '../../../src/core/errors.js'
import {clusterMetadataKey, legacyClusterMetadataKey} from '../../../src/core/sandbox/metadata.js'
import {deleteCluster, type DeleteInput} from '../../../src/services/delete-cluster.js'
import {FakeKops} from '../../fakes/fake-kops.js'
import {FakeStateStore} from '../../fakes/fake-state-store.js'
import {FakeClock, MemoryWorkspace, operationContext} from './helpers.js'

const BUCKET = 'acme-kops-state'
const NAME = 'alice.sandbox.k8s.acme.de'
const KOPS_FILES = [`${NAME}/config`, `${NAME}/cluster-completed.spec`, `${NAME}/instancegroup/nodes-general`, `${NAME}/kops-version.txt`, `${NAME}/pki/private/kubernetes-ca/keyset.yaml`, `${NAME}/secrets/encryptionconfig`]
const AUDIT = `${auditPrefix(NAME)}20260501T100000.000Z-create-abcd1234.json`
/** Where kopsmith kept its records before they moved out of kops' cluster folder. */
const LEGACY_AUDIT = `${NAME}/kopsmith/audit/20260501T100000.000Z-create-abcd1234.json`

function metadata(protectedFlag: boolean, profile = 'sandbox'): string {
  return JSON.stringify({name: NAME, profile, owner: 'alice@acme.de', protected: protectedFlag, expiresAt: null, createdAt: '2026-05-01T10:00:00Z'})
}

function setup(options: {metadata?: string | null; labels?: Record<string, string>; extraFiles?: string[]; legacy?: boolean} = {}) {
  const store = new FakeStateStore().withBucket(BUCKET)
  const kops = new FakeKops().withCluster(NAME, {kubernetesVersion: '1.35.7', cloudLabels: options.labels ?? {'kopsmith.dev/profile': 'sandbox', 'kopsmith.dev/managed-by': 'kopsmith'}}).withStateIn(store, BUCKET)
  for (const key of [...KOPS_FILES, options.legacy ? LEGACY_AUDIT : AUDIT, ...(options.extraFiles ?? [])]) store.withObject(BUCKET, key, 'x')
  if (options.metadata !== null) store.withObject(BUCKET, options.legacy ? legacyClusterMetadataKey(NAME) : clusterMetadataKey(NAME), options.metadata ?? metadata(false))
  const clock = new FakeClock()
  const workspace = new MemoryWorkspace()
  void workspace.writeFile(`kubeconfig/${NAME}`, 'apiVersion: v1\nkind: Config\n', 0o600)
  const ports = {kops, workspace, clock, store: async () => store, operation: async () => operationContext(store, clock)}
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
  it('deletes with --yes --confirm: kops removes the cloud and its whole folder itself; kopsmith drops its metadata, its audit records stay', async () => {
    const t = setup()
    const result = await deleteCluster(t.ports, t.input())
    expect(result).toMatchObject({cluster: NAME, status: 'deleted', kubeconfigRemoved: true, audit: `s3://${BUCKET}/kopsmith/${NAME}/audit/`})
    expect(result.resources.map((r) => r.type)).toEqual(['autoscaling-group', 'instance', 'vpc'])
    expect(t.deletes()).toEqual([false, true])
    const left = t.keys()
    expect(left.filter((k) => !k.startsWith(auditPrefix(NAME)))).toEqual([])
    expect(left).toContain(AUDIT)
    const audits = left.filter((k) => k !== AUDIT).map((k) => JSON.parse(t.store.object(BUCKET, k)?.body ?? '{}') as AuditRecord)
    expect(audits).toMatchObject([{operation: 'delete', outcome: 'success'}])
    expect(await t.workspace.readFile(`kubeconfig/${NAME}`)).toBeUndefined()
    // The plan the confirmation showed is the plan that ran, step for step, in the audit record.
    const [audit] = audits
    expect(audit!.plan!.steps.map((s) => s.id)).toEqual(['lock:acquire', 'kops:delete-cluster', 'metadata:remove', 'kubeconfig:remove', 'lock:release'])
    expect(audit!.steps!.map((s) => `${s.id} ${s.status}`)).toEqual(audit!.plan!.steps.map((s) => `${s.id} done`))
    expect(planExecutionMismatch(audit!.plan!, audit!.steps!, true)).toEqual([])
    expect(result.plan!.steps.map((s) => s.id)).toEqual(audit!.plan!.steps.map((s) => s.id))
  })

  it("moves an older version's records out of kops' folder first, so kops removes the folder without refusing", async () => {
    const t = setup({legacy: true, metadata: metadata(false)})
    const result = await deleteCluster(t.ports, t.input())
    expect(result.status).toBe('deleted')
    expect(t.keys().filter((k) => k.startsWith(`${NAME}/`))).toEqual([])
    expect(t.keys()).toContain(AUDIT) // the old audit record, at its new place
    expect(t.keys()).not.toContain(clusterMetadataKey(NAME)) // moved, then dropped with the cluster
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
      expect(e.message).toContain(`s3://${BUCKET}/kopsmith/${NAME}/metadata.json is unreadable`)
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

  it("fails with kops' refusal (exit 5) and leaves kops' state when files nobody's tool wrote sit in the folder", async () => {
    const t = setup({extraFiles: [`${NAME}/notes/runbook.md`]})
    const error = await deleteCluster(t.ports, t.input()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KopsError)
    expect((error as CliError).exitCode).toBe(5)
    expect((error as CliError).message).toContain(`${NAME}/notes/runbook.md`)
    expect(t.keys()).toEqual(expect.arrayContaining([...KOPS_FILES, clusterMetadataKey(NAME)]))
  })

  it('previews in a dry run without the lock, and reports an absent cluster', async () => {
    const t = setup()
    const preview = await deleteCluster(t.ports, t.input({dryRun: true, yes: false, confirm: undefined}))
    expect(preview).toMatchObject({status: 'previewed', resources: [{type: 'autoscaling-group'}, {type: 'instance'}, {type: 'vpc'}]})
    expect(t.deletes()).toEqual([false])
    expect(t.keys()).not.toContain(lockKey(NAME))
    const absent = await deleteCluster({...t.ports, kops: new FakeKops()}, t.input())
    expect(absent).toMatchObject({status: 'absent', resources: []})
  })
})
