import {readFileSync} from 'node:fs'
import http from 'node:http'
import https from 'node:https'

import type {KubeConfig} from '@kubernetes/client-node'

import {ApiError, CliError, PreconditionError} from '../../core/errors.js'
import {selectContext, toKubeconfigDocument, type MergedKubeconfig} from '../../core/kube/kubeconfig.js'
import type {ApplyOptions, Kube, KubeObject, KubeResourceRef, ServiceAccountToken} from '../../ports.js'
import {loadKubeconfigFileSync} from './kubeconfig-loader.js'
import {staticCredentials, type StaticCredentials} from './static-credentials.js'

/** Kubeconfig files merged by kubectl's rules, and the context chosen from them. */
export interface ChosenKubeconfig {
  merged: MergedKubeconfig
  context: string
}

function chooseCurrent(path: string): ChosenKubeconfig {
  const merged = loadKubeconfigFileSync(path)
  return {merged, context: selectContext(merged, {}).context}
}

interface ResourceInfo {
  plural: string
  namespaced: boolean
}

interface Response {
  status: number
  body: unknown
}

interface StatusBody {
  kind?: string
  message?: string
  reason?: string
  details?: {causes?: Array<{reason?: string; message?: string; field?: string}>}
}

export interface ClientNodeKubeOptions {
  /** Upper bound of pooled connections; callers bound their own concurrency below it. */
  maxSockets?: number
  /** Per-request timeout. */
  requestTimeoutMs?: number
}

/**
 * The Kubernetes port. The kubeconfig's current context is read by kubeconfig.ts; static credentials
 * (client certificates, bearer tokens) are used directly, and `@kubernetes/client-node`'s KubeConfig
 * is imported only for credentials that need its plugins (exec, OIDC, token files) — its import
 * alone costs more start-up time than a converged re-run takes. The requests go through one
 * keep-alive agent, because the apply engine sends hundreds of small requests concurrently.
 * Discovery is read once per group/version and shared by concurrent callers — never one round-trip
 * per object.
 */
export class ClientNodeKube implements Kube {
  private kc: KubeConfig | undefined
  /** The kubeconfig document of the chosen context (for client-node, when its plugins are needed). */
  private readonly document: Record<string, unknown>
  /** The chosen context's cluster entry (server, certificate authority, TLS name). */
  private readonly cluster: Record<string, unknown>
  private readonly credentials: StaticCredentials | undefined
  private readonly where: string
  private readonly server: URL
  private agent: http.Agent | undefined
  private readonly maxSockets: number
  private readonly discovery = new Map<string, Promise<Map<string, ResourceInfo> | undefined>>()
  private auth: {headers: Record<string, string>; at: number} | undefined
  private readonly requestTimeoutMs: number

  /**
   * `kubeconfig` is a kubeconfig file (its current context is used) or what `deps.kube()` chose:
   * the files merged by kubectl's rules and the context that passed the cluster check.
   */
  constructor(kubeconfig: string | ChosenKubeconfig, options: ClientNodeKubeOptions = {}) {
    const chosen = typeof kubeconfig === 'string' ? chooseCurrent(kubeconfig) : kubeconfig
    const where = chosen.merged.files.join(', ')
    this.where = where
    this.document = toKubeconfigDocument(chosen.merged, chosen.context)
    const context = chosen.merged.contexts[chosen.context]
    const cluster = typeof context?.cluster === 'string' ? chosen.merged.clusters[context.cluster] : undefined
    if (!cluster || typeof cluster.server !== 'string') throw new PreconditionError(`kubeconfig ${where} has no current context with a cluster`, {suggestions: ['Set current-context in the kubeconfig, or pass --context']})
    try {
      this.server = new URL(cluster.server)
    } catch {
      throw new PreconditionError(`kubeconfig ${where}: the server of context "${chosen.context}" is not a URL`)
    }
    this.cluster = cluster
    const user = typeof context?.user === 'string' ? (chosen.merged.users[context.user] ?? {}) : {}
    this.credentials = staticCredentials(cluster, user, where)
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000
    this.maxSockets = options.maxSockets ?? 64
  }

