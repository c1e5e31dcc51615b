import {stringify} from 'yaml'

import {UsageError} from '../errors.js'

/** The API server refuses a TokenRequest shorter than 10 minutes (authentication validation). */
export const MIN_TOKEN_SECONDS = 600
/**
 * kopsmith's own ceiling. A TokenRequest token bound to nothing but its ServiceAccount can only be
 * revoked by deleting the ServiceAccount, so a leaked one must not stay useful for long.
 */
export const MAX_TOKEN_SECONDS = 24 * 3600

export const DEPLOYER_SERVICE_ACCOUNT = 'deployer'

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/

/** Checks the command's namespace and duration before they reach an API path; returns whole seconds. */
export function tokenRequestSeconds(namespace: string, durationMs: number): number {
  if (!DNS_1123_LABEL.test(namespace)) {
    throw new UsageError(`"${namespace}" is not a namespace name (lowercase letters, digits and hyphens, at most 63 characters)`, {
      suggestions: ['Pass the namespace of the namespaces file, e.g. kopsmith namespaces token payments'],
    })
  }
  const seconds = durationMs / 1000
  if (!Number.isInteger(seconds) || seconds < MIN_TOKEN_SECONDS || seconds > MAX_TOKEN_SECONDS) {
    throw new UsageError(`--duration must be whole seconds from 10m to 24h; got ${formatSeconds(seconds)}`, {
      suggestions: ['--duration 1h (the default) covers a deploy job', 'The API server issues no token shorter than 10m; kopsmith none longer than 24h, so a leaked one expires soon'],
    })
  }
  return seconds
}

/** The user name the API server gives a ServiceAccount's tokens. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`
}

export interface TokenKubeconfigInput {
  namespace: string
  serviceAccount: string
  token: string
  server: string
  certificateAuthorityData?: string
  tlsServerName?: string
  insecureSkipTlsVerify?: boolean
}

/** A kubeconfig with one cluster, one user (the token) and one context set to the namespace. */
export function tokenKubeconfig(input: TokenKubeconfigInput): string {
  const cluster = new URL(input.server).hostname
  const user = `${input.namespace}-${input.serviceAccount}`
  const context = `${user}@${cluster}`
  return stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: cluster,
          cluster: {
            server: input.server,
            ...(input.certificateAuthorityData ? {'certificate-authority-data': input.certificateAuthorityData} : {}),
            ...(input.tlsServerName ? {'tls-server-name': input.tlsServerName} : {}),
            ...(input.insecureSkipTlsVerify ? {'insecure-skip-tls-verify': true} : {}),
          },
        },
      ],
      users: [{name: user, user: {token: input.token}}],
      contexts: [{name: context, context: {cluster, user, namespace: input.namespace}}],
      'current-context': context,
    },
    {lineWidth: 0},
  )
}

function formatSeconds(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600}h`
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60}m`
  return `${seconds}s`
}
