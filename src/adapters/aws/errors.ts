import {join} from 'node:path'

import {ApiError, type CliError, DOCTOR_SUGGESTION, isCliError, PreconditionError} from '../../core/errors.js'
import {closestMatch} from '../../core/suggest.js'

/** What an AWS call was doing, for the message: `S3 PutBucketVersioning on bucket acme-kops-state`. */
export interface AwsCallContext {
  service: 'S3' | 'Route53' | 'STS'
  operation: string
  /** e.g. `bucket acme-kops-state`, `hosted zone Z123 (k8s.acme.de)`. */
  resource?: string
}

const CREDENTIAL_ERROR_NAMES = new Set([
  'CredentialsProviderError',
  'TokenProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'InvalidToken',
])

export const CREDENTIAL_SUGGESTIONS = [
  'Log in: `aws sso login` (add --profile NAME when you use named profiles)',
  'Choose the profile: pass --profile NAME or set AWS_PROFILE',
  'Or provide credentials through the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)',
  DOCTOR_SUGGESTION,
]

/** Node's socket and DNS failures: AWS (or the endpoint in AWS_ENDPOINT_URL) could not be reached at all. */
const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'])

/** Reads the error code S3/Route53/STS returned (SDK v3 puts it in `name`). */
export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const e = error as {name?: unknown; Code?: unknown}
  if (typeof e.Code === 'string') return e.Code
  return typeof e.name === 'string' ? e.name : undefined
}

export function awsHttpStatus(error: unknown): number | undefined {
  const status = (error as {$metadata?: {httpStatusCode?: unknown}} | undefined)?.$metadata?.httpStatusCode
  return typeof status === 'number' ? status : undefined
}

/** The one translation of SDK errors into kopsmith's errors (exit 4 for credentials, 6 otherwise). */
export function translateAwsError(error: unknown, context: AwsCallContext): CliError {
  if (isCliError(error)) return error
  const status = awsHttpStatus(error)
  // Bodiless responses (HEAD, some emulator errors) leave the SDK with no code: name it by status.
  const rawName = awsErrorName(error)
  const name = rawName && !/^Unknown(Error)?$/.test(rawName) ? rawName : status === 403 ? 'AccessDenied' : status === 404 ? 'NotFound' : (rawName ?? 'Error')
  const message = error instanceof Error ? error.message : String(error)
  const what = `${context.service} ${context.operation}${context.resource ? ` on ${context.resource}` : ''}`
  if (CREDENTIAL_ERROR_NAMES.has(name) || /could not load credentials|sso session .* expired|token .* expired/i.test(message)) {
    return new PreconditionError(`No usable AWS credentials for ${what}: ${message}`, {
      cause: error,
      suggestions: CREDENTIAL_SUGGESTIONS,
      details: {service: context.service, operation: context.operation, awsError: name},
    })
  }
  const code = (error as {code?: unknown} | undefined)?.code
  if (status === undefined && typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) {
    return new ApiError(`Cannot reach AWS for ${what}: ${message}`, {
      cause: error,
      suggestions: ['Check the network, a proxy (HTTPS_PROXY) and any endpoint override (AWS_ENDPOINT_URL…) in the environment', DOCTOR_SUGGESTION],
      details: {service: context.service, operation: context.operation, networkError: code},
    })
  }
  const suggestions =
    name === 'AccessDenied' || name === 'AccessDeniedException' || status === 403
      ? [`Check that your identity may call ${context.service} ${context.operation}${context.resource ? ` on ${context.resource}` : ''}`, DOCTOR_SUGGESTION]
      : name === 'NoSuchBucket'
        ? ['Check the bucket name (--state, KOPS_STATE_STORE or spec.stateStore.bucket) and the AWS account of your credentials', DOCTOR_SUGGESTION]
        : ['Run again: throttling and 5xx errors were already retried; if it persists, check the AWS Health Dashboard for eu-central-1']
  return new ApiError(`${what} failed: ${name}${status ? ` (HTTP ${status})` : ''}: ${message}`, {
    cause: error,
    suggestions,
    details: {service: context.service, operation: context.operation, ...(context.resource ? {resource: context.resource} : {}), awsError: name, ...(status ? {httpStatus: status} : {})},
  })
}

/** Runs one SDK call and translates whatever it throws. */
export async function awsCall<T>(context: AwsCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    throw translateAwsError(error, context)
  }
}

/**
 * `--profile nosuch`: the SDK's credential chain skips a profile it cannot find and ends with
 * "Could not load credentials from any providers", which hides the typo. When a credentials error
 * comes back and the profile is in neither shared file (read with the SDK's own loader, so
 * AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE count), it is said plainly, with the profiles
 * that do exist (names only).
 */
export async function unknownProfileError(error: unknown, profile: string | undefined): Promise<CliError | undefined> {
  if (!profile || isCliError(error)) return undefined
  const name = awsErrorName(error)
  const message = error instanceof Error ? error.message : ''
  if (!(name && CREDENTIAL_ERROR_NAMES.has(name)) && !/could not load credentials|could not resolve credentials/i.test(message)) return undefined
  // Loaded only on this error path; it is the loader the SDK itself reads the shared files with.
  const {getHomeDir, parseKnownFiles} = await import('@smithy/core/config')
  let profiles: Record<string, unknown>
  try {
    profiles = await parseKnownFiles({})
  } catch {
    return undefined
  }
  if (Object.hasOwn(profiles, profile)) return undefined
  const files = [process.env.AWS_CONFIG_FILE ?? join(getHomeDir(), '.aws', 'config'), process.env.AWS_SHARED_CREDENTIALS_FILE ?? join(getHomeDir(), '.aws', 'credentials')]
  const known = Object.keys(profiles).sort()
  const guess = closestMatch(profile, known)
  return new PreconditionError(`AWS profile "${profile}" does not exist: it is in neither ${files.join(' nor ')}${known.length > 0 ? ` (profiles there: ${known.join(', ')})` : ' (no profiles there)'}`, {
    cause: error,
    suggestions: [
      ...(guess ? [`Did you mean --profile ${guess}?`] : []),
      known.length > 0 ? 'Pass one of those with --profile NAME (or set AWS_PROFILE)' : 'Create it: `aws configure sso --profile NAME` or `aws configure --profile NAME`',
      'Or leave out --profile and AWS_PROFILE to use the default credential chain',
      DOCTOR_SUGGESTION,
    ],
    details: {profile, knownProfiles: known},
  })
}
