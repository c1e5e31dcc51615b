import {HeadBucketCommand} from '@aws-sdk/client-s3'
import {afterEach, describe, expect, inject, it} from 'vitest'

import {createAwsClients} from '../../../src/adapters/aws/clients.js'
import {Route53Dns} from '../../../src/adapters/aws/route53-dns.js'
import {S3StateStore} from '../../../src/adapters/aws/s3-state-store.js'
import {StsIdentity} from '../../../src/adapters/aws/sts-identity.js'
import {ApiError, PreconditionError} from '../../../src/core/errors.js'
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

  it('an unknown --profile is a credentials problem too (exit 4)', async () => {
    useEnv({AWS_ENDPOINT_URL: inject('motoUrl'), AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true'})
    const clients = createAwsClients({profile: 'platform-admin'})
    expect(clients.profile).toBe('platform-admin')
    await expect(new StsIdentity(clients).whoAmI()).rejects.toBeInstanceOf(PreconditionError)
  })

  it('names the operation and the bucket in API errors (exit 6)', async () => {
    useEnv(motoEnv())
    const error = await new S3StateStore(createAwsClients()).putVersioning('kopsmith-missing-bucket-y2').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).exitCode).toBe(6)
    expect((error as Error).message).toMatch(/^S3 PutBucketVersioning on bucket kopsmith-missing-bucket-y2 failed: NoSuchBucket/)
    expect((error as ApiError).details).toMatchObject({service: 'S3', operation: 'PutBucketVersioning', resource: 'bucket kopsmith-missing-bucket-y2', awsError: 'NoSuchBucket'})
    // Sanity: the raw SDK agrees the bucket is absent.
    await expect(createAwsClients().s3.send(new HeadBucketCommand({Bucket: 'kopsmith-missing-bucket-y2'}))).rejects.toThrow()
  })
})
