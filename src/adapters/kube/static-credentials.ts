import {readFileSync} from 'node:fs'
import type https from 'node:https'

import {PreconditionError} from '../../core/errors.js'

/**
 * Credentials a kubeconfig gives as they are — client certificate and key, bearer token, basic
 * auth: what `kops export kubeconfig --admin` and ../shared/kube/up.sh write — turned into TLS
 * options and headers without @kubernetes/client-node, whose import alone costs about 0.6 s of
 * start-up (it loads the whole generated API): more than a converged re-run of a hundred namespaces
 * takes. Anything that needs a plugin or a refresh (exec, auth-provider/OIDC, tokenFile,
 * impersonation, a proxy) returns undefined and is left to client-node. Messages never quote the
 * kubeconfig: it holds credentials.
 */
export interface StaticCredentials {
  tls: https.AgentOptions
  headers: Record<string, string>
}

/** `cluster` and `user` are merged kubeconfig entries (file references already absolute). */
export function staticCredentials(cluster: Record<string, unknown>, user: Record<string, unknown>, where: string): StaticCredentials | undefined {
  if (user.exec || user['auth-provider'] || user.tokenFile || user.as || user['as-groups'] || cluster['proxy-url']) return undefined
  const text = (entry: Record<string, unknown>, key: string) => (typeof entry[key] === 'string' && entry[key] !== '' ? (entry[key] as string) : undefined)
  const material = (data: string | undefined, file: string | undefined) => {
    if (data) return Buffer.from(data, 'base64')
    if (!file) return undefined
    try {
      return readFileSync(file)
    } catch (error) {
      throw new PreconditionError(`kubeconfig ${where} names ${file}, which cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {cause: error})
    }
  }
  const tls: https.AgentOptions = {}
  const ca = material(text(cluster, 'certificate-authority-data'), text(cluster, 'certificate-authority'))
  const cert = material(text(user, 'client-certificate-data'), text(user, 'client-certificate'))
  const key = material(text(user, 'client-key-data'), text(user, 'client-key'))
  if (ca) tls.ca = ca
  if (cert) tls.cert = cert
  if (key) tls.key = key
  if (cluster['insecure-skip-tls-verify'] === true) tls.rejectUnauthorized = false
  const servername = text(cluster, 'tls-server-name')
  if (servername) tls.servername = servername
  const headers: Record<string, string> = {}
  const token = text(user, 'token')
  if (token) headers.Authorization = `Bearer ${token}`
  else if (typeof user.username === 'string' && typeof user.password === 'string') headers.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`
  return {tls, headers}
}
