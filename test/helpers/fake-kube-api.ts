import {randomUUID} from 'node:crypto'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {parse as parseYaml} from 'yaml'

import {compare, fieldSet, humanPath, merge, removePaths, SchemaIndex, toFieldsV1, TypedError, type FieldSet, type Json} from './fake-ssa.js'

/**
 * A local Kubernetes API server for tests and the benchmark: discovery (`/api`, `/apis`, `/api/v1`,
 * `/apis/<g>/<v>`, `/version`, OpenAPI v3 for kubectl), server-side apply with the real field
 * manager's semantics (fake-ssa.ts: typed by the Kubernetes 1.35 schemas, list merge keys, managed
 * fields, 409 conflicts and force), Update operations (PUT, merge patch) that take the fields they
 * change, resourceVersion preconditions (409), immutable `roleRef` (422), the CRD approval
 * annotation for `*.k8s.io` groups (422), namespaces that must exist and refuse new objects while
 * Terminating (403), finalizers, GET/LIST (label selectors, pagination)/DELETE, CRDs that become
 * Established after a delay (and are served from then on), and Deployments/DaemonSets/StatefulSets
 * whose status becomes ready after a delay — or never.
 *
 * Status codes, reasons, messages and causes are those of kube-apiserver; test/e2e/fake-vs-real.test.ts
 * runs the same scenarios against a real API server and this fake and compares the answers. Every
 * request is recorded; every answer waits `latencyMs` first, like a remote API.
 */

export interface FakeKubeApiOptions {
  latencyMs?: number
  /** Delay before an applied CRD reports Established and its API is served. */
  crdEstablishDelayMs?: number
  /** Delay before a workload's status reports the rollout finished. */
  rolloutDelayMs?: number
  /** Workloads that never become ready (`namespace/name`). */
  neverReady?: string[]
  /** How long a deleted namespace stays Terminating before its content goes (objects with finalizers stay). */
  namespaceDeletionDelayMs?: number
  /** Serve `/openapi/v3` from these OpenAPI v3 documents (file names as in the reference dir). */
  openApiDir?: string
}

export interface RecordedRequest {
  method: string
  path: string
  query: URLSearchParams
  contentType?: string
  /** Parsed body of PATCH/POST/PUT requests. */
  body?: unknown
  /** The Authorization header, to check which credentials a client sent. */
  authorization?: string
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

interface Manager {
  manager: string
  operation: 'Apply' | 'Update'
  apiVersion: string
  time: string
  set: FieldSet
}

interface Stored {
  resource: Resource
  object: Json
  managers: Manager[]
  appliedAt: number
  establishedAt?: number
  terminatingSince?: number
}

type Answer = [number, unknown, string?]

const REFERENCE_OPENAPI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'reference', 'k8s-openapi')

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
const NAMESPACE = BUILTIN[0]!

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

