import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {CreateBucketCommand} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, it} from 'vitest'

import {S3StateStore} from '../../../src/adapters/aws/s3-state-store.js'
import type {AwsClients} from '../../../src/adapters/aws/clients.js'
import {auditPrefix} from '../../../src/core/aws/lock.js'
import {legacyClusterMetadataKey} from '../../../src/core/sandbox/metadata.js'
import {runCli} from '../../helpers/cli.js'
import {motoClients, motoEnv, uniqueBucket} from '../../helpers/moto.js'
import {cliWorkDir, clusterFile, normalise, readCallLog, seedCluster, STANDIN} from '../../integration/kops/standin.js'

let clients: AwsClients
let store: S3StateStore
let bucket: string

beforeAll(async () => {
  clients = motoClients()
  store = new S3StateStore(clients)
  bucket = uniqueBucket('delete')
  await clients.s3.send(new CreateBucketCommand({Bucket: bucket, CreateBucketConfiguration: {LocationConstraint: 'eu-central-1'}}))
})

function setup(name: string, options: {profile?: 'production' | 'sandbox'; protected?: boolean; seed?: boolean} = {}) {
  const profile = options.profile ?? 'sandbox'
  if (options.seed !== false) seedCluster(`s3://${bucket}`, {name, kubernetesVersion: '1.35.7', profile, ...(profile === 'production' ? {zones: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c']} : {})}, motoEnv())
  const dir = cliWorkDir('kopsmith-delete-')
  writeFileSync(join(dir, 'cluster.yaml'), clusterFile({name, bucket, kubernetesVersion: '1.35.7', profile, ...(options.protected === undefined ? {} : {protected: options.protected})}))
  const callLog = join(dir, 'calls.jsonl')
  const state = join(dir, 'state')
  const del = (args: string[], env: Record<string, string | undefined> = {}) =>
    runCli(['cluster', 'delete', ...args], {cwd: dir, env: {...motoEnv(), KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: callLog, KOPS_STATE_STORE: undefined, KOPSMITH_STATE_DIR: state, CI: '1', ...env}, timeoutMs: 120_000})
  const calls = () => readCallLog(callLog)
  const keys = () => store.listKeys(bucket, `${name}/`)
  return {dir, state, del, calls, keys}
}

describe('kopsmith cluster delete (moto + kops stand-in)', () => {
  it('refuses a protected cluster (exit 9) and deletes nothing', {timeout: 120_000}, async () => {
    const name = 'protected.k8s.acme.de'
    const t = setup(name, {profile: 'production', protected: true})
    const r = await t.del(['-f', 'cluster.yaml', '--yes', '--confirm', name, '--json'])
    expect(r.exitCode).toBe(9)
    expect((r.json as {error: {message: string}}).error.message).toBe(`${name} is protected: the cluster file says protected: true; nothing was deleted`)
    expect(t.calls().filter((c) => c.command === 'delete-cluster')).toEqual([])
    expect(await t.keys()).toContain(`${name}/config`)
  })

  it('refuses --confirm naming another cluster (exit 9) before asking kops anything', {timeout: 60_000}, async () => {
    const t = setup('mismatch.sandbox.k8s.acme.de', {seed: false})
    const r = await t.del(['-f', 'cluster.yaml', '--yes', '--confirm', 'prod.k8s.acme.de', '--json'])
    expect(r.exitCode).toBe(9)
    expect((r.json as {error: {message: string}}).error.message).toContain('does not match the cluster to delete (mismatch.sandbox.k8s.acme.de)')
    expect(t.calls()).toEqual([])
  })

  it('needs --yes --confirm NAME when not interactive (exit 2)', {timeout: 60_000}, async () => {
    const name = 'noconfirm.sandbox.k8s.acme.de'
    const t = setup(name, {seed: false})
    for (const args of [['--yes'], []]) {
      const r = await t.del(['-f', 'cluster.yaml', ...args, '--json'])
      expect(r.exitCode).toBe(2)
      expect((r.json as {error: {message: string}}).error.message).toContain(`pass --yes --confirm ${name}`)
    }
    const byName = await t.del(['--name', name, '--yes', '--confirm', name, '--json'])
    expect(byName.exitCode).toBe(2) // no --state, no KOPS_STATE_STORE
    expect(t.calls()).toEqual([])
  })

  it('deletes a sandbox: kops removes the cloud resources and its whole folder, the kubeconfig goes, the audit records stay (--json pinned)', {timeout: 180_000}, async () => {
    const name = 'bye.sandbox.k8s.acme.de'
    const t = setup(name)
    mkdirSync(join(t.state, 'kubeconfig'), {recursive: true})
    writeFileSync(join(t.state, 'kubeconfig', name), 'apiVersion: v1\nkind: Config\n', {mode: 0o600})
    // Records as an older kopsmith left them, inside kops' cluster folder: the delete run moves them first.
    const oldAudit = `${name}/kopsmith/audit/20260501T000000.000Z-create-abcd1234.json`
    await store.putObject(bucket, legacyClusterMetadataKey(name), JSON.stringify({name, profile: 'sandbox', owner: 'alice@acme.de', protected: false, expiresAt: null, createdAt: '2026-05-01T00:00:00Z'}))
    await store.putObject(bucket, oldAudit, JSON.stringify({operation: 'create', outcome: 'success', cluster: name}))

    const preview = await t.del(['--name', name, '--dry-run', '--json'], {KOPS_STATE_STORE: `s3://${bucket}`})
    expect(preview.exitCode, preview.stderr).toBe(0)
    expect((preview.json as {result: {status: string}}).result.status).toBe('previewed')

    const r = await t.del(['-f', 'cluster.yaml', '--yes', '--confirm', name, '--json'])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(normalise(r.json, {[bucket]: '<bucket>'})).toMatchSnapshot()

    // kops removed everything itself: nothing of kopsmith's was left in its folder to refuse over.
    expect(t.calls().filter((c) => c.command === 'delete-cluster').map((c) => [c.argv.join(' '), c.exitCode])).toEqual([
      [`delete cluster --name ${name}`, 0],
      [`delete cluster --name ${name}`, 0],
      [`delete cluster --name ${name} --yes`, 0],
    ])
    expect(await t.keys()).toEqual([])
    const records = await store.listKeys(bucket, `kopsmith/${name}/`)
    expect(records.every((k) => k.startsWith(auditPrefix(name)) && !k.endsWith('/config'))).toBe(true)
    expect(records).toContain(`kopsmith/${name}/audit/20260501T000000.000Z-create-abcd1234.json`) // moved, kept
    const audits = await Promise.all(records.map(async (k) => JSON.parse((await store.getObject(bucket, k))?.body ?? '{}') as Record<string, unknown>))
    expect(audits).toContainEqual(expect.objectContaining({operation: 'delete', outcome: 'success', cluster: name}))
    expect(existsSync(join(t.state, 'kubeconfig', name))).toBe(false)
    expect(existsSync(join(t.dir, '.kopsmith'))).toBe(false)

    const list = await runCli(['cluster', 'list', '--state', `s3://${bucket}`, '--json'], {cwd: t.dir, env: {...motoEnv(), KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: ''}})
    expect((list.json as {result: {clusters: Array<{name: string}>}}).result.clusters.map((c) => c.name)).not.toContain(name)
    const again = await t.del(['-f', 'cluster.yaml', '--yes', '--confirm', name, '--json'])
    expect(again.exitCode, again.stderr).toBe(0)
    expect((again.json as {result: {status: string}}).result.status).toBe('absent')
  })
})
