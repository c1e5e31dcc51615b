import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {parse as parseYaml} from 'yaml'

/**
 * A local Kubernetes API server, just large enough for the apply engine and for `kubectl apply
 * --server-side`: discovery (`/api`, `/apis`, `/api/v1`, `/apis/<g>/<v>`, `/version`, OpenAPI v3
 * served from the reference documents), server-side apply with per-manager field ownership and 409
 * conflicts, GET/LIST (label selectors)/DELETE, namespaces that must exist, CRDs that become
 * Established after a delay (and are then served), and Deployments/DaemonSets/StatefulSets whose
 * status becomes ready after a delay — or never. Every request is recorded; every answer waits
 * `latencyMs` first, like a remote API.
 */

export interface FakeKubeApiOptions {
  latencyMs?: number
  /** Delay before an applied CRD reports Established and its API is served. */
  crdEstablishDelayMs?: number
  /** Delay before a workload's status reports the rollout finished. */
  rolloutDelayMs?: number
  /** Workloads that never become ready (`namespace/name`). */
  neverReady?: string[]
  /** Serve `/openapi/v3` from these OpenAPI v3 documents (file names as in the reference dir). */
  openApiDir?: string
}

export interface RecordedRequest {
  method: string
  path: string
  query: URLSearchParams
  contentType?: string
  /** Parsed body of PATCH/POST requests. */
  body?: unknown
  at: number
}

interface Resource {
  group: string
  version: string
  kind: string
  plural: string
  namespaced: boolean
  shortNames?: string[]
}

type Json = Record<string, unknown>

interface Stored {
  object: Json
  /** manager → owned leaf paths (JSON-encoded path arrays; lists are atomic leaves). */
  owners: Map<string, Set<string>>
  appliedAt: number
  establishedAt?: number
}