/** Fields no manager owns (the field manager strips them), by top-level path prefix. */
const IGNORED = [['f:apiVersion'], ['f:kind'], ['f:status'], ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'generation', 'managedFields', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds'].map((f) => ['f:metadata', `f:${f}`])]

let schemaIndex: SchemaIndex | undefined

export class FakeKubeApi {
  readonly requests: RecordedRequest[] = []
  private readonly store = new Map<string, Stored>()
  /** Indexes kept with the store, so that no request scans every object. */
  private readonly crds = new Map<string, Stored>()
  private readonly terminating = new Set<string>()
  private server: Server | undefined
  private resourceVersion = 1000
  url = ''
  latencyMs: number
  crdEstablishDelayMs: number
  rolloutDelayMs: number
  namespaceDeletionDelayMs: number
  readonly neverReady: Set<string>
  private readonly schemas: SchemaIndex

  constructor(private readonly options: FakeKubeApiOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0
    this.crdEstablishDelayMs = options.crdEstablishDelayMs ?? 0
    this.rolloutDelayMs = options.rolloutDelayMs ?? 0
    this.namespaceDeletionDelayMs = options.namespaceDeletionDelayMs ?? 0
    this.neverReady = new Set(options.neverReady ?? [])
    this.schemas = schemaIndex ??= new SchemaIndex(REFERENCE_OPENAPI)
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

  /** Puts an object in place as if another field manager had applied it (with force). */
  seed(object: Json, manager = 'other-tool'): void {
    const res = this.resourceFor(String(object.apiVersion), String(object.kind))
    if (!res) throw new Error(`fake API: unknown kind ${String(object.kind)}`)
    const meta = object.metadata as Json
    if (res.namespaced && meta.namespace && !this.store.has(this.key(NAMESPACE, undefined, String(meta.namespace)))) {
      this.seed({apiVersion: 'v1', kind: 'Namespace', metadata: {name: meta.namespace}}, manager)
    }
    const [status, body] = this.applyPatch(res, meta.namespace as string | undefined, String(meta.name), object, new URLSearchParams({fieldManager: manager, force: 'true'}), 'application/apply-patch+yaml')
    if (status >= 300) throw new Error(`fake API: seeding ${String(object.kind)} ${String(meta.name)} failed: ${JSON.stringify(body)}`)
  }

  getObject(apiVersion: string, kind: string, name: string, namespace?: string): Json | undefined {
    const res = this.resourceFor(apiVersion, kind)
    const stored = res && this.store.get(this.key(res, namespace, name))
    return stored ? this.view(stored) : undefined
  }

  objects(): Json[] {
    return [...this.store.values()].map((s) => s.object)
  }

  /** Applies (server-side apply PATCHes) in arrival order: `Kind namespace/name`. */
  appliedOrder(): string[] {
    return this.requests
      .filter((r) => r.method === 'PATCH' && r.contentType?.startsWith('application/apply-patch'))
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
    this.requests.push({method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, contentType: req.headers['content-type'], body, authorization: req.headers.authorization, at: Date.now()})
    if (this.latencyMs > 0 && !url.pathname.startsWith('/__fake')) await new Promise((r) => setTimeout(r, this.latencyMs))
    try {
      this.reconcile()
      const [status, payload, contentType] = this.route(req.method ?? 'GET', url, body, req.headers['content-type'])
      const out = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload)
      res.writeHead(status, {'Content-Type': contentType ?? 'application/json'})
      res.end(out)
    } catch (error) {
      res.writeHead(500, {'Content-Type': 'application/json'})
      res.end(JSON.stringify(statusBody(500, 'InternalError', (error as Error).stack ?? String(error))))
    }
  }

  private route(method: string, url: URL, body: unknown, contentType: string | undefined): Answer {
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
      return [404, statusBody(404, 'NotFound', `the server could not find the requested resource`)]
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
    const [plural, name, subresource] = rest
    const resource = served.find((r) => r.plural === plural)
    if (!resource || subresource) return [404, statusBody(404, 'NotFound', `the server could not find the requested resource`)]
    if (!name) {
      if (method !== 'GET') return [405, statusBody(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`)]
      return this.list(resource, namespace, url.searchParams)
    }
    const ns = resource.namespaced ? namespace : undefined
    const key = this.key(resource, ns, name)
    switch (method) {
      case 'GET': {
        const stored = this.store.get(key)
        return stored ? [200, this.view(stored)] : [404, notFound(resource, name)]
      }
      case 'DELETE':
        return this.delete(resource, key, name, body)
      case 'PATCH':
        if (contentType?.startsWith('application/apply-patch')) return this.applyPatch(resource, ns, name, body, url.searchParams, contentType)
        if (contentType?.startsWith('application/merge-patch+json')) return this.mergePatch(resource, ns, name, body, url.searchParams)
        return [415, statusBody(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`)]
      case 'PUT':
        return this.put(resource, ns, name, body, url.searchParams)
      default:
        return [405, statusBody(405, 'MethodNotAllowed', `${method} is not supported by the fake API`)]
    }
  }

  // ---------------------------------------------------------------- writes

  /** Server-side apply (PATCH application/apply-patch+yaml). */
  private applyPatch(resource: Resource, namespace: string | undefined, name: string, body: unknown, query: URLSearchParams, contentType: string | undefined): Answer {
    if (!contentType?.startsWith('application/apply-patch+yaml')) return [415, statusBody(415, 'UnsupportedMediaType', `only server-side apply is supported, got ${contentType}`)]
    const manager = query.get('fieldManager')
    if (!manager) return [400, statusBody(400, 'BadRequest', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch')]
    if (!body || typeof body !== 'object') return [400, statusBody(400, 'BadRequest', 'error decoding YAML: the body is not an object')]
    const config = structuredClone(body) as Json
    const meta = (config.metadata ?? {}) as Json
    if (meta.name !== name) return [400, statusBody(400, 'BadRequest', `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`)]
    if (apiVersionOf(resource) !== config.apiVersion || resource.kind !== config.kind) {
      return [400, statusBody(400, 'BadRequest', `Incorrect version specified in apply patch. Specified patch version: ${String(config.apiVersion)}, expected: ${apiVersionOf(resource)}`)]
    }
    if (meta.managedFields !== undefined) return [400, statusBody(400, 'BadRequest', 'metadata.managedFields must be nil')]
    if (resource.namespaced) meta.namespace = namespace ?? 'default'
    delete config.status
    const key = this.key(resource, namespace, name)
    const existing = this.store.get(key)
    const refused = this.checkNamespace(resource, namespace, name, !existing)
    if (refused) return refused
    if (existing && meta.resourceVersion !== undefined && meta.resourceVersion !== (existing.object.metadata as Json).resourceVersion) return [409, modifiedConflict(resource, name)]
    delete meta.resourceVersion
    const type = this.typeFor(resource)
    let configSet: FieldSet
    try {
      configSet = owned(fieldSet(config, type))
    } catch (error) {
      if (error instanceof TypedError) return [500, statusBody(500, '', `failed to create typed patch object (${namespace ?? ''}/${name}; ${gvkString(resource)}): ${error.message}`)]
      throw error
    }
    const live = existing ? structuredClone(existing.object) : {apiVersion: config.apiVersion, kind: config.kind, metadata: {name, ...(resource.namespaced ? {namespace: meta.namespace} : {})}}
    const liveSet = owned(fieldSet(live, type))
    const merged = merge(live, config, type) as Json
    const managers = (existing?.managers ?? []).map((m) => ({...m, set: new Map(m.set)}))
    const last = managers.find((m) => m.manager === manager && m.operation === 'Apply')
    const apiVersion = String(config.apiVersion)
    const applier: Manager = {manager, operation: 'Apply', apiVersion, time: last?.time ?? now(), set: configSet}
    const others = managers.filter((m) => m !== last)
    // Prune: what this manager applied last time and no applier (itself included) applies now.
    if (last) {
      const applied = new Set([...configSet.keys(), ...others.filter((m) => m.operation === 'Apply').flatMap((m) => [...m.set.keys()])])
      removePaths(merged, [...last.set.keys()].filter((p) => !applied.has(p)).map((p) => JSON.parse(p) as string[]), type)
    }
    const changes = compare(liveSet, owned(fieldSet(merged, type)))
    const conflicts: Array<{manager: Manager; path: string}> = []
    for (const other of others) {
      for (const path of other.set.keys()) if (changes.modified.has(path) || changes.added.has(path)) conflicts.push({manager: other, path})
    }
    if (conflicts.length > 0 && query.get('force') !== 'true') return [409, applyConflict(conflicts)]
    for (const {manager: other, path} of conflicts) other.set.delete(path)
    for (const other of others) for (const path of changes.removed) other.set.delete(path)
    // An existing entry keeps its place; a new applier comes last.
    const nextManagers = [...managers.map((m) => (m === last ? applier : m)), ...(last ? [] : [applier])].filter((m) => m.set.size > 0)
    const invalid = this.validate(resource, merged, existing?.object)
    if (invalid) return invalid
    if (query.get('dryRun') === 'All') return [existing ? 200 : 201, this.view({resource, object: merged, managers: nextManagers, appliedAt: Date.now()})]
    return this.commit(resource, key, existing, merged, nextManagers, applier, last)
  }

  /** An Update operation (PUT, merge patch): the manager takes every field it changes. */
  private update(resource: Resource, key: string, existing: Stored, next: Json, manager: string): Answer {
    const type = this.typeFor(resource)
    let nextSet: FieldSet
    try {
      nextSet = owned(fieldSet(next, type))
    } catch (error) {
      if (error instanceof TypedError) return [400, statusBody(400, 'BadRequest', `${error.message}`)]
      throw error
    }
    const changes = compare(owned(fieldSet(existing.object, type)), nextSet)
    const apiVersion = apiVersionOf(resource)
    const managers = existing.managers.map((m) => ({...m, set: new Map(m.set)}))
    let mine = managers.find((m) => m.manager === manager && m.operation === 'Update' && m.apiVersion === apiVersion)
    for (const other of managers) {
      if (other === mine) continue
      for (const path of [...other.set.keys()]) if (changes.modified.has(path) || changes.added.has(path) || changes.removed.has(path)) other.set.delete(path)
    }
    if (!mine) {
      mine = {manager, operation: 'Update', apiVersion, time: now(), set: new Map()}
      managers.push(mine)
    }
    for (const path of [...changes.modified, ...changes.added]) mine.set.set(path, nextSet.get(path))
    for (const path of changes.removed) mine.set.delete(path)
    const invalid = this.validate(resource, next, existing.object)
    if (invalid) return invalid
    return this.commit(resource, key, existing, next, managers.filter((m) => m.set.size > 0), mine, undefined)
  }

  private put(resource: Resource, namespace: string | undefined, name: string, body: unknown, query: URLSearchParams): Answer {
    const key = this.key(resource, namespace, name)
    const existing = this.store.get(key)
    if (!existing) return [404, notFound(resource, name)]
    const next = structuredClone(body) as Json
    const meta = (next.metadata ?? {}) as Json
    const current = existing.object.metadata as Json
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== current.resourceVersion) return [409, modifiedConflict(resource, name)]
    next.metadata = {...meta, name, ...(resource.namespaced ? {namespace} : {}), uid: current.uid, creationTimestamp: current.creationTimestamp, resourceVersion: current.resourceVersion}
    for (const f of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generation']) if (current[f] !== undefined) (next.metadata as Json)[f] = current[f]
    delete next.status
    delete (next.metadata as Json).managedFields
    if (existing.object.status !== undefined) next.status = existing.object.status
    return this.update(resource, key, existing, next, query.get('fieldManager') ?? 'unknown')
  }

  private mergePatch(resource: Resource, namespace: string | undefined, name: string, patch: unknown, query: URLSearchParams): Answer {
    const key = this.key(resource, namespace, name)
    const existing = this.store.get(key)
    if (!existing) return [404, notFound(resource, name)]
    const next = mergePatch(structuredClone(existing.object), patch) as Json
    Object.assign(next.metadata as Json, {name, uid: (existing.object.metadata as Json).uid, resourceVersion: (existing.object.metadata as Json).resourceVersion})
    return this.update(resource, key, existing, next, query.get('fieldManager') ?? 'unknown')
  }

  /** Stores the result of a write; a write that changes nothing keeps the resourceVersion. */
  private commit(resource: Resource, key: string, existing: Stored | undefined, object: Json, managers: Manager[], writer: Manager, previous: Manager | undefined): Answer {
    const same = existing && JSON.stringify(existing.object) === JSON.stringify(object) && sameManagers(existing.managers, managers)
    if (existing && same) return [200, this.view(existing)]
    const meta = object.metadata as Json
    const writerChanged = !previous || JSON.stringify([...previous.set]) !== JSON.stringify([...writer.set]) || previous.apiVersion !== writer.apiVersion
    if (!existing || JSON.stringify(existing.object) !== JSON.stringify(object) || writerChanged) writer.time = now()
    meta.uid ??= randomUUID()
    meta.creationTimestamp ??= now()
    meta.resourceVersion = String(++this.resourceVersion)
    const specChanged = !existing || JSON.stringify(existing.object.spec ?? null) !== JSON.stringify(object.spec ?? null)
    if (specChanged && hasGeneration(resource)) meta.generation = ((meta.generation as number | undefined) ?? 0) + 1
    if (!existing && resource.kind === 'Namespace') {
      object.spec = {finalizers: ['kubernetes'], ...((object.spec as Json | undefined) ?? {})}
      object.status = {phase: 'Active'}
    }
    const stored: Stored = existing ?? {resource, object, managers, appliedAt: Date.now()}
    stored.object = object
    stored.managers = managers
    if (specChanged) stored.appliedAt = Date.now()
    if (resource.kind === 'CustomResourceDefinition' && stored.establishedAt === undefined) stored.establishedAt = Date.now() + this.crdEstablishDelayMs
    this.keep(key, stored)
    // An object being deleted goes once its last finalizer is removed.
    if (meta.deletionTimestamp && ((meta.finalizers as unknown[] | undefined) ?? []).length === 0 && resource.kind !== 'Namespace') this.drop(key)
    return [existing ? 200 : 201, this.view(stored)]
  }

  private delete(resource: Resource, key: string, name: string, body: unknown): Answer {
    const stored = this.store.get(key)
    if (!stored) return [404, notFound(resource, name)]
    const meta = stored.object.metadata as Json
    const refused = deletePreconditionFailure(resource, name, meta, body)
    if (refused) return refused
    if (resource.kind === 'Namespace') {
      if (!meta.deletionTimestamp) {
        meta.deletionTimestamp = now()
        meta.resourceVersion = String(++this.resourceVersion)
        stored.object.status = {phase: 'Terminating'}
        stored.terminatingSince = Date.now()
        this.terminating.add(key)
      }
      return [200, this.view(stored)]
    }
    if (((meta.finalizers as unknown[] | undefined) ?? []).length > 0) {
      if (!meta.deletionTimestamp) {
        meta.deletionTimestamp = now()
        meta.deletionGracePeriodSeconds = 0
        meta.resourceVersion = String(++this.resourceVersion)
      }
      return [200, this.view(stored)]
    }
    this.drop(key)
    return [200, {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: {name, ...(resource.group ? {group: resource.group} : {}), kind: resource.plural, uid: meta.uid}}]
  }

  /** The namespace controller: a Terminating namespace's content is deleted, then the namespace once empty. */
  private reconcile(): void {
    const at = Date.now()
    for (const nsKey of this.terminating) {
      const ns = this.store.get(nsKey)
      if (!ns || ns.terminatingSince === undefined || at < ns.terminatingSince + this.namespaceDeletionDelayMs) continue
      const name = (ns.object.metadata as Json).name
      let remaining = 0
      for (const [key, s] of this.store) {
        const meta = s.object.metadata as Json
        if (!s.resource.namespaced || meta.namespace !== name) continue
        if (((meta.finalizers as unknown[] | undefined) ?? []).length > 0) {
          meta.deletionTimestamp ??= now()
          remaining++
        } else this.drop(key)
      }
      if (remaining === 0) this.drop(nsKey)
    }
  }

  private keep(key: string, stored: Stored): void {
    this.store.set(key, stored)
    if (stored.resource.kind === 'CustomResourceDefinition') this.crds.set(key, stored)
  }

  private drop(key: string): void {
    this.store.delete(key)
    this.crds.delete(key)
    this.terminating.delete(key)
  }

  /** 404 for a missing namespace, 403 for new content in a Terminating one. */
  private checkNamespace(resource: Resource, namespace: string | undefined, name: string, creating: boolean): Answer | undefined {
    if (!resource.namespaced) return undefined
    const ns = this.store.get(this.key(NAMESPACE, undefined, namespace ?? 'default'))
    if (!ns) return [404, statusBody(404, 'NotFound', `namespaces "${namespace}" not found`, {name: namespace, kind: 'namespaces'})]
    if (creating && (ns.object.metadata as Json).deletionTimestamp) {
      return [
        403,
        statusBody(403, 'Forbidden', `${qualified(resource)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, {
          name,
          ...(resource.group ? {group: resource.group} : {}),
          kind: resource.plural,
          causes: [{reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace'}],
        }),
      ]
    }
    return undefined
  }

  /** Validation the API server does after the merge that the apply engine meets: immutable roleRef, CRD names and approval. */
  private validate(resource: Resource, object: Json, previous: Json | undefined): Answer | undefined {
    const name = String((object.metadata as Json).name)
    if ((resource.kind === 'RoleBinding' || resource.kind === 'ClusterRoleBinding') && previous && JSON.stringify(previous.roleRef) !== JSON.stringify(object.roleRef)) {
      const ref = object.roleRef as {apiGroup?: string; kind?: string; name?: string}
      const value = `rbac.RoleRef{APIGroup:${JSON.stringify(ref.apiGroup ?? '')}, Kind:${JSON.stringify(ref.kind ?? '')}, Name:${JSON.stringify(ref.name ?? '')}}`
      return invalid(resource, name, [{reason: 'FieldValueInvalid', field: 'roleRef', message: `Invalid value: ${value}: cannot change roleRef`}])
    }
    if (resource.kind === 'CustomResourceDefinition') {
      const spec = (object.spec ?? {}) as {group?: string; names?: {plural?: string}}
      const causes: Array<{reason: string; field: string; message: string}> = []
      if (name !== `${spec.names?.plural}.${spec.group}`) causes.push({reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: must be spec.names.plural+"."+spec.group`})
      const group = spec.group ?? ''
      const annotation = ((object.metadata as Json).annotations as Record<string, string> | undefined)?.['api-approved.kubernetes.io']
      const before = ((previous?.metadata as Json | undefined)?.annotations as Record<string, string> | undefined)?.['api-approved.kubernetes.io']
      const protectedGroup = ['k8s.io', 'kubernetes.io'].some((g) => group === g || group.endsWith(`.${g}`))
      if (protectedGroup && !(previous && annotation === before)) {
        const see = 'see https://github.com/kubernetes/enhancements/pull/1111'
        if (!annotation) causes.push({reason: 'FieldValueRequired', field: 'metadata.annotations[api-approved.kubernetes.io]', message: `Required value: protected groups must have approval annotation "api-approved.kubernetes.io", ${see}`})
        else if (!/^https?:\/\//.test(annotation) && !annotation.startsWith('unapproved')) {
          causes.push({reason: 'FieldValueInvalid', field: 'metadata.annotations[api-approved.kubernetes.io]', message: `Invalid value: ${JSON.stringify(annotation)}: protected groups must have approval annotation "api-approved.kubernetes.io" with either a URL or a reason starting with "unapproved", ${see}`})
        }
      }
      if (causes.length > 0) return invalid(resource, name, causes)
    }
    return undefined
  }

  private typeFor(resource: Resource) {
    const builtin = this.schemas.builtin(resource.group, resource.version, resource.kind)
    if (builtin) return builtin
    const crd = [...this.crds.values()].find((s) => (s.object.spec as Json).group === resource.group && ((s.object.spec as Json).names as Json).kind === resource.kind)
    const version = ((crd?.object.spec as Json | undefined)?.versions as Array<{name: string; schema?: {openAPIV3Schema?: Json}}> | undefined)?.find((v) => v.name === resource.version)
    return this.schemas.custom(version?.schema?.openAPIV3Schema)
  }

  // ---------------------------------------------------------------- reads

  /** The object as the API returns it: managedFields from ownership, workload status from time. */
  private view(stored: Stored): Json {
    const object = structuredClone(stored.object)
    const meta = object.metadata as Json
    if (stored.managers.length > 0) {
      meta.managedFields = stored.managers.map((m) => ({manager: m.manager, operation: m.operation, apiVersion: m.apiVersion, time: m.time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(m.set.keys())}))
    }
    const kind = stored.resource.kind
    const generation = (meta.generation as number | undefined) ?? 1
    const ns = meta.namespace ? `${String(meta.namespace)}/` : ''
    const ready = !this.neverReady.has(`${ns}${String(meta.name)}`) && Date.now() - stored.appliedAt >= this.rolloutDelayMs
    if (kind === 'CustomResourceDefinition') {
      const established = stored.establishedAt !== undefined && Date.now() >= stored.establishedAt
      object.status = {conditions: [{type: 'NamesAccepted', status: 'True'}, {type: 'Established', status: established ? 'True' : 'False'}]}
    } else if (kind === 'Deployment' || kind === 'StatefulSet') {
      const replicas = ((object.spec as Json | undefined)?.replicas as number | undefined) ?? 1
      object.status = ready
        ? {observedGeneration: generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas}
        : {observedGeneration: generation, replicas, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0}
    } else if (kind === 'DaemonSet') {
      object.status = ready
        ? {observedGeneration: generation, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3, numberReady: 3, numberMisscheduled: 0}
        : {observedGeneration: generation, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 0, numberAvailable: 0, numberReady: 0, numberMisscheduled: 0}
    }
    return object
  }

  private list(resource: Resource, namespace: string | undefined, query: URLSearchParams): Answer {
    let matches: (labels: Record<string, string>) => boolean
    try {
      matches = parseSelector(query.get('labelSelector') ?? '')
    } catch (error) {
      return [400, statusBody(400, 'BadRequest', `unable to parse requirement: ${(error as Error).message}`)]
    }
    const all = [...this.store.values()]
      .filter((s) => s.resource === resource || (s.resource.group === resource.group && s.resource.kind === resource.kind))
      .filter((s) => !namespace || (s.object.metadata as Json).namespace === namespace)
      .filter((s) => matches(((s.object.metadata as Json).labels ?? {}) as Record<string, string>))
    const limit = Number(query.get('limit') ?? 0)
    const offset = Number(Buffer.from(query.get('continue') ?? '', 'base64').toString() || 0)
    const page = limit > 0 ? all.slice(offset, offset + limit) : all.slice(offset)
    const next = limit > 0 && offset + limit < all.length ? Buffer.from(String(offset + limit)).toString('base64') : undefined
    const custom = !BUILTIN.some((b) => b.group === resource.group && b.kind === resource.kind)
    const items = page.map((s) => {
      const v = this.view(s)
      // Typed lists leave out their items' apiVersion and kind; lists of custom resources keep them.
      if (!custom) {
        delete v.apiVersion
        delete v.kind
      }
      return v
    })
    return [200, {kind: `${resource.kind}List`, apiVersion: apiVersionOf(resource), metadata: {resourceVersion: String(this.resourceVersion), ...(next ? {continue: next} : {})}, items}]
  }

  // ---------------------------------------------------------------- discovery

  private served(): Resource[] {
    const at = Date.now()
    const custom: Resource[] = []
    for (const stored of this.crds.values()) {
      if (stored.establishedAt === undefined || at < stored.establishedAt) continue
      const spec = stored.object.spec as {group: string; names: {kind: string; plural: string; shortNames?: string[]}; scope: string; versions: Array<{name: string; served: boolean}>}
      for (const v of spec.versions) {
        if (v.served) custom.push({group: spec.group, version: v.name, kind: spec.names.kind, plural: spec.names.plural, namespaced: spec.scope === 'Namespaced', ...(spec.names.shortNames ? {shortNames: spec.names.shortNames} : {})})
      }
    }
    return [...BUILTIN, ...custom]
  }

  private resourceFor(apiVersion: string, kind: string): Resource | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion]
    return this.served().find((r) => r.group === group && r.version === version && r.kind === kind)
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
  private openApi(path: string): Answer {
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

// ---------------------------------------------------------------- helpers

function apiVersionOf(r: Pick<Resource, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version
}

function gvkString(r: Resource): string {
  return `${r.group}/${r.version}, Kind=${r.kind}`
}

/** `configmaps`, `deployments.apps`: how the API names a resource in messages. */
function qualified(r: Resource): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function hasGeneration(r: Resource): boolean {
  return !['ConfigMap', 'Secret', 'Namespace', 'ServiceAccount', 'Service'].includes(r.kind)
}

function statusBody(code: number, reason: string, message: string, details?: Json): Json {
  return {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, ...(reason ? {reason} : {}), ...(details ? {details} : {}), code}
}

function notFound(resource: Resource, name: string): Json {
  return statusBody(404, 'NotFound', `${qualified(resource)} "${name}" not found`, {name, ...(resource.group ? {group: resource.group} : {}), kind: resource.plural})
}

/**
 * DELETE preconditions (uid, resourceVersion) that the object no longer meets: 409 Conflict as
 * kube-apiserver words it. Namespaces are checked by their own REST Delete (registry/core/namespace:
 * `Precondition failed: …`, naming the resource); every other kind by rest.BeforeDelete, whose
 * Conflict names the kind.
 */
function deletePreconditionFailure(resource: Resource, name: string, meta: Json, body: unknown): Answer | undefined {
  const {uid, resourceVersion} = ((body as Json | undefined)?.preconditions ?? {}) as {uid?: string; resourceVersion?: string}
  const namespace = resource.kind === 'Namespace'
  const refused = (why: string): Answer => {
    const kind = namespace ? resource.plural : resource.kind
    return [409, statusBody(409, 'Conflict', `Operation cannot be fulfilled on ${kind} "${name}": ${why}`, {name, ...(resource.group ? {group: resource.group} : {}), kind})]
  }
  if (uid !== undefined && uid !== meta.uid) {
    return refused(
      namespace
        ? `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${String(meta.uid)}`
        : `the UID in the precondition (${uid}) does not match the UID in record (${String(meta.uid)}). The object might have been deleted and then recreated`,
    )
  }
  if (resourceVersion !== undefined && resourceVersion !== meta.resourceVersion) {
    return refused(
      namespace
        ? `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${String(meta.resourceVersion)}`
        : `the ResourceVersion in the precondition (${resourceVersion}) does not match the ResourceVersion in record (${String(meta.resourceVersion)}). The object might have been modified`,
    )
  }
  return undefined
}

function modifiedConflict(resource: Resource, name: string): Json {
  return statusBody(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, {
    name,
    ...(resource.group ? {group: resource.group} : {}),
    kind: resource.plural,
  })
}

function invalid(resource: Resource, name: string, causes: Array<{reason: string; field: string; message: string}>): Answer {
  const qualifiedKind = `${resource.kind}${resource.group ? `.${resource.group}` : ''}`
  const text = causes.length === 1 ? `${causes[0]!.field}: ${causes[0]!.message}` : `[${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}]`
  return [422, statusBody(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${text}`, {name, ...(resource.group ? {group: resource.group} : {}), kind: resource.kind, causes})]
}

/** The apiserver's 409 for field-ownership conflicts (managedfields/internal/conflict.go). */
function applyConflict(conflicts: Array<{manager: Manager; path: string}>): Json {
  const label = (m: Manager) => (m.operation === 'Update' ? `"${m.manager}" using ${m.apiVersion} at ${m.time}` : `"${m.manager}"`)
  const field = (p: string) => humanPath(JSON.parse(p) as string[])
  let message: string
  if (conflicts.length === 1) message = `Apply failed with 1 conflict: conflict with ${label(conflicts[0]!.manager)}: ${field(conflicts[0]!.path)}`
  else {
    const byManager = new Map<string, string[]>()
    for (const c of conflicts) byManager.set(label(c.manager), [...(byManager.get(label(c.manager)) ?? []), field(c.path)])
    const lines = [...byManager.keys()].sort().flatMap((m) => [`conflicts with ${m}:`, ...byManager.get(m)!.map((f) => `- ${f}`)])
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`
  }
  return statusBody(409, 'Conflict', message, {causes: conflicts.map((c) => ({reason: 'FieldManagerConflict', message: `conflict with ${label(c.manager)}`, field: field(c.path)}))})
}

/** The field set a manager can own: without identity, status and other fields the field manager strips. */
function owned(set: FieldSet): FieldSet {
  for (const path of [...set.keys()]) {
    const p = JSON.parse(path) as string[]
    if (IGNORED.some((prefix) => prefix.every((pe, i) => p[i] === pe)) || (p.length === 1 && p[0] === 'f:metadata')) set.delete(path)
  }
  return set
}

function sameManagers(a: Manager[], b: Manager[]): boolean {
  const key = (ms: Manager[]) => JSON.stringify(ms.map((m) => [m.manager, m.operation, m.apiVersion, [...m.set.keys()].sort()]))
  return key(a) === key(b)
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch)
  const out: Json = target !== null && typeof target === 'object' && !Array.isArray(target) ? {...(target as Json)} : {}
  for (const [k, v] of Object.entries(patch as Json)) {
    if (v === null) delete out[k]
    else out[k] = mergePatch(out[k], v)
  }
  return out
}

/** Label selectors: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`. */
function parseSelector(selector: string): (labels: Record<string, string>) => boolean {
  const terms: Array<(l: Record<string, string>) => boolean> = []
  const parts = selector.match(/[^,(]+(\([^)]*\))?/g) ?? []
  for (const raw of parts) {
    const term = raw.trim()
    if (!term) continue
    let m: RegExpMatchArray | null
    if ((m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term))) {
      const [, k, op, list] = m
      const values = list!.split(',').map((v) => v.trim())
      terms.push(op === 'in' ? (l) => values.includes(l[k!] ?? '\u0000') : (l) => !values.includes(l[k!] ?? '\u0000'))
    } else if ((m = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s]*)$/.exec(term))) {
      const [, k, op, v] = m
      terms.push(op === '!=' ? (l) => l[k!] !== v : (l) => l[k!] === v)
    } else if ((m = /^!([^\s]+)$/.exec(term))) {
      const k = m[1]!
      terms.push((l) => !(k in l))
    } else if (/^[^\s!=()]+$/.test(term)) terms.push((l) => term in l)
    else throw new Error(`invalid label selector term ${JSON.stringify(term)}`)
  }
  return (labels) => terms.every((t) => t(labels))
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
