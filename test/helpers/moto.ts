import {randomUUID} from 'node:crypto'

import {inject} from 'vitest'

import {type AwsClients, createAwsClients} from '../../src/adapters/aws/clients.js'

/**
 * Environment that points the real AWS adapters at the moto server: the SDK itself reads
 * AWS_ENDPOINT_URL (that is what the product relies on too), dummy static credentials, and no
 * shared config files so a developer's ~/.aws never leaks into a test.
 */
export function motoEnv(motoUrl: string = inject('motoUrl')): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: motoUrl,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  }
}

/**
 * Real `createAwsClients` clients talking to moto. Sets the moto environment on this test
 * process (vitest runs each file in its own fork), because the SDK reads endpoints from it.
 */
export function motoClients(motoUrl: string = inject('motoUrl')): AwsClients {
  for (const name of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_ROUTE_53', 'AWS_ENDPOINT_URL_STS']) delete process.env[name]
  Object.assign(process.env, motoEnv(motoUrl))
  return createAwsClients({})
}

/**
 * Bucket names unique per test: moto is shared by every test file of the run, so tests never
 * reset it (that would wipe another file's buckets mid-test) and never reuse a name.
 */
export function uniqueBucket(prefix = 'ks'): string {
  return `${prefix}-${randomUUID().slice(0, 12)}`
}

/** Zone names unique per test, under a TLD-like suffix nobody else uses. */
export function uniqueZone(prefix = 'k8s'): string {
  return `${prefix}.${randomUUID().slice(0, 8)}.kopsmith-test.de`
}
