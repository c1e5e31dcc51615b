import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {HeadBucketCommand} from '@aws-sdk/client-s3'
import {afterEach, describe, expect, inject, it} from 'vitest'

import {createAwsClients} from '../../../src/adapters/aws/clients.js'
import {Route53Dns} from '../../../src/adapters/aws/route53-dns.js'
import {S3StateStore} from '../../../src/adapters/aws/s3-state-store.js'
import {StsIdentity} from '../../../src/adapters/aws/sts-identity.js'
import {ApiError, DOCTOR_SUGGESTION, PreconditionError} from '../../../src/core/errors.js'
import {motoEnv} from '../../helpers/moto.js'

const saved = {...process.env}
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
  Object.assign(process.env, saved)
})

/** Nothing from the developer's machine: only what the test sets. */
function useEnv(env: Record<string, string | undefined>): void {
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k]
  for (const [k, v] of Object.entries(env)) if (v !== undefined) process.env[k] = v
}

const DEAD = 'http://127.0.0.1:9'

describe('createAwsClients', () => {
  it('pins eu-central-1, retries in standard mode, memoises each client', async () => {
    useEnv(motoEnv())
    const clients = createAwsClients()
    expect(clients.s3).toBe(clients.s3)
    expect(clients.sts).toBe(clients.sts)
    expect(await clients.s3.config.region()).toBe('eu-central-1')
    expect(await clients.sts.config.region()).toBe('eu-central-1')
    expect(await clients.s3.config.maxAttempts()).toBe(5)
    expect(((await clients.s3.config.retryStrategy()) as {mode?: string}).mode).toBe('standard')
  })

  it('switches S3 to path-style only when an endpoint is overridden', () => {
    useEnv(motoEnv())
    expect(createAwsClients().s3.config.forcePathStyle).toBe(true)
    useEnv({AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y'})
    expect(createAwsClients().s3.config.forcePathStyle).toBe(false)
  })

  it('honours the per-service variables over AWS_ENDPOINT_URL', async () => {
    const moto = inject('motoUrl')
    useEnv({...motoEnv(), AWS_ENDPOINT_URL: DEAD, AWS_ENDPOINT_URL_S3: moto, AWS_ENDPOINT_URL_STS: moto})
    const clients = createAwsClients()
    expect(createAwsClients().s3.config.forcePathStyle).toBe(true)
    expect((await new StsIdentity(clients).whoAmI()).arn).toMatch(/^arn:aws:/)
    expect(await new S3StateStore(clients).describeBucket('kopsmith-nothing-here')).toBeUndefined()
    // Route 53 has no override of its own here, so it goes to the dead AWS_ENDPOINT_URL.
    await expect(new Route53Dns(clients).findZones('acme.de')).rejects.toBeInstanceOf(ApiError)
  })

  it('turns missing credentials into exit 4 with the ways to log in, for every service', async () => {
    useEnv({AWS_ENDPOINT_URL: inject('motoUrl'), AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true'})
    const clients = createAwsClients()
    for (const call of [() => new StsIdentity(clients).whoAmI(), () => new S3StateStore(clients).describeBucket('any-bucket'), () => new Route53Dns(clients).findZones('acme.de')]) {
      const error = await call().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(PreconditionError)
      expect((error as PreconditionError).exitCode).toBe(4)
      expect((error as PreconditionError).suggestions.join('\n')).toMatch(/aws sso login[\s\S]*--profile NAME or set AWS_PROFILE/)
    }
  })

  it('an unknown --profile says it does not exist and names the profiles there (exit 4), for every service', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kopsmith-aws-'))
    writeFileSync(join(dir, 'config'), '[default]\nregion = eu-central-1\n\n[profile platform]\nregion = eu-central-1\n')
    writeFileSync(join(dir, 'credentials'), '[platform]\naws_access_key_id = testing\naws_secret_access_key = testing\n')
    useEnv({AWS_ENDPOINT_URL: inject('motoUrl'), AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_EC2_METADATA_DISABLED: 'true'})
    const clients = createAwsClients({profile: 'platfrom'})
    expect(clients.profile).toBe('platfrom')
    for (const call of [() => new StsIdentity(clients).whoAmI(), () => new S3StateStore(clients).describeBucket('any-bucket'), () => new Route53Dns(clients).findZones('acme.de')]) {
      const error = await call().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(PreconditionError)
      expect((error as PreconditionError).message).toBe(`AWS profile "platfrom" does not exist: it is in neither ${join(dir, 'config')} nor ${join(dir, 'credentials')} (profiles there: default, platform)`)
      expect((error as PreconditionError).suggestions).toEqual([
        'Did you mean --profile platform?',
        'Pass one of those with --profile NAME (or set AWS_PROFILE)',
        'Or leave out --profile and AWS_PROFILE to use the default credential chain',
        DOCTOR_SUGGESTION,
      ])
    }
    // The profile that does exist works, through the same clients code.
    expect((await new StsIdentity(createAwsClients({profile: 'platform'})).whoAmI()).arn).toMatch(/^arn:aws:/)
  })

  it('a profile that exists but has no usable credentials stays a credentials error, not "does not exist"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kopsmith-aws-'))
    writeFileSync(join(dir, 'config'), '[profile empty]\nregion = eu-central-1\n')
    useEnv({AWS_ENDPOINT_URL: inject('motoUrl'), AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true'})
    const error = await new StsIdentity(createAwsClients({profile: 'empty'})).whoAmI().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PreconditionError)
    expect((error as Error).message).toMatch(/^No usable AWS credentials for STS GetCallerIdentity/)
    expect((error as PreconditionError).suggestions).toContain(DOCTOR_SUGGESTION)
  })

  it('AWS out of reach is said as such, with doctor to check (exit 6)', async () => {
    useEnv({...motoEnv(), AWS_ENDPOINT_URL: DEAD})
    const error = await new S3StateStore(createAwsClients()).getObject('any-bucket', 'k').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as Error).message).toMatch(/^Cannot reach AWS for S3 GetObject on s3:\/\/any-bucket\/k: connect ECONNREFUSED 127\.0\.0\.1:9/)
    expect((error as ApiError).suggestions).toContain(DOCTOR_SUGGESTION)
  })

  it('names the operation and the bucket in API errors (exit 6)', async () => {
    useEnv(motoEnv())
    const error = await new S3StateStore(createAwsClients()).putVersioning('kopsmith-missing-bucket-y2').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).exitCode).toBe(6)
    expect((error as Error).message).toMatch(/^S3 PutBucketVersioning on bucket kopsmith-missing-bucket-y2 failed: NoSuchBucket/)
    expect((error as ApiError).details).toMatchObject({service: 'S3', operation: 'PutBucketVersioning', resource: 'bucket kopsmith-missing-bucket-y2', awsError: 'NoSuchBucket'})
    expect((error as ApiError).suggestions).toEqual(['Check the bucket name (--state, KOPS_STATE_STORE or spec.stateStore.bucket) and the AWS account of your credentials', DOCTOR_SUGGESTION])
    // Sanity: the raw SDK agrees the bucket is absent.
    await expect(createAwsClients().s3.send(new HeadBucketCommand({Bucket: 'kopsmith-missing-bucket-y2'}))).rejects.toThrow()
  })
})
