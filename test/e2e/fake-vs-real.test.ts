import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {FakeKubeApi} from '../helpers/fake-kube-api.js'
import {KubeHttp, type RawResponse} from '../helpers/kube-http.js'
import {e2eKubeconfig, uniquePrefix} from './support.js'

/**
 * The fake Kubernetes API (test/helpers/fake-kube-api.ts) must answer as a real API server does
 * wherever kopsmith relies on the answer. Each scenario below runs, request for request, against the
 * real kube-apiserver of this run (v1.20.2) and against the fake, and the two observations must be
 * equal; each test also pins what the real server said, so agreement on a wrong answer cannot pass.
 * Observations keep status codes, reasons, messages, causes, owned fields and the values kopsmith
 * reads; they drop what differs by nature (uids, timestamps, resourceVersion numbers).
 */

type Json = Record<string, unknown>

let real: KubeHttp
let fake: KubeHttp
let api: FakeKubeApi

beforeAll(async () => {
  real = new KubeHttp(e2eKubeconfig())
  api = await new FakeKubeApi().start()
  fake = new KubeHttp(api.writeKubeconfig())
})

afterAll(async () => {
  real?.close()
  fake?.close()
  await api?.stop()
})

/** Runs `scenario` against both servers, each in namespaces of its own, and cleans up. */
async function onBoth<T>(topic: string, scenario: (http: KubeHttp, prefix: string) => Promise<T>): Promise<{real: T; fake: T}> {
  const run = async (http: KubeHttp) => {
    const prefix = uniquePrefix(topic)
    try {
      return await scenario(http, prefix)
    } finally {
      await cleanup(http, prefix)
    }
  }
  const [r, f] = await Promise.all([run(real), run(fake)])
  return {real: r, fake: f}
}

async function cleanup(http: KubeHttp, prefix: string): Promise<void> {
  for (const path of ['/api/v1/namespaces', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', '/apis/rbac.authorization.k8s.io/v1/clusterroles']) {
    const list = await http.get(path)
    for (const item of (list.body.items as Json[] | undefined) ?? []) {
      const name = String((item.metadata as Json).name)
      if (name.startsWith(prefix)) await http.delete(`${path}/${name}`)
    }
  }
}

/** What an error answer says: code, reason, message, details (uids and times dropped). */
function answer(res: RawResponse): Json {
  if (res.status < 300) return {status: res.status}
  const details = {...((res.body.details as Json | undefined) ?? {})}
  delete details.uid
  return {status: res.status, reason: res.body.reason, message: normalize(String(res.body.message ?? '')), ...(Object.keys(details).length > 0 ? {details: normalizeDeep(details)} : {})}
}

/**
 * Wording that differs between Kubernetes versions and that kopsmith does not read: 1.35 names the
 * object in a typed-patch error and adds the time to an Update manager (`"kubectl-edit" using v1 at
 * 2026-…Z`), 1.20 does neither.
 */
function normalize(message: string): string {
  return message
    .replace(/^failed to create typed patch object \([^)]*\): /, 'failed to create typed patch object: ')
    .replace(/^failed to create typed patch object: errors:\n\s+/, 'failed to create typed patch object: ')
    .replace(/ at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, '')
}

function normalizeDeep(value: unknown): unknown {
  if (typeof value === 'string') return normalize(value)
  if (Array.isArray(value)) return value.map(normalizeDeep)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeDeep(v)]))
  return value
}

/** Who owns what, in the API's own FieldsV1 form. */
function managed(res: RawResponse): Array<{manager: string; operation: string; apiVersion: string; fieldsV1: unknown}> {
  const fields = ((res.body.metadata as Json | undefined)?.managedFields as Json[] | undefined) ?? []
  return fields
    .filter((m) => m.manager !== 'kube-controller-manager' && m.manager !== 'before-first-apply')
    .map((m) => ({manager: String(m.manager), operation: String(m.operation), apiVersion: String(m.apiVersion), fieldsV1: m.fieldsV1}))
    .sort((a, b) => a.manager.localeCompare(b.manager))
}

