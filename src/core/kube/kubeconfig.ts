import {dirname, isAbsolute, join} from 'node:path'

import {RefusedError, UsageError} from '../errors.js'

/**
 * Kubeconfig files as kubectl reads them (client-go's `clientcmd` loading rules), and the rule that
 * keeps kopsmith from changing the wrong cluster. Pure: the adapter reads and parses the files.
 *
 * Merging (KUBECONFIG=a:b:c): the first file to define a cluster, user or context of a given name
 * wins that whole entry (later files never add fields to it); the first file that sets
 * current-context wins; missing files are skipped; relative file references
 * (certificate-authority, client-certificate, client-key, tokenFile, an exec command with a path
 * separator) resolve against the directory of the file they came from.
 */

export type KubeconfigEntries = Record<string, Record<string, unknown>>

export interface KubeconfigFile {
  path: string
  /** The parsed document (a kubeconfig `Config`). */
  data: Record<string, unknown>
}

export interface MergedKubeconfig {
  clusters: KubeconfigEntries
  users: KubeconfigEntries
  contexts: KubeconfigEntries
  currentContext?: string
  /** The files that were read, in precedence order. */
  files: string[]
}

export function mergeKubeconfigs(files: readonly KubeconfigFile[]): MergedKubeconfig {
  const merged: MergedKubeconfig = {clusters: {}, users: {}, contexts: {}, files: files.map((f) => f.path)}
  for (const file of files) {
    const base = dirname(file.path)
    addEntries(merged.clusters, file.data.clusters, 'cluster', (c) => resolvePaths(c, ['certificate-authority'], base))
    addEntries(merged.users, file.data.users, 'user', (u) => resolveUserPaths(u, base))
    addEntries(merged.contexts, file.data.contexts, 'context', (c) => c)
    const current = file.data['current-context']
    if (merged.currentContext === undefined && typeof current === 'string' && current !== '') merged.currentContext = current
  }
  return merged
}

/** The kubeconfig document (v1 Config) of a merged set, with only the chosen context current. */
export function toKubeconfigDocument(merged: MergedKubeconfig, context: string): Record<string, unknown> {
  const list = (entries: KubeconfigEntries, key: string) => Object.entries(entries).map(([name, value]) => ({name, [key]: value}))
  return {apiVersion: 'v1', kind: 'Config', clusters: list(merged.clusters, 'cluster'), users: list(merged.users, 'user'), contexts: list(merged.contexts, 'context'), 'current-context': context}
}

/**
 * The API endpoints of a kops cluster as `kops export kubeconfig` writes them
 * (pkg/kubeconfig/create_kubecfg.go): server `https://api.NAME`, or `https://api.internal.NAME`
 * with --internal; with an API load balancer the server is the load balancer's own DNS name, and
 * `tls-server-name` is always `api.internal.NAME`, the name the API server's certificate carries.
 */
export function kopsApiHosts(clusterName: string): string[] {
  return [`api.${clusterName}`, `api.internal.${clusterName}`]
}

export interface ContextChoice {
  /** The context that will be used. */
  context: string
  /** Its cluster's server URL. */
  server: string
}

export interface SelectContextInput {
  /** `--context`: the user named it, so it is used as it is (still refused if it does not exist). */
  context?: string
  /** The cluster named by `-f` (or `--cluster`): the context's server must be its API. */
  cluster?: string
  /** For messages: where kopsmith's own admin kubeconfig of that cluster lives. */
  exportedKubeconfig?: string
}

/**
 * The context to use, by kubectl's rules (`--context`, else current-context), refused (exit 9) when
 * it does not point at the API of `input.cluster` — unless the user named `--context` explicitly.
 * A context points at cluster NAME when its server's host, or the `tls-server-name` it verifies the
 * server certificate against, is `api.NAME` or `api.internal.NAME`.
 */
