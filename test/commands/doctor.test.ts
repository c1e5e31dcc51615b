import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {PutBucketVersioningCommand} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, it} from 'vitest'

import type {AwsClients} from '../../src/adapters/aws/clients.js'
import {S3StateStore} from '../../src/adapters/aws/s3-state-store.js'
import type {DoctorCheck} from '../../src/services/doctor.js'
import {ensureStateBuckets} from '../../src/services/state-bucket.js'
import {ROOT, runCli} from '../helpers/cli.js'
import {motoClients, motoEnv, uniqueBucket} from '../helpers/moto.js'
import {clusterConfig} from '../services/aws/cluster-config.js'

const KOPS = `${ROOT}test/fixtures/kops-standin/kops`
let clients: AwsClients

beforeAll(() => {
  clients = motoClients()
})

function clusterFile(bucket: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kopsmith-doctor-'))
  const file = join(dir, 'prod.yaml')
  writeFileSync(file, readFileSync(`${ROOT}examples/production.yaml`, 'utf8').replace('bucket: acme-kops-state', `bucket: ${bucket}`))
  return file
}

function byId(checks: DoctorCheck[]): Record<string, DoctorCheck> {
  return Object.fromEntries(checks.map((c) => [c.id, c]))
}

/** No credentials anywhere: no env keys, no shared files, no instance metadata. */
function noCredentialsEnv(): Record<string, string | undefined> {
  return {...motoEnv(), AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined, AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined, AWS_WEB_IDENTITY_TOKEN_FILE: undefined}
}

describe('kopsmith doctor', () => {
  it('exit 0 with identity, region, kops support, hardened buckets and the private zone checked', async () => {
    const bucket = uniqueBucket('doc')
    await ensureStateBuckets(new S3StateStore(clients), clusterConfig({bucket}))
    const r = await runCli(['doctor', '-f', clusterFile(bucket), '--kops', KOPS, '--json'], {env: {...motoEnv(), AWS_REGION: 'eu-central-1'}})
    expect(r.exitCode, r.stderr).toBe(0)
    const {result} = r.json as {result: {ok: boolean; checks: DoctorCheck[]; identity: {arn: string}; kops: {version: string}}}
    expect(result.ok).toBe(true)
    const checks = byId(result.checks)
    expect(checks['kops']).toMatchObject({status: 'ok', detail: 'kops 1.35.2 supports Kubernetes 1.35.7'})
    expect(checks['kubectl']).toMatchObject({status: 'skip'})
    expect(checks['aws-identity']).toMatchObject({status: 'ok', detail: expect.stringContaining(result.identity.arn)})
    expect(checks['region']).toMatchObject({status: 'ok', detail: expect.stringContaining('eu-central-1')})
    expect(checks['state-bucket']).toMatchObject({status: 'ok'})
    expect(checks['discovery-bucket']).toMatchObject({status: 'ok'})
    expect(checks['dns-zone']).toMatchObject({status: 'ok', detail: expect.stringContaining('kops creates it')})
  })

  it('reports drift and a foreign AWS_REGION as warnings, still exit 0', async () => {
    const bucket = uniqueBucket('doc')
    await ensureStateBuckets(new S3StateStore(clients), clusterConfig({bucket}))
    await clients.s3.send(new PutBucketVersioningCommand({Bucket: bucket, VersioningConfiguration: {Status: 'Suspended'}}))
    const r = await runCli(['doctor', '-f', clusterFile(bucket), '--kops', KOPS], {env: {...motoEnv(), AWS_REGION: 'us-east-1'}})
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/WARN\s+state bucket s3:\/\/\S+\s+hardening drift: versioning is Suspended/)
    expect(r.stdout).toMatch(/WARN\s+AWS region\s+eu-central-1 \(pinned\); your environment's region us-east-1 is ignored/)
  })

  it('exit 4 without credentials, naming the fixes, and skips the AWS checks', async () => {
    const r = await runCli(['doctor', '-f', clusterFile(uniqueBucket('doc')), '--kops', KOPS, '--json'], {env: noCredentialsEnv()})
    expect(r.exitCode, r.stderr).toBe(4)
    const envelope = r.json as {status: string; error: {code: string; suggestions: string[]; details: {checks: DoctorCheck[]}}}
    expect(envelope.status).toBe('error')
    expect(envelope.error.code).toBe('precondition')
    expect(envelope.error.suggestions.join('\n')).toContain('aws sso login')
    expect(envelope.error.suggestions.join('\n')).toContain('AWS_PROFILE')
    const checks = byId(envelope.error.details.checks)
    expect(checks['aws-identity']).toMatchObject({status: 'fail'})
    expect(checks['kops']).toMatchObject({status: 'ok'})
    expect(checks['state-bucket']).toMatchObject({status: 'skip'})
  })

  it('exit 4 when kops is missing, still reporting the rest', async () => {
    const r = await runCli(['doctor', '--kops', '/nonexistent/kops'], {env: motoEnv()})
    expect(r.exitCode).toBe(4)
    expect(r.stdout).toMatch(/FAIL\s+kops\s+not found or not working/)
    expect(r.stdout).toMatch(/ok\s+AWS identity\s+arn:aws:/)
    expect(r.stderr).toContain('doctor found 1 problem: kops')
  })
})
