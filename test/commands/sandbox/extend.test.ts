import {CreateBucketCommand} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, it} from 'vitest'
import YAML from 'yaml'

import type {AwsClients} from '../../../src/adapters/aws/clients.js'
import {S3StateStore} from '../../../src/adapters/aws/s3-state-store.js'
import {auditPrefix, lockKey} from '../../../src/core/aws/lock.js'
import {LABELS} from '../../../src/core/naming.js'
import {clusterMetadataKey, serializeClusterMetadata, type ClusterMetadata} from '../../../src/core/sandbox/metadata.js'
import {runCli} from '../../helpers/cli.js'
import {motoClients, motoEnv, uniqueBucket} from '../../helpers/moto.js'
import {seedCluster, STANDIN} from '../../integration/kops/standin.js'
import {workDir} from './support.js'

const NAME = 'alice.sandbox.k8s.acme.de'
const H = 3_600_000
const SLOW = 120_000

let clients: AwsClients
let store: S3StateStore

beforeAll(() => {
  clients = motoClients()
  store = new S3StateStore(clients)
})

async function stateWith(profile: 'production' | 'sandbox', expiresAt: string | null): Promise<string> {
  const bucket = uniqueBucket('extend')
  await clients.s3.send(new CreateBucketCommand({Bucket: bucket, CreateBucketConfiguration: {LocationConstraint: 'eu-central-1'}}))
  seedCluster(`s3://${bucket}`, {name: NAME, kubernetesVersion: '1.35.7', profile: 'sandbox', ...(expiresAt ? {expiresAt} : {})}, motoEnv())
  const m: ClusterMetadata = {name: NAME, profile, owner: 'alice@acme.de', protected: profile === 'production', expiresAt, createdAt: '2026-05-01T00:00:00Z'}
  await store.putObject(bucket, clusterMetadataKey(NAME), serializeClusterMetadata(m))
  return bucket
}

const run = (args: string[]) => {
  const dir = workDir('kopsmith-extend-')
  return runCli(['sandbox', 'extend', NAME, ...args, '--json'], {cwd: dir, env: {...motoEnv(), KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: '', KOPS_STANDIN_FAIL_AT: ''}, timeoutMs: SLOW})
}

async function storedLabels(bucket: string): Promise<Record<string, string>> {
  const config = YAML.parse((await store.getObject(bucket, `${NAME}/config`))!.body) as {spec: {cloudLabels: Record<string, string>}}
  return config.spec.cloudLabels
}

describe('kopsmith sandbox extend (moto + kops stand-in)', () => {
  it('moves the expiry in metadata.json and in the stored kops spec, audited as extend', async () => {
    const current = new Date(Math.floor(Date.now() / 1000) * 1000 + 2 * H).toISOString().replace('.000Z', 'Z')
    const bucket = await stateWith('sandbox', current)
    const r = await run(['--ttl', '24h', '--state', `s3://${bucket}`])
    expect(r.exitCode, r.stderr).toBe(0)
    const expected = new Date(Date.parse(current) + 24 * H).toISOString().replace('.000Z', 'Z')
    expect(r.json).toMatchObject({status: 'ok', result: {cluster: NAME, previous: current, expiresAt: expected, capped: false}})

    const metadata = JSON.parse((await store.getObject(bucket, clusterMetadataKey(NAME)))!.body) as ClusterMetadata
    expect(metadata.expiresAt).toBe(expected)
    const labels = await storedLabels(bucket)
    expect(labels[LABELS.expiresAt]).toBe(expected)
    expect(labels[LABELS.profile]).toBe('sandbox')
    const audits = await store.listKeys(bucket, auditPrefix(NAME))
    expect(audits).toHaveLength(1)
    expect(JSON.parse((await store.getObject(bucket, audits[0]!))!.body)).toMatchObject({operation: 'extend', outcome: 'success'})
    expect(await store.getObject(bucket, lockKey(NAME))).toBeUndefined()
  }, SLOW)

  it('refuses a production cluster, even one labelled as a sandbox (exit 9), changing nothing', async () => {
    const bucket = await stateWith('production', null)
    const before = await store.getObject(bucket, clusterMetadataKey(NAME))
    const r = await run(['--ttl', '24h', '--state', `s3://${bucket}`])
    expect(r.exitCode).toBe(9)
    expect(r.json).toMatchObject({status: 'error', error: {code: 'refused', message: expect.stringContaining('its profile is production')}})
    expect((await store.getObject(bucket, clusterMetadataKey(NAME)))?.etag).toBe(before?.etag)
    expect(await store.listKeys(bucket, auditPrefix(NAME))).toEqual([])
  }, SLOW)

  it('needs a state store (exit 2)', async () => {
    const dir = workDir('kopsmith-extend-')
    const r = await runCli(['sandbox', 'extend', NAME, '--ttl', '24h', '--json'], {cwd: dir, env: {...motoEnv(), KOPS_STATE_STORE: undefined}})
    expect(r.exitCode).toBe(2)
    expect(r.json).toMatchObject({error: {message: 'no S3 state store given'}})
  })
})
