import {Route53Client} from '@aws-sdk/client-route-53'
import {S3Client} from '@aws-sdk/client-s3'
import {STSClient} from '@aws-sdk/client-sts'

import {unknownProfileError} from './errors.js'

/** Everything kopsmith creates or reads lives here: data stays in Germany. */
export const AWS_REGION = 'eu-central-1'

export interface AwsClientsOptions {
  /** `--profile` / AWS_PROFILE; the SDK's default chain when absent. */
  profile?: string
  /** Where endpoint overrides are read from; the SDK itself reads `process.env`. */
  env?: NodeJS.ProcessEnv
}

export interface AwsClients {
  readonly s3: S3Client
  readonly route53: Route53Client
  readonly sts: STSClient
  readonly region: string
  readonly profile: string | undefined
}

/**
 * The only place the AWS SDK is configured; `src/deps.ts` imports this module lazily, so commands
 * that never call AWS never load the SDK. Each client is created on first use and reused.
 *
 * Endpoint overrides (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_ROUTE_53`,
 * `AWS_ENDPOINT_URL_STS`, and `endpoint_url` in the shared config) are read by the SDK itself
 * (@smithy/core's getEndpointUrlConfig); we only switch S3 to path-style addressing when one is set,
 * because emulators such as moto cannot serve `<bucket>.127.0.0.1` host names.
 */
export function createAwsClients(options: AwsClientsOptions = {}): AwsClients {
  const env = options.env ?? process.env
  const common = {
    // Throttling and 5xx are retried by the SDK with jittered backoff.
    retryMode: 'standard',
    maxAttempts: 5,
    ...(options.profile ? {profile: options.profile} : {}),
  }
  let s3: S3Client | undefined
  let route53: Route53Client | undefined
  let sts: STSClient | undefined
  return {
    region: AWS_REGION,
    profile: options.profile,
    get s3() {
      return (s3 ??= explainUnknownProfile(
        new S3Client({
          ...common,
          region: AWS_REGION,
          forcePathStyle: hasEndpointOverride(env, 'S3'),
          // Lets us read where a foreign bucket lives (to refuse it) instead of failing on a 301.
          followRegionRedirects: true,
        }),
        options.profile,
      ))
    },
    get route53() {
      // Route53 is a global service signed in us-east-1; the SDK resolves its global endpoint.
      return (route53 ??= explainUnknownProfile(new Route53Client({...common, region: 'us-east-1'}), options.profile))
    },
    get sts() {
      // The regional STS endpoint keeps even the identity call inside the EU.
      return (sts ??= explainUnknownProfile(new STSClient({...common, region: AWS_REGION}), options.profile))
    },
  }
}

/**
 * With a named profile, a credentials failure is checked against the shared config files: an
 * unknown profile becomes its own error (see unknownProfileError) instead of the SDK's generic one.
 * A middleware at the outermost step sees every failure of the call, credential resolution included.
 */
function explainUnknownProfile<C extends S3Client | Route53Client | STSClient>(client: C, profile: string | undefined): C {
  if (!profile) return client
  ;(client.middlewareStack as S3Client['middlewareStack']).add(
    (next) => async (args) => {
      try {
        return await next(args)
      } catch (error) {
        throw (await unknownProfileError(error, profile)) ?? error
      }
    },
    {step: 'initialize', name: 'kopsmithUnknownProfile'},
  )
  return client
}

function hasEndpointOverride(env: NodeJS.ProcessEnv, service: string): boolean {
  if (isTruthy(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)) return false
  return Boolean(env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL)
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value.toLowerCase() !== 'false' && value !== '0'
}
