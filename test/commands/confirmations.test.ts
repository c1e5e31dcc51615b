import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {CreateBucketCommand} from '@aws-sdk/client-s3'
import {beforeAll, beforeEach, describe, expect, it, vi} from 'vitest'

import {S3StateStore} from '../../src/adapters/aws/s3-state-store.js'
import AddonsInstall from '../../src/commands/addons/install.js'
import ClusterCreate from '../../src/commands/cluster/create.js'
import ClusterDelete from '../../src/commands/cluster/delete.js'
import ClusterReap from '../../src/commands/cluster/reap.js'
import ClusterUpgrade from '../../src/commands/cluster/upgrade.js'
import NamespacesBootstrap from '../../src/commands/namespaces/bootstrap.js'
import SandboxCreate from '../../src/commands/sandbox/create.js'
import {clusterMetadataKey, serializeClusterMetadata} from '../../src/core/sandbox/metadata.js'
import type * as Deps from '../../src/deps.js'
import type {DepsOptions} from '../../src/deps.js'
import {ENTER, FakePrompter} from '../fakes/fake-prompter.js'
import {ROOT} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {motoClients, motoEnv, uniqueBucket} from '../helpers/moto.js'
import {cliWorkDir, clusterFile, readCallLog, seedCluster, STANDIN} from '../integration/kops/standin.js'

/**
 * Answering "no" exits the same way in every command that asks: 9 (refused, nothing changed; see
 * DeclinedError). Each command runs in this process with a scripted prompter in place of the
 * terminal; AWS is moto and kops the stand-in, so each command gets as far as its question for real.
 */
const answers = vi.hoisted(() => ({prompter: undefined as FakePrompter | undefined}))
vi.mock('../../src/deps.js', async (importOriginal) => {
  const real = await importOriginal<typeof Deps>()
  return {
    ...real,
    createDeps: (options: DepsOptions) => ({
      ...real.createDeps(options),
      prompter: async () => {
        if (!answers.prompter) throw new Error('no scripted prompter for this test')
        return answers.prompter
      },
    }),
  }
})

const SLOW = 180_000
let bucket: string
let store: S3StateStore

beforeAll(async () => {
  const clients = motoClients()
  store = new S3StateStore(clients)
  bucket = uniqueBucket('no')
  await clients.s3.send(new CreateBucketCommand({Bucket: bucket, CreateBucketConfiguration: {LocationConstraint: 'eu-central-1'}}))
}, SLOW)

beforeEach(() => {
  answers.prompter = undefined
})

function no(): FakePrompter {
  answers.prompter = new FakePrompter(true).answering(false)
  return answers.prompter
}

function expectDeclined(r: {exitCode: number; stderr: string}, message: string, prompter: FakePrompter): void {
  expect(r.exitCode, r.stderr).toBe(9)
  expect(r.stderr).toContain(`Error: ${message}`)
  expect(prompter.asked.map((q) => q.kind)).toContain('confirm')
  expect(prompter.asked.find((q) => q.kind === 'confirm')?.default).toBe(false)
  expect(prompter.unused).toBe(0)
}