const BUILTIN: Resource[] = [
  {group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns']},
  {group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, shortNames: ['sa']},
  {group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm']},
  {group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true},
  {group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true, shortNames: ['svc']},
  {group: '', version: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas', namespaced: true, shortNames: ['quota']},
  {group: '', version: 'v1', kind: 'LimitRange', plural: 'limitranges', namespaced: true, shortNames: ['limits']},
  {group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, shortNames: ['po']},
  {group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, shortNames: ['deploy']},
  {group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true, shortNames: ['ds']},
  {group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true, shortNames: ['sts']},
  {group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', namespaced: true},
  {group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true},
  {group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false},
  {group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false},
  {group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true, shortNames: ['netpol']},
  {group: 'networking.k8s.io', version: 'v1', kind: 'IngressClass', plural: 'ingressclasses', namespaced: false},
  {group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', plural: 'ingresses', namespaced: true, shortNames: ['ing']},
  {group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true, shortNames: ['pdb']},
  {group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false, shortNames: ['crd', 'crds']},
  {group: 'admissionregistration.k8s.io', version: 'v1', kind: 'MutatingWebhookConfiguration', plural: 'mutatingwebhookconfigurations', namespaced: false},
  {group: 'admissionregistration.k8s.io', version: 'v1', kind: 'ValidatingWebhookConfiguration', plural: 'validatingwebhookconfigurations', namespaced: false},
  {group: 'admissionregistration.k8s.io', version: 'v1', kind: 'ValidatingAdmissionPolicy', plural: 'validatingadmissionpolicies', namespaced: false},
  {group: 'admissionregistration.k8s.io', version: 'v1', kind: 'ValidatingAdmissionPolicyBinding', plural: 'validatingadmissionpolicybindings', namespaced: false},
  {group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass', plural: 'priorityclasses', namespaced: false, shortNames: ['pc']},
]

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

export class FakeKubeApi {
  readonly requests: RecordedRequest[] = []
  private readonly store = new Map<string, Stored>()
  private server: Server | undefined
  private resourceVersion = 1000
  url = ''
  latencyMs: number
  crdEstablishDelayMs: number
  rolloutDelayMs: number
  readonly neverReady: Set<string>

  constructor(private readonly options: FakeKubeApiOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0
    this.crdEstablishDelayMs = options.crdEstablishDelayMs ?? 0
    this.rolloutDelayMs = options.rolloutDelayMs ?? 0
    this.neverReady = new Set(options.neverReady ?? [])
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res))
    this.server.keepAliveTimeout = 30_000
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    const address = this.server.address()
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    return this
  }

  async stop(): Promise<void> {
    if (!this.server) return
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server!.close(() => resolve()))
    this.server = undefined
  }

  /** A kubeconfig file pointing at this server (plain HTTP on loopback, token auth). */
  writeKubeconfig(dir = mkdtempSync(join(tmpdir(), 'kopsmith-kube-'))): string {
    return writeKubeconfig(this.url, dir)
  }

  // ---------------------------------------------------------------- test helpers

  /** Puts an object in place as if another field manager had applied it. */
  seed(object: Json, manager = 'other-tool'): void {
    const res = this.resourceFor(String(object.apiVersion), String(object.kind), true)
    if (!res) throw new Error(`fake API: unknown kind ${String(object.kind)}`)
    const meta = object.metadata as Json
    const key = this.key(res, meta.namespace as string | undefined, String(meta.name))
    const stored: Stored = {object: {}, owners: new Map(), appliedAt: Date.now()}
    this.store.set(key, stored)
    this.mergeApply(stored, object, manager, true)
    this.finish(stored, res, false)
  }

  getObject(apiVersion: string, kind: string, name: string, namespace?: string): Json | undefined {
    const res = this.resourceFor(apiVersion, kind, true)
    const stored = res && this.store.get(this.key(res, namespace, name))
    return stored ? this.view(stored, res) : undefined
  }

  objects(): Json[] {
    return [...this.store.values()].map((s) => s.object)
  }

  /** Applies (PATCH) in arrival order: `Kind namespace/name`. */
  appliedOrder(): string[] {
    return this.requests
      .filter((r) => r.method === 'PATCH')
      .map((r) => {
        const body = r.body as Json
        const meta = body.metadata as Json
        return `${String(body.kind)} ${meta.namespace ? `${String(meta.namespace)}/` : ''}${String(meta.name)}`
      })
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const url = new URL(req.url ?? '/', 'http://fake')
    const text = Buffer.concat(chunks).toString('utf8')
    let body: unknown
    if (text) {
      try {
        body = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text)
      } catch {
        body = text
      }
    }
    this.requests.push({method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, contentType: req.headers['content-type'], body, at: Date.now()})
    if (this.latencyMs > 0 && !url.pathname.startsWith('/__fake')) await new Promise((r) => setTimeout(r, this.latencyMs))
    try {
      const [status, payload, contentType] = this.route(req.method ?? 'GET', url, body, req.headers['content-type'])
      const out = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload)
      res.writeHead(status, {'Content-Type': contentType ?? 'application/json'})
      res.end(out)
    } catch (error) {
      res.writeHead(500, {'Content-Type': 'application/json'})
      res.end(JSON.stringify(statusBody(500, 'InternalError', (error as Error).stack ?? String(error))))
    }
  }

  private route(method: string, url: URL, body: unknown, contentType: string | undefined): [number, unknown, string?] {
    const path = url.pathname.replace(/\/$/, '')
    if (path === '/__fake/stats') {
      const byMethod: Record<string, number> = {}
      for (const r of this.requests) if (!r.path.startsWith('/__fake')) byMethod[r.method] = (byMethod[r.method] ?? 0) + 1
      return [200, {requests: this.requests.filter((r) => !r.path.startsWith('/__fake')).length, byMethod, objects: this.store.size}]
    }
    if (path === '/version') return [200, {major: '1', minor: '35', gitVersion: 'v1.35.0', platform: 'linux/amd64'}]
    if (path === '/api') return [200, {kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1'}]}]
    if (path === '/apis') return [200, this.groupList()]
    if (path.startsWith('/openapi')) return this.openApi(path)
    const parts = path.split('/').filter(Boolean)
    let group = ''
    let version: string
    let rest: string[]
    if (parts[0] === 'api' && parts[1]) {
      version = parts[1]
      rest = parts.slice(2)
    } else if (parts[0] === 'apis' && parts[1] && parts[2]) {
      group = parts[1]
      version = parts[2]
      rest = parts.slice(3)
    } else {
      return [404, statusBody(404, 'NotFound', `the server could not find the requested resource (${path})`)]
    }
    const served = this.served().filter((r) => r.group === group && r.version === version)
    if (rest.length === 0) {
      if (served.length === 0) return [404, statusBody(404, 'NotFound', `the server could not find the requested resource`)]
      return [200, this.resourceList(group, version, served)]
    }
    let namespace: string | undefined
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1]
      rest = rest.slice(2)
    }
    const [plural, name] = rest
    const resource = served.find((r) => r.plural === plural)
    if (!resource) return [404, statusBody(404, 'NotFound', `the server could not find the requested resource`)]
    if (!name) {
      if (method !== 'GET') return [405, statusBody(405, 'MethodNotAllowed', 'not supported here')]
      return [200, this.list(resource, namespace, url.searchParams.get('labelSelector') ?? '')]
    }
    const key = this.key(resource, resource.namespaced ? namespace : undefined, name)
    switch (method) {
      case 'GET': {
        const stored = this.store.get(key)
        return stored ? [200, this.view(stored, resource)] : [404, notFound(resource, name)]
      }
      case 'DELETE': {
        const stored = this.store.get(key)
        if (!stored) return [404, notFound(resource, name)]
        this.store.delete(key)
        if (resource.kind === 'Namespace') {
          for (const [k, s] of this.store) if ((s.object.metadata as Json).namespace === name) this.store.delete(k)
        }
        return [200, {kind: 'Status', apiVersion: 'v1', status: 'Success', details: {name, kind: resource.plural}}]
      }
      case 'PATCH':
        return this.apply(resource, key, namespace, name, body, url.searchParams, contentType)
      default:
        return [405, statusBody(405, 'MethodNotAllowed', `${method} is not supported by the fake API`)]
    }
  }

  private apply(resource: Resource, key: string, namespace: string | undefined, name: string, body: unknown, query: URLSearchParams, contentType: string | undefined): [number, unknown] {
    if (!contentType?.startsWith('application/apply-patch+yaml')) return [415, statusBody(415, 'UnsupportedMediaType', `only server-side apply is supported, got ${contentType}`)]
    const manager = query.get('fieldManager')
    if (!manager) return [422, statusBody(422, 'Invalid', 'fieldManager is required for apply patch')]
    if (!body || typeof body !== 'object') return [400, statusBody(400, 'BadRequest', 'body is not an object')]
    const object = body as Json
    const meta = (object.metadata ?? {}) as Json
    if (meta.name !== name) return [400, statusBody(400, 'BadRequest', `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`)]
    if (`${resource.group ? `${resource.group}/` : ''}${resource.version}` !== object.apiVersion || resource.kind !== object.kind) {
      return [400, statusBody(400, 'BadRequest', `apiVersion/kind ${String(object.apiVersion)} ${String(object.kind)} does not match the URL`)]
    }
    if (resource.namespaced && namespace && !this.store.has(this.key(BUILTIN[0]!, undefined, namespace))) {
      return [404, statusBody(404, 'NotFound', `namespaces "${namespace}" not found`, {name: namespace, kind: 'namespaces'})]
    }
    const existing = this.store.get(key)
    const stored: Stored = existing ?? {object: {}, owners: new Map(), appliedAt: Date.now()}
    const conflicts = this.conflicts(stored, object, manager)
    if (conflicts.length > 0 && query.get('force') !== 'true') {
      const message = `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`).join(', ')}`
      return [
        409,
        statusBody(409, 'Conflict', message, {
          causes: conflicts.map((c) => ({type: 'FieldManagerConflict', message: `conflict with "${c.manager}" using ${String(object.apiVersion)}`, field: c.field})),
        }),
      ]
    }
    if (query.get('dryRun') === 'All') {
      const copy: Stored = {object: structuredClone(stored.object), owners: new Map([...stored.owners].map(([m, s]) => [m, new Set(s)])), appliedAt: stored.appliedAt}
      this.mergeApply(copy, object, manager, true)
      return [200, this.view(copy, resource)]
    }
    const specBefore = JSON.stringify(stored.object.spec ?? null)
    this.mergeApply(stored, object, manager, true)
    if (!existing) this.store.set(key, stored)
    this.finish(stored, resource, !existing || JSON.stringify(stored.object.spec ?? null) !== specBefore)
    return [existing ? 200 : 201, this.view(stored, resource)]
  }

  /** Fields another manager owns with a different value than the one being applied. */
  private conflicts(stored: Stored, object: Json, manager: string): Array<{manager: string; field: string}> {
    const incoming = leaves(object)
    const current = leaves(stored.object)
    const out: Array<{manager: string; field: string}> = []
    for (const [other, paths] of stored.owners) {
      if (other === manager) continue
      for (const path of paths) {
        if (incoming.has(path) && current.has(path) && JSON.stringify(incoming.get(path)) !== JSON.stringify(current.get(path))) {
          out.push({manager: other, field: formatField(JSON.parse(path) as string[])})
        }
      }
    }
    return out
  }

  /** SSA merge: take ownership of the applied fields, drop fields only this manager owned before. */
  private mergeApply(stored: Stored, object: Json, manager: string, force: boolean): void {
    const incoming = leaves(object)
    if (force) for (const [other, paths] of stored.owners) if (other !== manager) for (const p of incoming.keys()) paths.delete(p)
    const previous = stored.owners.get(manager) ?? new Set<string>()
    for (const path of previous) {
      if (incoming.has(path)) continue
      const ownedElsewhere = [...stored.owners].some(([m, s]) => m !== manager && s.has(path))
      if (!ownedElsewhere) unsetPath(stored.object, JSON.parse(path) as string[])
    }
    for (const [path, value] of incoming) setPath(stored.object, JSON.parse(path) as string[], structuredClone(value))
    const meta = object.metadata as Json
    stored.object.apiVersion = object.apiVersion
    stored.object.kind = object.kind
    setPath(stored.object, ['metadata', 'name'], meta.name)
    if (meta.namespace) setPath(stored.object, ['metadata', 'namespace'], meta.namespace)
    stored.owners.set(manager, new Set(incoming.keys()))
  }

  private finish(stored: Stored, resource: Resource, specChanged: boolean): void {
    const meta = stored.object.metadata as Json
    meta.uid ??= `uid-${this.resourceVersion}`
    meta.creationTimestamp ??= new Date().toISOString()
    meta.resourceVersion = String(++this.resourceVersion)
    if (specChanged) {
      meta.generation = ((meta.generation as number | undefined) ?? 0) + 1
      stored.appliedAt = Date.now()
    }
    if (resource.kind === 'CustomResourceDefinition' && stored.establishedAt === undefined) stored.establishedAt = Date.now() + this.crdEstablishDelayMs
  }

  /** The object as the API returns it: status computed from time, managedFields from ownership. */
  private view(stored: Stored, resource: Resource): Json {
    const object = structuredClone(stored.object)
    const meta = object.metadata as Json
    meta.managedFields = [...stored.owners].map(([manager, paths]) => ({
      manager,
      operation: 'Apply',
      apiVersion: object.apiVersion,
      fieldsType: 'FieldsV1',
      fieldsV1: fieldsV1([...paths].map((p) => JSON.parse(p) as string[])),
    }))
    const now = Date.now()
    const generation = (meta.generation as number | undefined) ?? 1
    const ns = meta.namespace ? `${String(meta.namespace)}/` : ''
    const ready = !this.neverReady.has(`${ns}${String(meta.name)}`) && now - stored.appliedAt >= this.rolloutDelayMs
    if (resource.kind === 'CustomResourceDefinition') {
      const established = stored.establishedAt !== undefined && now >= stored.establishedAt
      object.status = {conditions: [{type: 'NamesAccepted', status: 'True'}, {type: 'Established', status: established ? 'True' : 'False'}]}
    } else if (resource.kind === 'Deployment' || resource.kind === 'StatefulSet') {
      const replicas = ((object.spec as Json | undefined)?.replicas as number | undefined) ?? 1
      object.status = ready
        ? {observedGeneration: generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas}
        : {observedGeneration: generation, replicas, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0}
    } else if (resource.kind === 'DaemonSet') {
      object.status = ready
        ? {observedGeneration: generation, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3, numberReady: 3, numberMisscheduled: 0}
        : {observedGeneration: generation, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 0, numberAvailable: 0, numberReady: 0, numberMisscheduled: 0}
    }
    return object
  }

  private list(resource: Resource, namespace: string | undefined, selector: string): Json {
    const wanted = selector
      .split(',')
      .filter(Boolean)
      .map((term) => {
        const [k, v] = term.split(/==?/)
        return [k ?? '', v ?? ''] as const
      })
    const items = [...this.store.entries()]
      .filter(([key]) => key.startsWith(`${resource.group}/${resource.kind}/`))
      .map(([, s]) => s)
      .filter((s) => !namespace || (s.object.metadata as Json).namespace === namespace)
      .filter((s) => {
        const labels = ((s.object.metadata as Json).labels ?? {}) as Record<string, string>
        return wanted.every(([k, v]) => labels[k] === v)
      })
      .map((s) => {
        const v = this.view(s, resource)
        delete v.apiVersion
        delete v.kind
        return v
      })
    return {kind: `${resource.kind}List`, apiVersion: apiVersionOf(resource), metadata: {resourceVersion: String(this.resourceVersion)}, items}
  }

  // ---------------------------------------------------------------- discovery

  private served(): Resource[] {
    const now = Date.now()
    const custom: Resource[] = []
    for (const stored of this.store.values()) {
      if (stored.object.kind !== 'CustomResourceDefinition' || stored.establishedAt === undefined || now < stored.establishedAt) continue
      const spec = stored.object.spec as {group: string; names: {kind: string; plural: string; shortNames?: string[]}; scope: string; versions: Array<{name: string; served: boolean}>}
      for (const v of spec.versions) {
        if (v.served) custom.push({group: spec.group, version: v.name, kind: spec.names.kind, plural: spec.names.plural, namespaced: spec.scope === 'Namespaced', shortNames: spec.names.shortNames})
      }
    }
    return [...BUILTIN, ...custom]
  }

  private resourceFor(apiVersion: string, kind: string, includeUnserved: boolean): Resource | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion]
    const found = this.served().find((r) => r.group === group && r.version === version && r.kind === kind)
    if (found || !includeUnserved) return found
    return {group: group ?? '', version: version ?? '', kind, plural: `${kind.toLowerCase()}s`, namespaced: true}
  }

  private groupList(): Json {
    const groups = new Map<string, string[]>()
    for (const r of this.served()) {
      if (!r.group) continue
      const versions = groups.get(r.group) ?? []
      if (!versions.includes(r.version)) versions.push(r.version)
      groups.set(r.group, versions)
    }
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, versions]) => ({
        name,
        versions: versions.map((v) => ({groupVersion: `${name}/${v}`, version: v})),
        preferredVersion: {groupVersion: `${name}/${versions[0]}`, version: versions[0]},
      })),
    }
  }

  private resourceList(group: string, version: string, resources: Resource[]): Json {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources: resources.map((r) => ({
        name: r.plural,
        singularName: r.kind.toLowerCase(),
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: VERBS,
        ...(r.shortNames ? {shortNames: r.shortNames} : {}),
      })),
    }
  }

  /** `/openapi/v3` (index) and `/openapi/v3/<api|apis/g/v>` from the reference documents, for kubectl. */
  private openApi(path: string): [number, unknown, string?] {
    const dir = this.options.openApiDir
    if (!dir) return [404, statusBody(404, 'NotFound', 'no OpenAPI documents configured')]
    if (path === '/openapi/v3') {
      const paths: Record<string, {serverRelativeURL: string}> = {}
      for (const r of this.served()) {
        if (r.group.includes('.') && !r.group.endsWith('k8s.io')) continue
        const gv = r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`
        paths[gv] = {serverRelativeURL: `/openapi/v3/${gv}?hash=fake`}
      }
      return [200, {paths}]
    }
    const gv = path.slice('/openapi/v3/'.length)
    const file = join(dir, `${gv.replaceAll('/', '__')}_openapi.json`)
    try {
      return [200, readFileSync(file), 'application/json']
    } catch {
      return [404, statusBody(404, 'NotFound', `no OpenAPI document for ${gv}`)]
    }
  }

  private key(resource: Pick<Resource, 'group' | 'kind' | 'namespaced'>, namespace: string | undefined, name: string): string {
    return `${resource.group}/${resource.kind}/${resource.namespaced ? (namespace ?? 'default') : ''}/${name}`
  }
}

