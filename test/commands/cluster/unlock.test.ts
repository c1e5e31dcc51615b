import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {CreateBucketCommand} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, it} from 'vitest'

import type {AwsClients} from '../../../src/adapters/aws/clients.js'
import {S3StateStore} from '../../../src/adapters/aws/s3-state-store.js'
import {auditPrefix, type AuditRecord, lockKey, type LockRecord} from '../../../src/core/aws/lock.js'
import {ROOT, runCli} from '../../helpers/cli.js'
import {motoClients, motoEnv, uniqueBucket} from '../../helpers/moto.js'

let clients: AwsClients
let store: S3StateStore

beforeAll(() => {
  clients = motoClients()
  store = new S3StateStore(clients)
})

const CLUSTER = 'prod.k8s.acme.de'
const HOLDER: LockRecord = {owner: 'arn:aws:sts::123456789012:assumed-role/ci/nightly-upgrade', host: 'runner-17', pid: 911, operation: 'upgrade', started: '2026-04-30T02:00:00.000Z', expires: '2026-04-30T04:00:00.000Z', token: 't'}

async function lockedBucket(): Promise<string> {
  const bucket = uniqueBucket('unlock')
  await clients.s3.send(new CreateBucketCommand({Bucket: bucket, CreateBucketConfiguration: {LocationConstraint: 'eu-central-1'}}))
  await store.putObject(bucket, lockKey(CLUSTER), JSON.stringify(HOLDER))
  return bucket
}

async function audits(bucket: string): Promise<AuditRecord[]> {
  const keys = await store.listKeys(bucket, auditPrefix(CLUSTER))
  return Promise.all(keys.map(async (k) => JSON.parse((await store.getObject(bucket, k))!.body) as AuditRecord))
}

describe('kopsmith cluster unlock', () => {
  it('refuses without --force (exit 2, naming the flag) and touches nothing', async () => {
    const bucket = await lockedBucket()
    const r = await runCli(['cluster', 'unlock', '--name', CLUSTER, '--state', `s3://${bucket}`, '--json'], {env: motoEnv()})
    expect(r.exitCode).toBe(2)
    expect(r.json).toMatchObject({status: 'error', error: {code: 'usage', exitCode: 2, message: expect.stringContaining('--force')}})
    expect(await store.getObject(bucket, lockKey(CLUSTER))).toBeDefined()
  })

  it('breaks the lock named by --name and KOPS_STATE_STORE, and audits whose lock it was', async () => {
    const bucket = await lockedBucket()
    const r = await runCli(['cluster', 'unlock', '--name', CLUSTER, '--force', '--json'], {env: {...motoEnv(), KOPS_STATE_STORE: `s3://${bucket}`}})
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.json).toMatchObject({status: 'ok', result: {cluster: CLUSTER, released: true, previousHolder: HOLDER, lock: `s3://${bucket}/${lockKey(CLUSTER)}`}})
    expect(await store.getObject(bucket, lockKey(CLUSTER))).toBeUndefined()
    const [audit, ...more] = await audits(bucket)
    expect(more).toEqual([])
    expect(audit).toMatchObject({operation: 'unlock', outcome: 'success', exitCode: 0, cluster: CLUSTER, previousHolder: HOLDER, command: ['kopsmith', 'cluster', 'unlock', '--name', CLUSTER, '--force', '--json']})
    expect(audit!.identity.arn).toMatch(/^arn:aws:/)
  })

  it('takes the bucket and the name from a cluster file with -f, and says so when nothing is locked', async () => {
    const bucket = await lockedBucket()
    const dir = mkdtempSync(join(tmpdir(), 'kopsmith-unlock-'))
    const file = join(dir, 'prod.yaml')
    writeFileSync(file, readFileSync(`${ROOT}examples/production.yaml`, 'utf8').replace('bucket: acme-kops-state', `bucket: ${bucket}`))
    const first = await runCli(['cluster', 'unlock', '-f', file, '--force'], {env: {...motoEnv(), KOPS_STATE_STORE: 's3://some-other-bucket'}})
    expect(first.exitCode, first.stderr).toBe(0)
    expect(first.stdout).toContain(`Unlocked ${CLUSTER}: broke the lock held by ${HOLDER.owner} on host runner-17 (pid 911), running upgrade`)
    const second = await runCli(['cluster', 'unlock', '-f', file, '--force', '--json'], {env: motoEnv()})
    expect(second.json).toMatchObject({status: 'ok', result: {released: false, previousHolder: null}})
    expect((await audits(bucket)).map((a) => a.previousHolder === null)).toEqual([false, true])
  })

  it('needs a bucket with --name (exit 2)', async () => {
    const r = await runCli(['cluster', 'unlock', '--name', CLUSTER, '--force', '--json'], {env: {...motoEnv(), KOPS_STATE_STORE: ''}})
    expect(r.exitCode).toBe(2)
    expect(r.json).toMatchObject({error: {message: expect.stringContaining('--state s3://BUCKET')}})
  })

  it('still accepts --state-bucket, its earlier name', async () => {
    const bucket = await lockedBucket()
    const r = await runCli(['cluster', 'unlock', '--name', CLUSTER, '--state-bucket', `s3://${bucket}`, '--force', '--json'], {env: {...motoEnv(), KOPS_STATE_STORE: ''}})
    expect(r.exitCode, r.stderr).toBe(0)
    expect(await store.getObject(bucket, lockKey(CLUSTER))).toBeUndefined()
  })
})
