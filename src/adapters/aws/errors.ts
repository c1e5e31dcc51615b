import {ApiError, type CliError, isCliError, PreconditionError} from '../../core/errors.js'

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
]

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
  const suggestions =
    name === 'AccessDenied' || name === 'AccessDeniedException' || status === 403
      ? [`Check that your identity may call ${context.service} ${context.operation}${context.resource ? ` on ${context.resource}` : ''} (run \`kopsmith doctor\` to see who you are)`]
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