export function selectContext(merged: MergedKubeconfig, input: SelectContextInput): ContextChoice {
  const where = merged.files.join(', ')
  const name = input.context ?? merged.currentContext
  if (name === undefined) {
    throw new UsageError(`the kubeconfig (${where}) has no current context`, {suggestions: ['Pass --context NAME', ...(input.cluster ? matchingContextHints(merged, input.cluster) : [])]})
  }
  const context = merged.contexts[name]
  if (!context) {
    throw new UsageError(`context "${name}" is not in the kubeconfig (${where})`, {
      suggestions: [`Contexts there: ${Object.keys(merged.contexts).join(', ') || 'none'}`],
    })
  }
  const clusterRef = typeof context.cluster === 'string' ? context.cluster : ''
  const cluster = merged.clusters[clusterRef]
  const server = typeof cluster?.server === 'string' ? cluster.server : undefined
  if (!cluster || server === undefined) {
    throw new UsageError(`context "${name}" names cluster "${clusterRef}", which has no server in the kubeconfig (${where})`)
  }
  if (input.context !== undefined || input.cluster === undefined || pointsAt(cluster, input.cluster)) return {context: name, server}
  throw new RefusedError(
    `refused: context "${name}" points at ${server}, which is not the API of ${input.cluster} (expected ${kopsApiHosts(input.cluster).join(' or ')}); kopsmith changes only the cluster the command names`,
    {
      suggestions: [
        ...matchingContextHints(merged, input.cluster),
        ...(input.exportedKubeconfig ? [`Use the admin kubeconfig cluster create exported: --kubeconfig ${input.exportedKubeconfig}`] : []),
        `If ${name} really is ${input.cluster} (another DNS name in front of its API), say so: --context ${name}`,
      ],
      details: {context: name, server, cluster: input.cluster, kubeconfig: merged.files},
    },
  )
}

/** Whether a kubeconfig cluster entry is the API of kops cluster `clusterName`. */
export function pointsAt(cluster: Record<string, unknown>, clusterName: string): boolean {
  const hosts = kopsApiHosts(clusterName)
  const server = typeof cluster.server === 'string' ? hostOf(cluster.server) : undefined
  if (server !== undefined && hosts.includes(server)) return true
  // The certificate check binds the connection to this name, unless verification is switched off.
  const tlsName = cluster['tls-server-name']
  return cluster['insecure-skip-tls-verify'] !== true && typeof tlsName === 'string' && hosts.includes(tlsName.toLowerCase())
}

function matchingContextHints(merged: MergedKubeconfig, clusterName: string): string[] {
  const matching = Object.entries(merged.contexts)
    .filter(([, c]) => {
      const cluster = typeof c.cluster === 'string' ? merged.clusters[c.cluster] : undefined
      return cluster !== undefined && pointsAt(cluster, clusterName)
    })
    .map(([name]) => name)
  return matching.length > 0 ? [`Contexts of ${clusterName} in the kubeconfig: ${matching.map((m) => `--context ${m}`).join(', ')}`] : []
}

function hostOf(server: string): string | undefined {
  try {
    return new URL(server).hostname.toLowerCase()
  } catch {
    return undefined
  }
}

function addEntries(into: KubeconfigEntries, list: unknown, key: string, resolve: (value: Record<string, unknown>) => Record<string, unknown>): void {
  if (!Array.isArray(list)) return
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue
    const {name} = item as {name?: unknown}
    const value = (item as Record<string, unknown>)[key]
    if (typeof name !== 'string' || name === '' || name in into) continue
    into[name] = resolve(typeof value === 'object' && value !== null ? {...(value as Record<string, unknown>)} : {})
  }
}

function resolveUserPaths(user: Record<string, unknown>, base: string): Record<string, unknown> {
  const resolved = resolvePaths(user, ['client-certificate', 'client-key', 'tokenFile'], base)
  const exec = resolved.exec
  if (typeof exec === 'object' && exec !== null) {
    const command = (exec as {command?: unknown}).command
    // Only a command with a path separator is a file; `aws` or `kubelogin` is looked up on PATH.
    if (typeof command === 'string' && command.includes('/') && !isAbsolute(command)) resolved.exec = {...exec, command: join(base, command)}
  }
  return resolved
}

function resolvePaths(entry: Record<string, unknown>, keys: string[], base: string): Record<string, unknown> {
  const out = {...entry}
  for (const key of keys) {
    const value = out[key]
    if (typeof value === 'string' && value !== '' && !isAbsolute(value)) out[key] = join(base, value)
  }
  return out
}