/** A kubeconfig for an API at `url` (plain HTTP on loopback, token auth); returns its path. */
export function writeKubeconfig(url: string, dir = mkdtempSync(join(tmpdir(), 'kopsmith-kube-'))): string {
  const path = join(dir, 'kubeconfig')
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      `  cluster: {server: "${url}", insecure-skip-tls-verify: true}`,
      'users:',
      '- name: admin',
      '  user: {token: fake-token}',
      'contexts:',
      '- name: fake',
      '  context: {cluster: fake, user: admin}',
      'current-context: fake',
      '',
    ].join('\n'),
  )
  return path
}

function apiVersionOf(r: Resource): string {
  return r.group ? `${r.group}/${r.version}` : r.version
}

function statusBody(code: number, reason: string, message: string, details?: Json): Json {
  return {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...(details ? {details} : {})}
}

function notFound(resource: Resource, name: string): Json {
  return statusBody(404, 'NotFound', `${resource.plural}${resource.group ? `.${resource.group}` : ''} "${name}" not found`, {name, kind: resource.plural})
}

const IDENTITY = new Set(['["apiVersion"]', '["kind"]', '["metadata","name"]', '["metadata","namespace"]'])

/** Leaf paths of an object: scalars and lists (lists are atomic here), minus identity fields. */
function leaves(object: Json): Map<string, unknown> {
  const out = new Map<string, unknown>()
  const walk = (value: unknown, path: string[]) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k])
      return
    }
    if (path.length === 0) return
    if (path[0] === 'status' || (path[0] === 'metadata' && ['managedFields', 'uid', 'resourceVersion', 'generation', 'creationTimestamp'].includes(path[1] ?? ''))) return
    const key = JSON.stringify(path)
    if (!IDENTITY.has(key)) out.set(key, value)
  }
  walk(object, [])
  return out
}