const cm = (ns: string, name: string, data: Json, extra: Json = {}) => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name, namespace: ns, ...extra}, data})
const cmPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`
const nsPath = (ns: string) => `/api/v1/namespaces/${ns}`

async function namespace(http: KubeHttp, name: string, labels: Record<string, string> = {team: 'a'}): Promise<RawResponse> {
  return http.apply(nsPath(name), {apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels}}, 'kopsmith')
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

describe('the fake Kubernetes API answers as a real API server (v1.20.2) does', () => {
  it('server-side apply: 201 on create, 200 on re-apply, an unchanged re-apply writes nothing, managedFields per manager', async () => {
    const seen = await onBoth('ssa', async (http, p) => {
      await namespace(http, p)
      const created = await http.apply(cmPath(p, 'settings'), cm(p, 'settings', {mode: 'fast', level: '3'}, {labels: {app: 'x'}}), 'kopsmith')
      const again = await http.apply(cmPath(p, 'settings'), cm(p, 'settings', {mode: 'fast', level: '3'}, {labels: {app: 'x'}}), 'kopsmith')
      const rv = (r: RawResponse) => (r.body.metadata as Json).resourceVersion
      return {created: answer(created), again: answer(again), unchangedWritesNothing: rv(created) === rv(again), managed: managed(again), data: again.body.data}
    })
    expect(seen.real).toMatchObject({created: {status: 201}, again: {status: 200}, unchangedWritesNothing: true, data: {mode: 'fast', level: '3'}})
    expect(seen.real.managed).toEqual([{manager: 'kopsmith', operation: 'Apply', apiVersion: 'v1', fieldsV1: {'f:data': {'f:level': {}, 'f:mode': {}}, 'f:metadata': {'f:labels': {'f:app': {}}}}}])
    expect(seen.fake).toEqual(seen.real)
  })

  it('a field another manager owns: 409 Conflict naming manager and field (one and several), equal values are shared, --force-conflicts moves the field', async () => {
    const seen = await onBoth('conflict', async (http, p) => {
      await namespace(http, p)
      await http.apply(cmPath(p, 'c'), cm(p, 'c', {mode: 'slow', size: 'm'}), 'helm')
      const one = await http.apply(cmPath(p, 'c'), cm(p, 'c', {mode: 'fast'}), 'kopsmith')
      const two = await http.apply(cmPath(p, 'c'), cm(p, 'c', {mode: 'fast', size: 'l'}), 'kopsmith')
      const shared = await http.apply(cmPath(p, 'c'), cm(p, 'c', {mode: 'slow'}), 'kopsmith')
      const forced = await http.apply(cmPath(p, 'c'), cm(p, 'c', {mode: 'fast'}), 'kopsmith', {force: 'true'})
      return {one: answer(one), two: answer(two), shared: {...answer(shared), managed: managed(shared)}, forced: {...answer(forced), managed: managed(forced), data: forced.body.data}}
    })
    expect(seen.real.one).toEqual({
      status: 409,
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "helm": .data.mode',
      details: {causes: [{reason: 'FieldManagerConflict', message: 'conflict with "helm"', field: '.data.mode'}]},
    })
    expect(seen.real.two).toMatchObject({status: 409, message: 'Apply failed with 2 conflicts: conflicts with "helm":\n- .data.mode\n- .data.size'})
    expect(seen.real.shared.managed.map((m) => [m.manager, m.fieldsV1])).toEqual([
      ['helm', {'f:data': {'f:mode': {}, 'f:size': {}}}],
      ['kopsmith', {'f:data': {'f:mode': {}}}],
    ])
    expect(seen.real.forced).toMatchObject({status: 200, data: {mode: 'fast', size: 'm'}})
    expect(seen.real.forced.managed.map((m) => [m.manager, m.fieldsV1])).toEqual([
      ['helm', {'f:data': {'f:size': {}}}],
      ['kopsmith', {'f:data': {'f:mode': {}}}],
    ])
    expect(seen.fake).toEqual(seen.real)
  })

  it('a field dropped from the applied configuration is removed, unless another applier still owns it', async () => {
    const seen = await onBoth('prune-fields', async (http, p) => {
      await namespace(http, p)
      await http.apply(cmPath(p, 'c'), cm(p, 'c', {a: '1', b: '2', c: '3'}, {labels: {x: '1', y: '2'}}), 'kopsmith')
      await http.apply(cmPath(p, 'c'), cm(p, 'c', {b: '2'}), 'helm')
      const dropped = await http.apply(cmPath(p, 'c'), cm(p, 'c', {a: '1'}, {labels: {x: '1'}}), 'kopsmith')
      const emptied = await http.apply(cmPath(p, 'c'), {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c', namespace: p}}, 'kopsmith')
      return {
        dropped: {data: dropped.body.data, labels: (dropped.body.metadata as Json).labels, managed: managed(dropped)},
        emptied: {data: emptied.body.data, labels: (emptied.body.metadata as Json).labels ?? null, managed: managed(emptied)},
      }
    })
    expect(seen.real.dropped).toMatchObject({data: {a: '1', b: '2'}, labels: {x: '1'}})
    expect(seen.real.emptied).toMatchObject({data: {b: '2'}, labels: null})
    expect(seen.real.emptied.managed.map((m) => m.manager)).toEqual(['helm'])
    expect(seen.fake).toEqual(seen.real)
  })

  it('list merge keys: containers by name, ports by containerPort+protocol, env by name, co-owned by two managers; conflicts name the item', async () => {
    const deployment = (p: string, containers: Json[], extra: Json = {}) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {name: 'web', namespace: p},
      spec: {...extra, template: {...(extra.template as Json | undefined), spec: {containers}}},
    })
    const base = {replicas: 1, selector: {matchLabels: {app: 'web'}}, template: {metadata: {labels: {app: 'web'}}}}
    const path = (p: string) => `/apis/apps/v1/namespaces/${p}/deployments/web`
    const containers = (r: RawResponse) =>
      ((((r.body.spec as Json).template as Json).spec as Json).containers as Json[]).map((c) => ({
        name: c.name,
        image: c.image,
        ports: ((c.ports as Json[] | undefined) ?? []).map((x) => ({name: x.name, containerPort: x.containerPort, protocol: x.protocol})),
        env: c.env ?? [],
      }))
    const seen = await onBoth('listmap', async (http, p) => {
      await namespace(http, p)
      await http.apply(path(p), deployment(p, [{name: 'web', image: 'nginx:1', ports: [{name: 'http', containerPort: 80}], env: [{name: 'A', value: '1'}]}], base), 'kopsmith')
      const both = await http.apply(
        path(p),
        deployment(p, [{name: 'web', env: [{name: 'B', value: '2'}], ports: [{name: 'metrics', containerPort: 9090, protocol: 'TCP'}]}, {name: 'sidecar', image: 'busybox:1'}]),
        'mesh',
      )
      const conflict = await http.apply(path(p), deployment(p, [{name: 'web', image: 'nginx:2'}]), 'mesh')
      const envDropped = await http.apply(path(p), deployment(p, [{name: 'web', image: 'nginx:1', ports: [{name: 'http', containerPort: 80}]}], base), 'kopsmith')
      return {both: {containers: containers(both), managed: managed(both)}, conflict: answer(conflict), envDropped: {containers: containers(envDropped), managed: managed(envDropped)}}
    })
    expect(seen.real.both.containers).toEqual([
      {
        name: 'web',
        image: 'nginx:1',
        ports: [
          {name: 'http', containerPort: 80, protocol: 'TCP'},
          {name: 'metrics', containerPort: 9090, protocol: 'TCP'},
        ],
        env: [
          {name: 'A', value: '1'},
          {name: 'B', value: '2'},
        ],
      },
      {name: 'sidecar', image: 'busybox:1', ports: [], env: []},
    ])
    const kopsmith = seen.real.both.managed.find((m) => m.manager === 'kopsmith')!.fieldsV1 as Json
    expect(JSON.stringify(kopsmith)).toContain('"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}"')
    expect(seen.real.conflict).toEqual({
      status: 409,
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "kopsmith": .spec.template.spec.containers[name="web"].image',
      details: {causes: [{reason: 'FieldManagerConflict', message: 'conflict with "kopsmith"', field: '.spec.template.spec.containers[name="web"].image'}]},
    })
    expect(seen.real.envDropped.containers[0]).toMatchObject({env: [{name: 'B', value: '2'}]})
    expect(seen.fake).toEqual(seen.real)
  })

  it('409 for a stale resourceVersion is not a field conflict: no causes, "the object has been modified"', async () => {
    const seen = await onBoth('rv', async (http, p) => {
      await namespace(http, p)
      await http.apply(cmPath(p, 'c'), cm(p, 'c', {a: '1'}), 'kopsmith')
      const stale = await http.apply(cmPath(p, 'c'), cm(p, 'c', {a: '2'}, {resourceVersion: '1'}), 'kopsmith')
      const put = await http.put(cmPath(p, 'c'), cm(p, 'c', {a: '3'}, {resourceVersion: '1'}))
      return {stale: answer(stale), put: answer(put)}
    })
    expect(seen.real.stale).toEqual({
      status: 409,
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again',
      details: {name: 'c', kind: 'configmaps'},
    })
    expect(seen.real.put).toEqual(seen.real.stale)
    expect(seen.fake).toEqual(seen.real)
  })

  it('422 Invalid for an immutable field: a RoleBinding\'s roleRef cannot change', async () => {
    const seen = await onBoth('roleref', async (http, p) => {
      await namespace(http, p)
      const rb = (role: string) => ({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: {name: 'team', namespace: p},
        roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role},
        subjects: [{kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io'}],
      })
      const path = `/apis/rbac.authorization.k8s.io/v1/namespaces/${p}/rolebindings/team`
      const created = await http.apply(path, rb('edit'), 'kopsmith')
      const changed = await http.apply(path, rb('view'), 'kopsmith')
      return {created: answer(created), changed: answer(changed)}
    })
    expect(seen.real.changed).toEqual({
      status: 422,
      reason: 'Invalid',
      message: 'RoleBinding.rbac.authorization.k8s.io "team" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"}: cannot change roleRef',
      details: {
        name: 'team',
        group: 'rbac.authorization.k8s.io',
        kind: 'RoleBinding',
        causes: [{reason: 'FieldValueInvalid', message: 'Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"}: cannot change roleRef', field: 'roleRef'}],
      },
    })
    expect(seen.fake).toEqual(seen.real)
  })

  it('refuses fields the schema does not declare and values of the wrong type (500 from the typed patch), and objects in a missing namespace (404)', async () => {
    const seen = await onBoth('typed', async (http, p) => {
      await namespace(http, p)
      const unknown = await http.apply(cmPath(p, 'c'), {...cm(p, 'c', {a: '1'}), bogus: 1}, 'kopsmith')
      const wrongType = await http.apply(cmPath(p, 'c'), cm(p, 'c', {a: 5}), 'kopsmith')
      const nowhere = await http.apply(cmPath(`${p}-nowhere`, 'c'), cm(`${p}-nowhere`, 'c', {a: '1'}), 'kopsmith')
      return {unknown: answer(unknown), wrongType: answer(wrongType), nowhere: answer(nowhere)}
    })
    expect(seen.real.unknown).toEqual({status: 500, message: 'failed to create typed patch object: .bogus: field not declared in schema'})
    expect(seen.real.wrongType).toEqual({status: 500, message: 'failed to create typed patch object: .data.a: expected string, got &value.valueUnstructured{Value:5}'})
    expect(seen.real.nowhere).toMatchObject({status: 404, reason: 'NotFound', details: {kind: 'namespaces'}})
    const same = (o: unknown) => JSON.parse(JSON.stringify(o).replace(/e2e-typed-\w+/g, 'P')) as unknown
    expect(same(seen.fake)).toEqual(same(seen.real))
  })

  it('a Terminating namespace refuses new objects (403 NamespaceTerminating), accepts changes to existing ones, and goes once its finalizers are done', async () => {
    const seen = await onBoth('terminating', async (http, p) => {
      await namespace(http, p)
      await http.apply(cmPath(p, 'hold'), cm(p, 'hold', {a: '1'}, {finalizers: ['kopsmith.dev/e2e-hold']}), 'e2e')
      const deleted = await http.delete(nsPath(p))
      const created = await http.apply(cmPath(p, 'new'), cm(p, 'new', {a: '1'}), 'kopsmith')
      const relabelled = await namespace(http, p, {team: 'b'})
      const release = await http.mergePatch(cmPath(p, 'hold'), {metadata: {finalizers: null}})
      await until(`namespace ${p} to go`, async () => (await http.get(nsPath(p))).status === 404)
      return {
        deleted: {...answer(deleted), phase: (deleted.body.status as Json).phase, deleting: Boolean((deleted.body.metadata as Json).deletionTimestamp)},
        created: answer(created),
        relabelled: {...answer(relabelled), phase: (relabelled.body.status as Json).phase, labels: (relabelled.body.metadata as Json).labels},
        release: answer(release),
        gone: true,
      }
    })
    expect(seen.real.deleted).toEqual({status: 200, phase: 'Terminating', deleting: true})
    expect(seen.real.created).toMatchObject({
      status: 403,
      reason: 'Forbidden',
      details: {name: 'new', kind: 'configmaps', causes: [{reason: 'NamespaceTerminating', field: 'metadata.namespace'}]},
    })
    expect(String(seen.real.created.message)).toMatch(/^configmaps "new" is forbidden: unable to create new content in namespace e2e-terminating-\w+ because it is being terminated$/)
    expect(seen.real.relabelled).toMatchObject({status: 200, phase: 'Terminating', labels: {team: 'b'}})
    // The namespace name differs per server: compare with it replaced.
    const same = (o: unknown) => JSON.parse(JSON.stringify(o).replace(/e2e-terminating-\w+/g, 'NS')) as unknown
    expect(same(seen.fake)).toEqual(same(seen.real))
  })

  it('CRDs: a *.k8s.io group needs the approval annotation (422), an approved CRD becomes Established and serves its kind; lists of custom resources keep apiVersion/kind', async () => {
    const seen = await onBoth('crd', async (http, p) => {
      const group = `${p}.k8s.io`
      const crd = (annotations: Json) => ({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: {name: `widgets.${group}`, annotations},
        spec: {
          group,
          names: {kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList'},
          scope: 'Namespaced',
          versions: [{name: 'v1', served: true, storage: true, schema: {openAPIV3Schema: {type: 'object', properties: {spec: {type: 'object', properties: {size: {type: 'integer'}}}}}}}],
        },
      })
      const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`
      const missing = await http.apply(path, crd({}), 'kopsmith')
      const bad = await http.apply(path, crd({'api-approved.kubernetes.io': 'bad value'}), 'kopsmith')
      const approved = await http.apply(path, crd({'api-approved.kubernetes.io': 'https://github.com/kubernetes/enhancements/pull/1111'}), 'kopsmith')
      await until('the CRD to be Established', async () => {
        const conditions = (((await http.get(path)).body.status as Json | undefined)?.conditions as Json[] | undefined) ?? []
        return conditions.some((c) => c.type === 'Established' && c.status === 'True')
      })
      await until('its kind to be served', async () => (await http.get(`/apis/${group}/v1`)).status === 200)
      await namespace(http, p)
      const widget = await http.apply(`/apis/${group}/v1/namespaces/${p}/widgets/w1`, {apiVersion: `${group}/v1`, kind: 'Widget', metadata: {name: 'w1', namespace: p}, spec: {size: 3}}, 'kopsmith')
      const list = await http.get(`/apis/${group}/v1/namespaces/${p}/widgets`)
      const item = (list.body.items as Json[])[0]!
      return {missing: answer(missing), bad: answer(bad), approved: answer(approved), widget: {...answer(widget), spec: widget.body.spec}, listItem: {apiVersion: item.apiVersion, kind: item.kind}}
    })
    const same = (o: unknown) => JSON.parse(JSON.stringify(o).replace(/e2e-crd-\w+/g, 'P')) as unknown
    expect(same(seen.real.missing)).toEqual({
      status: 422,
      reason: 'Invalid',
      message:
        'CustomResourceDefinition.apiextensions.k8s.io "widgets.P.k8s.io" is invalid: metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
      details: {
        name: 'widgets.P.k8s.io',
        group: 'apiextensions.k8s.io',
        kind: 'CustomResourceDefinition',
        causes: [
          {
            reason: 'FieldValueRequired',
            message: 'Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
            field: 'metadata.annotations[api-approved.kubernetes.io]',
          },
        ],
      },
    })
    expect(seen.real.bad).toMatchObject({status: 422, reason: 'Invalid'})
    expect(seen.real).toMatchObject({approved: {status: 201}, widget: {status: 201, spec: {size: 3}}, listItem: {kind: 'Widget'}})
    expect(same(seen.fake)).toEqual(same(seen.real))
  })

  it('DELETE: Status Success, 404 when absent, an object with finalizers stays (deletionTimestamp) until they are removed', async () => {
    const seen = await onBoth('delete', async (http, p) => {
      await namespace(http, p)
      await http.apply(cmPath(p, 'plain'), cm(p, 'plain', {a: '1'}), 'kopsmith')
      await http.apply(cmPath(p, 'held'), cm(p, 'held', {a: '1'}, {finalizers: ['kopsmith.dev/e2e-hold']}), 'e2e')
      const plain = await http.delete(cmPath(p, 'plain'))
      const again = await http.delete(cmPath(p, 'plain'))
      const held = await http.delete(cmPath(p, 'held'))
      const stillThere = await http.get(cmPath(p, 'held'))
      await http.mergePatch(cmPath(p, 'held'), {metadata: {finalizers: null}})
      const afterRelease = await http.get(cmPath(p, 'held'))
      return {
        plain: {status: plain.status, kind: plain.body.kind, outcome: plain.body.status, details: {...(plain.body.details as Json), uid: typeof (plain.body.details as Json).uid}},
        again: answer(again),
        held: {status: held.status, kind: held.body.kind, deleting: Boolean((held.body.metadata as Json).deletionTimestamp)},
        stillThere: stillThere.status,
        afterRelease: afterRelease.status,
      }
    })
    expect(seen.real).toEqual({
      plain: {status: 200, kind: 'Status', outcome: 'Success', details: {name: 'plain', kind: 'configmaps', uid: 'string'}},
      again: {status: 404, reason: 'NotFound', message: 'configmaps "plain" not found', details: {name: 'plain', kind: 'configmaps'}},
      held: {status: 200, kind: 'ConfigMap', deleting: true},
      stillThere: 200,
      afterRelease: 404,
    })
    expect(seen.fake).toEqual(seen.real)
  })

  it('DELETE with preconditions: a stale resourceVersion or another uid is 409 Conflict and deletes nothing; the current ones delete', async () => {
    const seen = await onBoth('delete-pre', async (http, p) => {
      await namespace(http, p)
      const first = await http.apply(cmPath(p, 'x'), cm(p, 'x', {a: '1'}), 'kopsmith')
      const {uid, resourceVersion: readAt} = first.body.metadata as {uid: string; resourceVersion: string}
      const changed = await http.apply(cmPath(p, 'x'), cm(p, 'x', {a: '2'}), 'kopsmith')
      const now = String((changed.body.metadata as Json).resourceVersion)
      const stale = await http.delete(cmPath(p, 'x'), 'Background', {uid, resourceVersion: readAt})
      const otherUid = await http.delete(cmPath(p, 'x'), 'Background', {uid: '00000000-0000-0000-0000-000000000000'})
      const stillThere = (await http.get(cmPath(p, 'x'))).status
      const current = await http.delete(cmPath(p, 'x'), 'Background', {uid, resourceVersion: now})
      // A namespace is deleted by its own REST code, which words the refusal differently.
      const ns = (await http.get(nsPath(p))).body.metadata as {uid: string; resourceVersion: string}
      const nsStale = await http.delete(nsPath(p), 'Background', {resourceVersion: '1'})
      const nsOtherUid = await http.delete(nsPath(p), 'Background', {uid: '00000000-0000-0000-0000-000000000000'})
      // Numbers and uids differ between the two servers by nature; where they stand in the message does not.
      const words = (res: RawResponse) =>
        JSON.parse(
          JSON.stringify({
            ...answer(res),
            message: String(res.body.message).replaceAll(readAt, 'READ').replaceAll(now, 'NOW').replaceAll(uid, 'UID').replaceAll(ns.uid, 'NS-UID').replace(`object meta: ${ns.resourceVersion}`, 'object meta: NS-NOW'),
          }).replaceAll(p, 'P'),
        ) as Json
      return {stale: words(stale), otherUid: words(otherUid), stillThere, current: current.status, nsStale: words(nsStale), nsOtherUid: words(nsOtherUid)}
    })
    expect(seen.real).toEqual({
      stale: {
        status: 409,
        reason: 'Conflict',
        message: 'Operation cannot be fulfilled on ConfigMap "x": the ResourceVersion in the precondition (READ) does not match the ResourceVersion in record (NOW). The object might have been modified',
        details: {name: 'x', kind: 'ConfigMap'},
      },
      otherUid: {
        status: 409,
        reason: 'Conflict',
        message: 'Operation cannot be fulfilled on ConfigMap "x": the UID in the precondition (00000000-0000-0000-0000-000000000000) does not match the UID in record (UID). The object might have been deleted and then recreated',
        details: {name: 'x', kind: 'ConfigMap'},
      },
      stillThere: 200,
      current: 200,
      nsStale: {
        status: 409,
        reason: 'Conflict',
        message: `Operation cannot be fulfilled on namespaces "P": Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: NS-NOW`,
        details: {name: 'P', kind: 'namespaces'},
      },
      nsOtherUid: {
        status: 409,
        reason: 'Conflict',
        message: `Operation cannot be fulfilled on namespaces "P": Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000, UID in object meta: NS-UID`,
        details: {name: 'P', kind: 'namespaces'},
      },
    })
    expect(seen.fake).toEqual(seen.real)
  })

  it('LIST: label selectors (=, in, notin, !key), pages with limit/continue, items of built-in kinds without apiVersion/kind', async () => {
    const seen = await onBoth('list', async (http, p) => {
      await namespace(http, p)
      for (const [name, tier] of [['a', 'web'], ['b', 'db'], ['c', 'web'], ['d', 'cache']]) await http.apply(cmPath(p, name!), cm(p, name!, {}, {labels: {tier: tier!, set: p}}), 'kopsmith')
      await http.apply(cmPath(p, 'e'), cm(p, 'e', {}, {labels: {set: p}}), 'kopsmith')
      const names = async (selector: string) =>
        (((await http.get(`/api/v1/namespaces/${p}/configmaps?${new URLSearchParams({labelSelector: selector})}`)).body.items as Json[]) ?? []).map((i) => (i.metadata as Json).name).sort()
      const first = await http.get(`/api/v1/namespaces/${p}/configmaps?${new URLSearchParams({labelSelector: `set=${p}`, limit: '2'})}`)
      const cont = String((first.body.metadata as Json).continue ?? '')
      const second = await http.get(`/api/v1/namespaces/${p}/configmaps?${new URLSearchParams({labelSelector: `set=${p}`, limit: '2', continue: cont})}`)
      const item = (first.body.items as Json[])[0]!
      return {
        equals: await names('tier=web'),
        inSet: await names('tier in (web,db)'),
        notIn: await names(`set=${p},tier notin (web)`),
        missing: await names(`set=${p},!tier`),
        firstPage: (first.body.items as Json[]).length,
        hasContinue: cont.length > 0,
        secondPage: (second.body.items as Json[]).length,
        itemTypeMeta: {apiVersion: item.apiVersion ?? null, kind: item.kind ?? null},
        listKind: first.body.kind,
      }
    })
    expect(seen.real).toEqual({
      equals: ['a', 'c'],
      inSet: ['a', 'b', 'c'],
      notIn: ['b', 'd', 'e'],
      missing: ['e'],
      firstPage: 2,
      hasContinue: true,
      secondPage: 2,
      itemTypeMeta: {apiVersion: null, kind: null},
      listKind: 'ConfigMapList',
    })
    expect(seen.fake).toEqual(seen.real)
  })

  it('Update operations (merge patch, as kubectl edit) take the fields they change; re-applying the old value then conflicts with the editor', async () => {
    const seen = await onBoth('update', async (http, p) => {
      await namespace(http, p)
      await http.apply(cmPath(p, 'c'), cm(p, 'c', {mode: 'slow', size: 'm'}), 'kopsmith')
      const edited = await http.mergePatch(cmPath(p, 'c'), {data: {mode: 'fast'}}, 'kubectl-edit')
      const reapplied = await http.apply(cmPath(p, 'c'), cm(p, 'c', {mode: 'slow', size: 'm'}), 'kopsmith')
      const forced = await http.apply(cmPath(p, 'c'), cm(p, 'c', {mode: 'slow', size: 'm'}), 'kopsmith', {force: 'true'})
      return {edited: {...answer(edited), managed: managed(edited)}, reapplied: answer(reapplied), forced: {...answer(forced), managed: managed(forced), data: forced.body.data}}
    })
    expect(seen.real.edited.managed).toEqual([
      {manager: 'kopsmith', operation: 'Apply', apiVersion: 'v1', fieldsV1: {'f:data': {'f:size': {}}}},
      {manager: 'kubectl-edit', operation: 'Update', apiVersion: 'v1', fieldsV1: {'f:data': {'f:mode': {}}}},
    ])
    expect(seen.real.reapplied).toEqual({
      status: 409,
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.mode',
      details: {causes: [{reason: 'FieldManagerConflict', message: 'conflict with "kubectl-edit" using v1', field: '.data.mode'}]},
    })
    expect(seen.real.forced).toMatchObject({status: 200, data: {mode: 'slow', size: 'm'}, managed: [{manager: 'kopsmith', fieldsV1: {'f:data': {'f:mode': {}, 'f:size': {}}}}]})
    expect(seen.fake).toEqual(seen.real)
  })

  it('dryRun=All answers as the apply would and stores nothing', async () => {
    const seen = await onBoth('dryrun', async (http, p) => {
      await namespace(http, p)
      const dry = await http.apply(cmPath(p, 'c'), cm(p, 'c', {a: '1'}), 'kopsmith', {dryRun: 'All'})
      const after = await http.get(cmPath(p, 'c'))
      return {dry: {...answer(dry), data: dry.body.data}, after: after.status}
    })
    expect(seen.real).toEqual({dry: {status: 201, data: {a: '1'}}, after: 404})
    expect(seen.fake).toEqual(seen.real)
  })
})
