import {readFileSync} from 'node:fs'
import type https from 'node:https'
import {dirname, isAbsolute, join} from 'node:path'

import {parseDocument} from 'yaml'

import {PreconditionError} from '../../core/errors.js'

/**
 * The current context of a kubeconfig file, read with `yaml` — not with @kubernetes/client-node,
 * whose import alone costs about 0.6 s of start-up (it loads the whole generated API): more than a
 * converged re-run of a hundred namespaces takes. Only kubeconfigs whose credentials are static
 * (client certificate and key, bearer token, basic auth — what `kops export kubeconfig --admin` and
 * ../shared/kube/up.sh write) are served from here; anything that needs a plugin or a refresh (exec,
 * auth-provider/OIDC, tokenFile, a proxy) is left to client-node's KubeConfig, loaded on demand.
 * Messages never quote the file: it holds credentials.
 */
export interface KubeconfigContext {
  server: URL
  /** TLS options and headers for the pooled agent; undefined when client-node must handle the credentials. */
  static?: {tls: https.AgentOptions; headers: Record<string, string>}
}

interface ClusterEntry {
  server?: string
  'certificate-authority'?: string
  'certificate-authority-data'?: string
  'insecure-skip-tls-verify'?: boolean
  'tls-server-name'?: string
  'proxy-url'?: string
}

interface UserEntry {
  'client-certificate'?: string
  'client-certificate-data'?: string
  'client-key'?: string
  'client-key-data'?: string
  token?: string
  tokenFile?: string
  username?: string
  password?: string
  exec?: unknown
  'auth-provider'?: unknown
  impersonate?: string
  as?: string
}

interface KubeconfigFile {
  'current-context'?: string
  contexts?: Array<{name?: string; context?: {cluster?: string; user?: string}}>
  clusters?: Array<{name?: string; cluster?: ClusterEntry}>
  users?: Array<{name?: string; user?: UserEntry}>
}

export function readKubeconfigContext(path: string): KubeconfigContext {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new PreconditionError(`kubeconfig ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {cause: error})
  }
  const doc = parseDocument(text, {prettyErrors: false})
  if (doc.errors.length > 0) throw new PreconditionError(`kubeconfig ${path} is not valid YAML`, {suggestions: ['Export it again: kops export kubeconfig --admin (kopsmith cluster create does this)']})
  const config = (doc.toJS() ?? {}) as KubeconfigFile
  const contextName = config['current-context']
  const context = config.contexts?.find((c) => c.name === contextName)?.context
  const cluster = config.clusters?.find((c) => c.name === context?.cluster)?.cluster
  if (!context || !cluster?.server) {
    throw new PreconditionError(`kubeconfig ${path} has no current context with a cluster`, {suggestions: ['Set current-context in the kubeconfig']})
  }
  const user = config.users?.find((u) => u.name === context.user)?.user ?? {}
  return {server: new URL(cluster.server), ...staticCredentials(cluster, user, path)}
}

/** Static TLS material and headers, or nothing when a plugin, a token file or a proxy is involved. */
function staticCredentials(cluster: ClusterEntry, user: UserEntry, kubeconfig: string): Pick<KubeconfigContext, 'static'> {
  if (user.exec || user['auth-provider'] || user.tokenFile || user.impersonate || user.as || cluster['proxy-url']) return {}
  // Relative paths in a kubeconfig are relative to the file itself.
  const file = (p: string) => {
    const resolved = isAbsolute(p) ? p : join(dirname(kubeconfig), p)
    try {
      return readFileSync(resolved)
    } catch (error) {
      throw new PreconditionError(`kubeconfig ${kubeconfig} names ${resolved}, which cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {cause: error})
    }
  }
  const material = (data: string | undefined, path: string | undefined) => (data ? Buffer.from(data, 'base64') : path ? file(path) : undefined)
  const tls: https.AgentOptions = {}
  const ca = material(cluster['certificate-authority-data'], cluster['certificate-authority'])
  const cert = material(user['client-certificate-data'], user['client-certificate'])
  const key = material(user['client-key-data'], user['client-key'])
  if (ca) tls.ca = ca
  if (cert) tls.cert = cert
  if (key) tls.key = key
  if (cluster['insecure-skip-tls-verify'] === true) tls.rejectUnauthorized = false
  if (cluster['tls-server-name']) tls.servername = cluster['tls-server-name']
  const headers: Record<string, string> = {}
  if (user.token) headers.Authorization = `Bearer ${user.token}`
  else if (user.username !== undefined && user.password !== undefined) headers.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`
  return {static: {tls, headers}}
}