  async apply(object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    const path = await this.objectPath(object.apiVersion, object.kind, object.metadata.name, object.metadata.namespace, true)
    const query = new URLSearchParams({fieldManager: options.fieldManager, fieldValidation: 'Strict'})
    if (options.force) query.set('force', 'true')
    if (options.dryRun) query.set('dryRun', 'All')
    const res = await this.request('PATCH', `${path}?${query}`, {body: JSON.stringify(object), contentType: 'application/apply-patch+yaml'})
    if (res.status === 200 || res.status === 201) return res.body as KubeObject
    throw this.applyError(object, res)
  }

  async get(ref: KubeResourceRef): Promise<KubeObject | undefined> {
    const path = await this.objectPath(ref.apiVersion, ref.kind, ref.name, ref.namespace, false)
    if (!path) return undefined
    const res = await this.request('GET', path)
    if (res.status === 404) return undefined
    if (res.status !== 200) throw this.httpError(`Reading ${describe(ref)}`, res)
    return withTypeMeta(res.body as KubeObject, ref.apiVersion, ref.kind)
  }

  async list(apiVersion: string, kind: string, labels: Record<string, string>): Promise<KubeObject[]> {
    const info = await this.resource(apiVersion, kind)
    if (!info) return []
    const base = collectionPath(apiVersion, info.plural)
    const selector = Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')
    const items: KubeObject[] = []
    let cont: string | undefined
    do {
      const query = new URLSearchParams({limit: '500'})
      if (selector) query.set('labelSelector', selector)
      if (cont) query.set('continue', cont)
      const res = await this.request('GET', `${base}?${query}`)
      if (res.status === 404) return []
      if (res.status !== 200) throw this.httpError(`Listing ${kind}`, res)
      const body = res.body as {items?: KubeObject[]; metadata?: {continue?: string}}
      // List items carry no apiVersion/kind of their own.
      for (const item of body.items ?? []) items.push(withTypeMeta(item, apiVersion, kind))
      cont = body.metadata?.continue || undefined
    } while (cont)
    return items
  }