function setPath(object: Json, path: string[], value: unknown): void {
  let node = object
  for (const seg of path.slice(0, -1)) {
    if (node[seg] === null || typeof node[seg] !== 'object' || Array.isArray(node[seg])) node[seg] = {}
    node = node[seg] as Json
  }
  node[path[path.length - 1]!] = value
}

function unsetPath(object: Json, path: string[]): void {
  const parents: Json[] = [object]
  let node: unknown = object
  for (const seg of path.slice(0, -1)) {
    node = (node as Json)[seg]
    if (!node || typeof node !== 'object') return
    parents.push(node as Json)
  }
  delete (node as Json)[path[path.length - 1]!]
  // Remove maps left empty, like the real merge does.
  for (let i = parents.length - 1; i > 0; i--) {
    if (Object.keys(parents[i]!).length === 0) delete parents[i - 1]![path[i - 1]!]
  }
}

function formatField(path: string[]): string {
  return path.map((seg) => (/^[A-Za-z0-9_]+$/.test(seg) ? `.${seg}` : `[${seg}]`)).join('')
}

function fieldsV1(paths: string[][]): Json {
  const root: Json = {}
  for (const path of paths) {
    let node = root
    for (const seg of path) {
      const key = `f:${seg}`
      node[key] ??= {}
      node = node[key] as Json
    }
  }
  return root
}

/**
 * Run as a process (`node --import tsx test/helpers/fake-kube-api.ts`): options from
 * FAKE_KUBE_* variables; prints `{"url": …}` on stdout once listening. `GET /__fake/stats` answers
 * request counts by method, so a benchmark can check what a client did without sharing its process.
 */
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const api = await new FakeKubeApi({
    latencyMs: Number(process.env.FAKE_KUBE_LATENCY_MS ?? 0),
    openApiDir: process.env.FAKE_KUBE_OPENAPI_DIR,
    crdEstablishDelayMs: Number(process.env.FAKE_KUBE_CRD_DELAY_MS ?? 0),
    rolloutDelayMs: Number(process.env.FAKE_KUBE_ROLLOUT_DELAY_MS ?? 0),
  }).start()
  process.stdout.write(`${JSON.stringify({url: api.url})}\n`)
  process.on('SIGTERM', () => void api.stop().then(() => process.exit(0)))
}