describe('answering no at a confirmation exits 9 in every command that asks', () => {
  it('cluster create', async () => {
    const dir = cliWorkDir('kopsmith-no-')
    const own = uniqueBucket('no-create')
    writeFileSync(join(dir, 'cluster.yaml'), clusterFile({name: 'no.k8s.acme.de', bucket: own, kubernetesVersion: '1.35.7'}))
    const prompter = no()
    // The plan shown before asking comes from the preflight's reads, kops' version among them.
    const r = await runInProcess(ClusterCreate, ['-f', 'cluster.yaml'], {cwd: dir, env: {KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: ''}})
    expectDeclined(r, 'not creating no.k8s.acme.de: answered no; nothing was changed', prompter)
    expect(r.stdout).toContain('Plan: create no.k8s.acme.de')
    expect(await store.describeBucket(own)).toBeUndefined()
  })

  it('cluster upgrade', {timeout: SLOW}, async () => {
    const name = 'no-upgrade.k8s.acme.de'
    seedCluster(`s3://${bucket}`, {name, kubernetesVersion: '1.34.10'}, motoEnv())
    const dir = cliWorkDir('kopsmith-no-')
    writeFileSync(join(dir, 'cluster.yaml'), clusterFile({name, bucket, kubernetesVersion: '1.35.7', window: 'Mon-Sun 00:00-24:00 UTC'}))
    const callLog = join(dir, 'calls.jsonl')
    const prompter = no()
    const r = await runInProcess(ClusterUpgrade, ['-f', 'cluster.yaml', '--skip', 'addons'], {cwd: dir, env: {KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: callLog}})
    expectDeclined(r, `not upgrading ${name}: answered no; nothing was changed`, prompter)
    // Planning reads (get, validate, previews without --yes); nothing that changes the cluster ran.
    expect(readCallLog(callLog).filter((c) => c.command === 'replace' || c.argv.includes('--yes')).map((c) => c.argv.join(' '))).toEqual([])
  })

  it('cluster delete (a typed name that is not the cluster, or nothing, is a no)', {timeout: SLOW}, async () => {
    const name = 'no-delete.sandbox.k8s.acme.de'
    seedCluster(`s3://${bucket}`, {name, kubernetesVersion: '1.35.7', profile: 'sandbox'}, motoEnv())
    for (const typed of ['', 'something-else']) {
      answers.prompter = new FakePrompter(true).answering(typed)
      const r = await runInProcess(ClusterDelete, ['--name', name, '--state', `s3://${bucket}`], {cwd: cliWorkDir('kopsmith-no-'), env: {KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: ''}})
      expect(r.exitCode, r.stderr).toBe(9)
      expect(r.stderr).toContain(`Error: you typed "${typed}", not ${name}; nothing was deleted`)
    }
    expect(await store.getObject(bucket, `${name}/config`)).toBeDefined()
  })

  it('cluster reap', {timeout: SLOW}, async () => {
    const name = 'no-reap.sandbox.k8s.acme.de'
    const reapBucket = uniqueBucket('no-reap')
    await motoClients().s3.send(new CreateBucketCommand({Bucket: reapBucket, CreateBucketConfiguration: {LocationConstraint: 'eu-central-1'}}))
    seedCluster(`s3://${reapBucket}`, {name, kubernetesVersion: '1.35.7', profile: 'sandbox', expiresAt: '2026-01-01T00:00:00Z'}, motoEnv())
    await store.putObject(reapBucket, clusterMetadataKey(name), serializeClusterMetadata({name, profile: 'sandbox', owner: 'alice@acme.de', protected: false, expiresAt: '2026-01-01T00:00:00Z', createdAt: '2025-12-29T00:00:00Z'}))
    const prompter = no()
    const r = await runInProcess(ClusterReap, ['--state', `s3://${reapBucket}`, '--at', '2026-02-01T00:00:00Z'], {cwd: cliWorkDir('kopsmith-no-'), env: {KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: ''}})
    expectDeclined(r, 'not reaping the expired sandbox clusters: answered no; nothing was deleted', prompter)
    expect(await store.getObject(reapBucket, `${name}/config`)).toBeDefined()
  })

  it('addons install (the plan is shown before the question)', async () => {
    const prompter = no()
    const r = await runInProcess(AddonsInstall, ['-f', join(ROOT, 'examples/production.yaml')], {cwd: cliWorkDir('kopsmith-no-')})
    expectDeclined(r, 'not installing the addons on prod.k8s.acme.de: answered no; nothing was applied', prompter)
    expect(r.stdout).toContain('Plan: addons install prod.k8s.acme.de (8 steps)')
    expect(r.stdout).toContain('Wait for 3 rollout(s): Deployment traefik/traefik')
  })

  it('namespaces bootstrap (the plan is shown before the question)', async () => {
    const prompter = no()
    // The cluster is named first: a run that cannot go ahead fails (exit 2) before asking.
    const r = await runInProcess(NamespacesBootstrap, ['-f', join(ROOT, 'examples/namespaces.yaml'), '--cluster', 'prod.k8s.acme.de'], {cwd: cliWorkDir('kopsmith-no-')})
    expectDeclined(r, 'not applying the namespaces: answered no; nothing was applied', prompter)
    expect(r.stdout).toContain('Plan: namespaces bootstrap prod.k8s.acme.de (3 steps)')
  })

  it('sandbox create (the default is no: Enter declines too)', async () => {
    for (const answer of [false, 'enter'] as const) {
      const dir = cliWorkDir('kopsmith-no-')
      answers.prompter = new FakePrompter(true).answering(answer === 'enter' ? ENTER : answer)
      const prompter = answers.prompter
      const r = await runInProcess(SandboxCreate, ['--name', 'bob', '--owner', 'bob@acme.de', '--state', `s3://${bucket}`, '--size', 'small', '--ttl', '24h'], {cwd: dir, env: {KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: ''}})
      expectDeclined(r, 'not creating bob.sandbox.k8s.acme.de: answered no; nothing was written', prompter)
      expect(existsSync(join(dir, 'clusters'))).toBe(false)
    }
  })
})