  async delete(ref: KubeResourceRef, preconditions?: {uid?: string; resourceVersion?: string}): Promise<void> {
    const path = await this.objectPath(ref.apiVersion, ref.kind, ref.name, ref.namespace, false)
    if (!path) return
    const res = await this.request('DELETE', path, {
      body: JSON.stringify({apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', ...(preconditions ? {preconditions} : {})}),
      contentType: 'application/json',
    })
    if (res.status === 200 || res.status === 202 || res.status === 404) return
    throw this.httpError(`Deleting ${describe(ref)}`, res)
  }

  async isServed(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.resource(apiVersion, kind)) !== undefined
  }

  close(): void {
    this.agent?.destroy()
    this.agent = undefined
  }

  // ------------------------------------------------------------------ discovery

  private async resource(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const cached = await this.groupVersion(apiVersion, false)
    const hit = cached?.get(kind)
    if (hit) return hit
    // A kind can appear later (a CRD just became Established): read this group/version once more.
    return (await this.groupVersion(apiVersion, true))?.get(kind)
  }

  private groupVersion(apiVersion: string, refresh: boolean): Promise<Map<string, ResourceInfo> | undefined> {
    const existing = this.discovery.get(apiVersion)
    if (existing && !refresh) return existing
    const loading = (async () => {
      const res = await this.request('GET', apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`)
      if (res.status === 404) return undefined
      if (res.status !== 200) throw this.httpError(`Discovering ${apiVersion}`, res)
      const list = res.body as {resources?: Array<{name: string; kind: string; namespaced: boolean}>}
      const map = new Map<string, ResourceInfo>()
      for (const r of list.resources ?? []) {
        if (!r.name.includes('/')) map.set(r.kind, {plural: r.name, namespaced: r.namespaced})
      }
      return map
    })()
    this.discovery.set(apiVersion, loading)
    loading.catch(() => this.discovery.delete(apiVersion))
    return loading
  }

  private async objectPath(apiVersion: string, kind: string, name: string, namespace: string | undefined, required: true): Promise<string>
  private async objectPath(apiVersion: string, kind: string, name: string, namespace: string | undefined, required: false): Promise<string | undefined>
  private async objectPath(apiVersion: string, kind: string, name: string, namespace: string | undefined, required: boolean): Promise<string | undefined> {
    const info = await this.resource(apiVersion, kind)
    if (!info) {
      if (!required) return undefined
      throw new ApiError(`The cluster does not serve ${apiVersion} ${kind}`, {
        suggestions: [`Install the CustomResourceDefinition (or API) that provides ${kind}`, 'Check the Kubernetes version of the cluster'],
        details: {apiVersion, kind},
      })
    }
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`
    const ns = info.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? 'default')}` : ''
    return `${base}${ns}/${info.plural}/${encodeURIComponent(name)}`
  }

  // ------------------------------------------------------------------ HTTP

  /**
   * Credentials and the pooled agent, from the kubeconfig. Static credentials (certificates, tokens)
   * come from kubeconfig.ts; plugins (exec, OIDC, token files) from client-node's KubeConfig, loaded
   * only then, and re-read every 30 s.
   */
  private async connection(): Promise<{agent: http.Agent; headers: Record<string, string>}> {
    const fixed = this.credentials
    if (fixed) {
      this.agent ??= this.newAgent(fixed.tls)
      return {agent: this.agent, headers: fixed.headers}
    }
    if (this.agent && this.auth && Date.now() - this.auth.at < 30_000) return {agent: this.agent, headers: this.auth.headers}
    if (!this.kc) {
      const {KubeConfig} = await import('@kubernetes/client-node')
      const kc = new KubeConfig()
      try {
        kc.loadFromString(JSON.stringify(this.document))
      } catch (error) {
        // client-node's messages name missing fields; anything else might quote the file, so it is not passed on.
        const message = error instanceof Error && /^(clusters|users|contexts)\[\d+\]\.[\w.-]+ is missing$/.test(error.message) ? error.message : 'it is not a kubeconfig client-node can use'
        throw new PreconditionError(`kubeconfig ${this.where} cannot be used: ${message}`)
      }
      this.kc = kc
    }
    const opts: https.RequestOptions = {headers: {}}
    await this.kc.applyToHTTPSOptions(opts)
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = String(v)
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`
    this.auth = {headers, at: Date.now()}
    if (!this.agent) {
      const tls: https.AgentOptions = {}
      for (const key of ['ca', 'cert', 'key', 'rejectUnauthorized', 'servername'] as const) {
        if (opts[key] !== undefined) (tls as Record<string, unknown>)[key] = opts[key]
      }
      this.agent = this.newAgent(tls)
    }
    return {agent: this.agent, headers}
  }

  private newAgent(tls: https.AgentOptions): http.Agent {
    const pool = {keepAlive: true, maxSockets: this.maxSockets}
    return this.server.protocol === 'http:' ? new http.Agent(pool) : new https.Agent({...pool, ...tls})
  }

  /** Every failure below the HTTP status (credentials, TLS, sockets) becomes an ApiError (exit 6). */
  private async request(method: string, path: string, options: {body?: string; contentType?: string} = {}): Promise<Response> {
    try {
      return await this.send(method, path, options)
    } catch (error) {
      if (error instanceof CliError) throw error
      throw new ApiError(`Cannot use the kubeconfig's credentials for ${this.server.origin}: ${credentialProblem(error)}`, {
        suggestions: ['Export a fresh admin kubeconfig: kops export kubeconfig --admin (kopsmith cluster create does this)', 'Check the certificate data in the kubeconfig'],
        details: {server: this.server.origin, method, path},
      })
    }
  }

  private async send(method: string, path: string, options: {body?: string; contentType?: string}): Promise<Response> {
    const connection = await this.connection()
    const headers: Record<string, string> = {...connection.headers, Accept: 'application/json'}
    if (options.body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json'
      headers['Content-Length'] = String(Buffer.byteLength(options.body))
    }
    const prefix = this.server.pathname.replace(/\/$/, '')
    const transport = this.server.protocol === 'http:' ? http : https
    return new Promise<Response>((resolve, reject) => {
      const req = transport.request(
        {
          protocol: this.server.protocol,
          hostname: this.server.hostname,
          port: this.server.port,
          path: prefix + path,
          method,
          headers,
          agent: connection.agent,
          timeout: this.requestTimeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            let body: unknown = text
            try {
              body = text ? JSON.parse(text) : undefined
            } catch {
              // not JSON: keep the text for the error message
            }
            resolve({status: res.statusCode ?? 0, body})
          })
          res.on('error', reject)
        },
      )
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.requestTimeoutMs} ms`)))
      req.on('error', (error: NodeJS.ErrnoException) =>
        reject(
          new ApiError(`Cannot reach the Kubernetes API at ${this.server.origin}: ${error.code ?? error.message}`, {
            cause: error,
            suggestions: ['Check that the kubeconfig points at the right cluster', 'The API is private: run from a network listed in spec.access.api (VPN, bastion)'],
            details: {server: this.server.origin, method, path},
          }),
        ),
      )
      if (options.body !== undefined) req.write(options.body)
      req.end()
    })
  }

  /**
   * The API server's answers to an apply that kopsmith tells apart (each checked against a real API
   * server in test/e2e): 409 with FieldManagerConflict causes (fields another manager owns; the
   * statuses' `reason` key carries the cause type), 409 without them (a stale resourceVersion: the
   * object changed meanwhile), 403 NamespaceTerminating, 422 Invalid (e.g. an immutable roleRef).
   */
  private applyError(object: KubeObject, res: Response): ApiError {
    const status = (typeof res.body === 'object' && res.body ? res.body : {}) as StatusBody
    const what = describe({apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace})
    const causes = status.details?.causes ?? []
    if (res.status === 409 && causes.some((c) => c.reason === 'FieldManagerConflict')) {
      const conflicts = causes
        .filter((c) => c.reason === 'FieldManagerConflict')
        .map((c) => ({manager: /conflict with "([^"]+)"/.exec(c.message ?? '')?.[1] ?? 'unknown', field: c.field ?? '', message: c.message ?? ''}))
      const lines = conflicts.map((c) => `  ${c.field} is owned by ${c.manager}`)
      return new ApiError([`Applying ${what} conflicts with fields another manager owns:`, ...lines].join('\n'), {
        suggestions: ['Re-run with --force-conflicts to take ownership of these fields', 'Or remove the fields from the other tool that manages them'],
        details: {reason: 'Conflict', object: what, conflicts, status: 409},
      })
    }
    const hints: string[] = []
    if (res.status === 409) hints.push('Another client changed the object meanwhile: re-run (apply is idempotent)')
    if (res.status === 403 && causes.some((c) => c.reason === 'NamespaceTerminating')) {
      hints.push(`Namespace ${object.metadata.namespace} is being deleted: wait until it is gone (kubectl get namespace ${object.metadata.namespace}), then re-run`)
    }
    if (res.status === 422 && object.kind.endsWith('RoleBinding') && causes.some((c) => c.field === 'roleRef')) {
      hints.push(`A binding's roleRef cannot change: delete it (kubectl delete ${object.kind.toLowerCase()} ${object.metadata.namespace ? `-n ${object.metadata.namespace} ` : ''}${object.metadata.name}) and re-run`)
    }
    return this.httpError(`Applying ${what}`, res, hints)
  }

