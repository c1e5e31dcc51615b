import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {CreateBucketCommand} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, it} from 'vitest'

import type {AwsClients} from '../../src/adapters/aws/clients.js'
import {S3StateStore} from '../../src/adapters/aws/s3-state-store.js'
import {runCli} from '../helpers/cli.js'
import {motoClients, motoEnv, uniqueBucket} from '../helpers/moto.js'
import {cliWorkDir, STANDIN} from '../integration/kops/standin.js'

let clients: AwsClients
let store: S3StateStore

beforeAll(() => {
  clients = motoClients()
  store = new S3StateStore(clients)
})

async function emptyBucket(): Promise<string> {
  const bucket = uniqueBucket('hostile')
  await clients.s3.send(new CreateBucketCommand({Bucket: bucket, CreateBucketConfiguration: {LocationConstraint: 'eu-central-1'}}))
  return bucket
}

/** A working directory two levels deep, so `../../x` would land inside the test's own temp dir. */
function nestedCwd(): {top: string; cwd: string} {
  const top = cliWorkDir('kopsmith-hostile-')
  const cwd = join(top, 'a', 'b')
  mkdirSync(cwd, {recursive: true})
  return {top, cwd}
}

describe('names from flags are DNS-1123 cluster names, or exit 2 before anything is touched', () => {
  const hostile = ['../../x', '$(id)', 'Prod.K8s', 'a/b', '']

  it.each(hostile)('cluster delete --name %j: exit 2, no log outside the state directory, nothing in S3', async (name) => {
    const bucket = await emptyBucket()
    const {top, cwd} = nestedCwd()
    const r = await runCli(['cluster', 'delete', '--name', name, '--state', `s3://${bucket}`, '--yes', '--confirm', name, '--json'], {cwd, env: {...motoEnv(), KOPSMITH_KOPS: STANDIN}})
    expect(r.exitCode, r.stdout + r.stderr).toBe(2)
    expect(r.json).toMatchObject({status: 'error', error: {code: 'usage', message: expect.stringContaining('is not a cluster name')}})
    expect(readdirSync(top).sort()).toEqual(['a', 'node_modules'])
    expect(existsSync(join(top, 'x'))).toBe(false)
    expect(await store.listKeys(bucket, '')).toEqual([])
  })

  it('cluster unlock --name ../../x --force: exit 2 and no audit record under ../', async () => {
    const bucket = await emptyBucket()
    const r = await runCli(['cluster', 'unlock', '--name', '../../x', '--state-bucket', `s3://${bucket}`, '--force', '--json'], {env: motoEnv()})
    expect(r.exitCode, r.stdout + r.stderr).toBe(2)
    expect(r.json).toMatchObject({error: {message: expect.stringContaining('--name "../../x" is not a cluster name')}})
    expect(await store.listKeys(bucket, '')).toEqual([])
  })

  it('sandbox extend NAME: the argument is checked like --name', async () => {
    const bucket = await emptyBucket()
    const r = await runCli(['sandbox', 'extend', '../x', '--ttl', '1h', '--state', `s3://${bucket}`, '--json'], {env: {...motoEnv(), KOPSMITH_KOPS: STANDIN}})
    expect(r.exitCode, r.stdout + r.stderr).toBe(2)
    expect(r.json).toMatchObject({error: {message: expect.stringContaining('NAME "../x" is not a cluster name')}})
    expect(await store.listKeys(bucket, '')).toEqual([])
  })

  it('cluster validate --name checks the name before kops runs', async () => {
    const r = await runCli(['cluster', 'validate', '--name', '$(id)', '--state', 's3://acme-kops-state', '--json'], {env: {KOPSMITH_KOPS: '/nonexistent/kops'}})
    expect(r.exitCode, r.stdout + r.stderr).toBe(2)
    expect(r.json).toMatchObject({error: {code: 'usage'}})
  })

  it('sandbox create --zone and --state (old name --bucket) are checked too', async () => {
    const zone = await runCli(['sandbox', 'create', '--name', 'alice', '--zone', '../../etc', '--dry-run', '--json'])
    expect(zone.exitCode, zone.stdout).toBe(2)
    expect(zone.json).toMatchObject({error: {message: expect.stringContaining('--zone "../../etc" is not a DNS zone name')}})
    for (const flag of ['--state', '--bucket']) {
      const bucket = await runCli(['sandbox', 'create', '--name', 'alice', flag, 'a..b', '--dry-run', '--json'])
      expect(bucket.exitCode, bucket.stdout).toBe(2)
      expect(bucket.json).toMatchObject({error: {message: expect.stringContaining('"a..b" is not an S3 state store: expected s3://BUCKET')}})
    }
  })
})

