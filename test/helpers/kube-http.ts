import {readFileSync} from 'node:fs'
import http from 'node:http'
import https from 'node:https'

import {parse as parseYaml} from 'yaml'

/**
 * Raw HTTP access to a Kubernetes API for contract tests: status code and parsed body exactly as
 * the server sent them, so a test can compare the real API server with the fake answer by answer.
 * Reads the current context of a kubeconfig (client certificate or bearer token, inline data only —
 * what ../shared/kube/up.sh and the fake API write).
 */
export interface RawResponse {
  status: number
  body: Record<string, unknown>
}

export class KubeHttp {
  private readonly server: URL
  private readonly agent: http.Agent
  private readonly headers: Record<string, string> = {}

  constructor(kubeconfigPath: string) {
    const doc = parseYaml(readFileSync(kubeconfigPath, 'utf8')) as KubeconfigDoc
    const context = doc.contexts.find((c) => c.name === doc['current-context'])?.context
    const cluster = doc.clusters.find((c) => c.name === context?.cluster)?.cluster
    const user = doc.users.find((u) => u.name === context?.user)?.user ?? {}
    if (!cluster) throw new Error(`${kubeconfigPath}: no cluster for the current context`)
    this.server = new URL(cluster.server)
    if (user.token) this.headers.Authorization = `Bearer ${user.token}`
    const b64 = (v: string | undefined) => (v ? Buffer.from(v, 'base64') : undefined)
    this.agent =
      this.server.protocol === 'http:'
        ? new http.Agent({keepAlive: true})
        : new https.Agent({
            keepAlive: true,
            ca: b64(cluster['certificate-authority-data']),
            cert: b64(user['client-certificate-data']),
            key: b64(user['client-key-data']),
            rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
          })
  }

  get(path: string): Promise<RawResponse> {
    return this.request('GET', path)
  }

  /** Server-side apply of `object` with `fieldManager` (and `force`), as kopsmith sends it. */
  apply(path: string, object: unknown, fieldManager: string, extra: Record<string, string> = {}): Promise<RawResponse> {
    const query = new URLSearchParams({fieldManager, ...extra})
    return this.request('PATCH', `${path}?${query}`, JSON.stringify(object), 'application/apply-patch+yaml')
  }

  /** Replaces the object (PUT), as a controller or `kubectl replace` would. */
  put(path: string, object: unknown, fieldManager = 'e2e-editor'): Promise<RawResponse> {
    return this.request('PUT', `${path}?${new URLSearchParams({fieldManager})}`, JSON.stringify(object), 'application/json')
  }

  /** JSON merge patch, as `kubectl edit`/`kubectl patch --type merge` would (an Update operation). */
  mergePatch(path: string, patch: unknown, fieldManager = 'e2e-editor'): Promise<RawResponse> {
    return this.request('PATCH', `${path}?${new URLSearchParams({fieldManager})}`, JSON.stringify(patch), 'application/merge-patch+json')
  }

  delete(path: string, propagationPolicy = 'Background', preconditions?: {uid?: string; resourceVersion?: string}): Promise<RawResponse> {
    return this.request('DELETE', path, JSON.stringify({apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy, ...(preconditions ? {preconditions} : {})}), 'application/json')
  }

  close(): void {
    this.agent.destroy()
  }

  request(method: string, path: string, body?: string, contentType?: string): Promise<RawResponse> {
    const transport = this.server.protocol === 'http:' ? http : https
    const headers: Record<string, string> = {...this.headers, Accept: 'application/json'}
    if (body !== undefined) {
      headers['Content-Type'] = contentType ?? 'application/json'
      headers['Content-Length'] = String(Buffer.byteLength(body))
    }
    return new Promise((resolve, reject) => {
      const req = transport.request(
        {hostname: this.server.hostname, port: this.server.port, path: this.server.pathname.replace(/\/$/, '') + path, method, headers, agent: this.agent},
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            let parsed: Record<string, unknown>
            try {
              parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {}
            } catch {
              parsed = {text}
            }
            resolve({status: res.statusCode ?? 0, body: parsed})
          })
          res.on('error', reject)
        },
      )
      req.on('error', reject)
      if (body !== undefined) req.write(body)
      req.end()
    })
  }
}

interface KubeconfigDoc {
  'current-context': string
  contexts: Array<{name: string; context: {cluster: string; user: string}}>
  clusters: Array<{name: string; cluster: {server: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean}}>
  users: Array<{name: string; user: {token?: string; 'client-certificate-data'?: string; 'client-key-data'?: string}}>
}