  private httpError(action: string, res: Response, hints: string[] = []): ApiError {
    const status = (typeof res.body === 'object' && res.body ? res.body : {}) as StatusBody
    const message = status.message ?? (typeof res.body === 'string' ? res.body.slice(0, 300) : '')
    const suggestions =
      res.status === 401
        ? ['The kubeconfig credentials were rejected: export a fresh kubeconfig (kops export kubeconfig --admin)']
        : res.status === 403
          ? ['Your identity lacks RBAC permission for this; use an admin kubeconfig']
          : []
    return new ApiError(`${action} failed: HTTP ${res.status}${status.reason ? ` ${status.reason}` : ''}${message ? `: ${message}` : ''}`, {
      suggestions: [...suggestions, ...hints],
      details: {status: res.status, reason: status.reason, causes: status.details?.causes},
    })
  }

  // ------------------------------------------------------------------ TokenRequest

  async requestServiceAccountToken(namespace: string, name: string, options: {expirationSeconds: number}): Promise<ServiceAccountToken> {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(name)}/token`
    // No audiences: the token is for the API server itself (its default audiences).
    const body = {apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {expirationSeconds: options.expirationSeconds}}
    const res = await this.request('POST', path, {body: JSON.stringify(body), contentType: 'application/json'})
    if (res.status !== 201 && res.status !== 200) throw this.httpError(`Requesting a token for ServiceAccount ${namespace}/${name}`, res)
    const status = (res.body as {status?: {token?: unknown; expirationTimestamp?: unknown}} | undefined)?.status
    if (typeof status?.token !== 'string' || typeof status.expirationTimestamp !== 'string') {
      throw new ApiError(`Requesting a token for ServiceAccount ${namespace}/${name}: the API server answered without a token`, {details: {status: res.status}})
    }
    // The kubeconfig's own cluster entry (its certificate-authority path already resolved by the merge).
    const text = (key: string) => (typeof this.cluster[key] === 'string' && this.cluster[key] !== '' ? (this.cluster[key] as string) : undefined)
    let certificateAuthorityData = text('certificate-authority-data')
    const caFile = text('certificate-authority')
    if (!certificateAuthorityData && caFile) {
      try {
        certificateAuthorityData = readFileSync(caFile).toString('base64')
      } catch (error) {
        throw new PreconditionError(`the kubeconfig's certificate-authority ${caFile} cannot be read: ${(error as Error).message}`, {cause: error})
      }
    }
    const tlsServerName = text('tls-server-name')
    return {
      token: status.token,
      expirationTimestamp: status.expirationTimestamp,
      server: text('server') ?? this.server.origin,
      ...(certificateAuthorityData ? {certificateAuthorityData} : {}),
      ...(tlsServerName ? {tlsServerName} : {}),
      ...(this.cluster['insecure-skip-tls-verify'] === true ? {insecureSkipTlsVerify: true} : {}),
    }
  }
}

/**
 * Why credentials could not be used, without echoing them: an exec plugin's stderr, or a parser's
 * message about certificate data, may quote what it was given. Error codes (TLS, OpenSSL) are safe.
 */
function credentialProblem(error: unknown): string {
  const code = (error as {code?: unknown} | null)?.code
  if (typeof code === 'string' && /^[A-Z0-9_]+$/.test(code)) return `${code} (check the certificate and key data in the kubeconfig)`
  return 'the credentials (client certificate, token or exec plugin) could not be loaded; their content is not shown'
}

function collectionPath(apiVersion: string, plural: string): string {
  return `${apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`}/${plural}`
}

function withTypeMeta(object: KubeObject, apiVersion: string, kind: string): KubeObject {
  return {...object, apiVersion: object.apiVersion ?? apiVersion, kind: object.kind ?? kind}
}

function describe(ref: KubeResourceRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`
}