describe('state stores from flags are checked before kops or S3 sees them (exit 2)', () => {
  it.each([
    ['cluster', 'list', '--state', 's3://../etc'],
    ['cluster', 'validate', '--name', 'prod.k8s.acme.de', '--state', 's3://../etc'],
    ['cluster', 'reap', '--state', 's3://../etc', '--dry-run'],
    ['cluster', 'delete', '--name', 'prod.k8s.acme.de', '--state', 's3://a..b', '--dry-run'],
    ['cluster', 'list', '--state', 's3://acme-kops-state/../other'],
  ])('%s %s %s %s', async (...argv) => {
    const r = await runCli([...argv, '--json'], {env: {KOPSMITH_KOPS: '/nonexistent/kops', KOPS_STATE_STORE: ''}})
    expect(r.exitCode, r.stdout + r.stderr).toBe(2)
    expect(r.json).toMatchObject({status: 'error', error: {code: 'usage'}})
  })
})

describe('user mistakes about paths and values are exit 2 or 3 naming the path, never "a bug in kopsmith" (exit 10)', () => {
  it('--output-dir that is a file: exit 2 naming it, nothing written', async () => {
    const dir = cliWorkDir('kopsmith-outdir-')
    writeFileSync(join(dir, 'out'), 'a file')
    const r = await runCli(['cluster', 'create', '-f', `${process.cwd()}/examples/production.yaml`, '--dry-run', '--output-dir', 'out', '--json'], {cwd: dir})
    expect(r.exitCode, r.stdout + r.stderr).toBe(2)
    expect(r.json).toMatchObject({error: {code: 'usage', message: 'cannot create directory out/kops: a part of the path is a file, not a directory', details: {path: 'out/kops'}}})
  })

  it('a directory as -f: exit 2 naming it', async () => {
    const r = await runCli(['config', 'validate', 'examples', '--json'])
    expect(r.exitCode).toBe(2)
    expect(r.json).toMatchObject({error: {message: 'cannot read cluster file examples: it is a directory, not a file'}})
  })

  it('-f /dev/urandom: exit 3 at the size limit, in bounded memory', async () => {
    const r = await runCli(['cluster', 'create', '-f', '/dev/urandom', '--dry-run', '--json'])
    expect(r.exitCode, r.stderr).toBe(3)
    expect(r.json).toMatchObject({error: {code: 'invalid-file', message: expect.stringContaining('larger than 4 MiB')}})
  })

  it('a cluster file that is not UTF-8: exit 3 with the position, nothing rendered', async () => {
    const dir = cliWorkDir('kopsmith-latin1-')
    const text = readFileSync('examples/production.yaml', 'utf8').replace('owner: platform@acme.de', 'owner: jürgen@acme.de')
    writeFileSync(join(dir, 'latin1.yaml'), Buffer.from(text, 'latin1'))
    const r = await runCli(['config', 'validate', 'latin1.yaml', '--json'], {cwd: dir})
    expect(r.exitCode, r.stdout + r.stderr).toBe(3)
    expect(r.json).toMatchObject({error: {code: 'invalid-file', details: {issues: [{message: 'the file is not UTF-8 text: save it as UTF-8', line: expect.any(Number)}]}}})
  })

  it('sandbox extend --ttl 9999999999d: exit 2', async () => {
    const r = await runCli(['sandbox', 'extend', 'alice.sandbox.k8s.acme.de', '--ttl', '9999999999d', '--state', 's3://acme-kops-state', '--json'], {env: {...motoEnv(), KOPSMITH_KOPS: STANDIN}})
    expect(r.exitCode, r.stdout + r.stderr).toBe(2)
    expect(r.json).toMatchObject({error: {code: 'usage', message: expect.stringContaining('more than a year')}})
  })

  it('a wait longer than a timer can hold: exit 2', async () => {
    const r = await runCli(['cluster', 'validate', '--name', 'prod.k8s.acme.de', '--state', 's3://acme-kops-state', '--wait', '9999999999d', '--json'], {env: {KOPSMITH_KOPS: '/nonexistent/kops'}})
    expect(r.exitCode, r.stdout + r.stderr).toBe(2)
    expect(r.json).toMatchObject({error: {message: expect.stringContaining('at most 24d')}})
  })
})

describe('H17 decides residency from where S3 keeps a bucket, never from its name', () => {
  it.each(['de-kops-1', 'ux-state-1'])('cluster create --dry-run with state bucket %s is planned (H17 unknown until S3 is asked), not refused', async (bucket) => {
    const dir = cliWorkDir('kopsmith-h17-')
    writeFileSync(join(dir, 'prod.yaml'), readFileSync('examples/production.yaml', 'utf8').replace(/bucket: [a-z0-9.-]+/, `bucket: ${bucket}`))
    const r = await runCli(['cluster', 'create', '-f', 'prod.yaml', '--dry-run', '--json'], {cwd: dir})
    expect(r.exitCode, r.stdout + r.stderr).toBe(0)
    const result = (r.json as {result: {hardening: {failed: string[]; unknown: Array<{id: string}>}}}).result
    expect(result.hardening.failed).toEqual([])
    expect(result.hardening.unknown.map((u) => u.id)).toContain('H17')
  })
})
