import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {GetBucketPolicyCommand, GetBucketVersioningCommand} from '@aws-sdk/client-s3'
import {CreateHostedZoneCommand, Route53Client} from '@aws-sdk/client-route-53'
import {describe, expect, it} from 'vitest'

import {ROOT, runCli} from '../../helpers/cli.js'
import {motoEnv, uniqueBucket} from '../../helpers/moto.js'
import {cliWorkDir, readCallLog, STANDIN} from '../kops/standin.js'
import {listKeys, motoForFile, readObject, s3 as s3Client} from './support.js'

/**
 * `kopsmith cluster create --yes` as a user runs it: the real CLI, the real AWS adapters against
 * moto, the real kops adapter running the kops stand-in (state in the same S3 bucket). moto runs
 * through test/helpers/moto_tls.py, which evaluates the bucket policy's TLS condition as AWS does
 * (see there); without that, moto refuses every write to a hardened state bucket.
 */
const moto = motoForFile()

async function cluster(name: string) {
  const bucket = uniqueBucket('create')
  const dir = cliWorkDir('kopsmith-create-moto-')
  // A public zone: kopsmith creates it; a private one would be created by kops' own DNS task.
  const text = readFileSync(join(ROOT, 'examples/sandbox.yaml'), 'utf8')
    .replace('alice.sandbox.k8s.acme.de', name)
    .replace(/bucket: [a-z0-9.-]+/, `bucket: ${bucket}`)
  writeFileSync(join(dir, 'cluster.yaml'), text)
  // The parent zone in the same account, so the delegation can be checked (and is missing).
  await new Route53Client({region: 'us-east-1', endpoint: moto.url, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}}).send(
    new CreateHostedZoneCommand({Name: 'k8s.acme.de', CallerReference: `parent-${bucket}`}),
  )
  const callLog = join(dir, 'calls.jsonl')
  const create = (env: Record<string, string> = {}) =>
    runCli(['cluster', 'create', '-f', 'cluster.yaml', '--yes', '--json', '--delegate', '--skip', 'addons,namespaces'], {
      cwd: dir,
      env: {...motoEnv(moto.url), KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: callLog, KOPS_STANDIN_HEALTH: 'healthy', CI: '1', ...env},
      timeoutMs: 180_000,
    })
  return {bucket, dir, create, calls: () => readCallLog(callLog).map((c) => c.command)}
}

const keys = (bucket: string, prefix: string) => listKeys(moto.url, bucket, prefix)
const body = (bucket: string, key: string) => readObject(moto.url, bucket, key)
const s3 = () => s3Client(moto.url)

describe('cluster create --yes (moto + kops stand-in)', () => {
  it('builds the cluster: hardened bucket, delegated zone, kops spec and secret, validated, kubeconfig 0600, lock released, audited', {timeout: 240_000}, async () => {
    const name = 'e2e.sandbox.k8s.acme.de'
    const t = await cluster(name)
    const r = await t.create()
    expect(r.exitCode, r.stdout + r.stderr).toBe(0)
    const result = (r.json as {result: {cluster: string; steps: Array<{id: string; outcome: string}>}}).result
    expect(result.cluster).toBe(name)
    expect(result.steps).toMatchSnapshot()

    expect((await s3().send(new GetBucketVersioningCommand({Bucket: t.bucket}))).Status).toBe('Enabled')
    expect((await s3().send(new GetBucketPolicyCommand({Bucket: t.bucket}))).Policy).toContain('aws:SecureTransport')
    expect(await keys(t.bucket, `${name}/config`)).toEqual([`${name}/config`])
    expect(await keys(t.bucket, `${name}/kopsmith/lock.json`)).toEqual([])
    const audits = await keys(t.bucket, `${name}/kopsmith/audit/`)
    expect(audits).toHaveLength(1)
    expect(JSON.parse(await body(t.bucket, audits[0]!))).toMatchObject({operation: 'create', outcome: 'success', exitCode: 0})
    expect(JSON.parse(await body(t.bucket, `${name}/kopsmith/metadata.json`))).toMatchObject({name, profile: 'sandbox', expiresAt: expect.any(String)})
    expect(statSync(join(t.dir, '.kopsmith/kubeconfig', name)).mode & 0o777).toBe(0o600)
    expect(t.calls().filter((c) => ['create', 'create-secret-encryptionconfig', 'update-cluster', 'export-kubeconfig'].includes(c))).toEqual([
      'create',
      'create-secret-encryptionconfig',
      'update-cluster',
      'export-kubeconfig',
    ])
  })

  it('a kops failure exits 5 with the lock released and a failure audited; the re-run finishes without redoing work', {timeout: 240_000}, async () => {
    const name = 'retry.sandbox.k8s.acme.de'
    const t = await cluster(name)
    const failed = await t.create({KOPS_STANDIN_FAIL_AT: 'update-cluster:1'})
    expect(failed.exitCode).toBe(5)
    expect((failed.json as {error: {message: string}}).error.message).toContain('update cluster')
    expect(await keys(t.bucket, `${name}/kopsmith/lock.json`)).toEqual([])
    const again = await t.create()
    expect(again.exitCode, again.stdout).toBe(0)
    const outcomes = await Promise.all((await keys(t.bucket, `${name}/kopsmith/audit/`)).map(async (k) => (JSON.parse(await body(t.bucket, k)) as {outcome: string}).outcome))
    expect(outcomes.sort()).toEqual(['failure', 'success'])
    const calls = t.calls()
    expect(calls.filter((c) => c === 'create')).toHaveLength(1)
    expect(calls.filter((c) => c === 'create-secret-encryptionconfig')).toHaveLength(1)
    expect(calls.filter((c) => c === 'replace')).toHaveLength(0)
  })
})
