import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ClientNodeKube} from '../../../src/adapters/kube/client-node-kube.js'
import {SystemClock} from '../../../src/adapters/system-clock.js'
import {addonOwnerLabels} from '../../../src/core/apply/ownership.js'
import {ApiError, TimeoutError} from '../../../src/core/errors.js'
import type {Kube, KubeObject} from '../../../src/ports.js'
import {applyManifests, type ApplyProgress} from '../../../src/services/apply-manifests.js'
import {FakeKubeApi} from '../../helpers/fake-kube-api.js'
import {KubeHttp} from '../../helpers/kube-http.js'

const clock = new SystemClock()
const owned = addonOwnerLabels('demo')

function obj(apiVersion: string, kind: string, name: string, namespace?: string, extra: Record<string, unknown> = {}, labels = owned): KubeObject {
  return {apiVersion, kind, metadata: {name, ...(namespace ? {namespace} : {}), labels: {...labels}}, ...extra}
}

const crd = obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', undefined, {
  spec: {
    group: 'example.com',
    names: {kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList'},
    scope: 'Namespaced',
    versions: [{name: 'v1', served: true, storage: true, schema: {openAPIV3Schema: {type: 'object', 'x-kubernetes-preserve-unknown-fields': true}}}],
  },
})

const deployment = (name: string, replicas = 2) =>
  obj('apps/v1', 'Deployment', name, 'demo', {
    spec: {replicas, selector: {matchLabels: {app: name}}, template: {metadata: {labels: {app: name}}, spec: {containers: [{name, image: 'example/app:1.0.0'}]}}},
  })

/** Deliberately out of order: the engine must sort them into phases. */
function demoSet(): KubeObject[] {
  return [
    deployment('web'),
    obj('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'demo-webhook', undefined, {webhooks: []}),
    obj('example.com/v1', 'Widget', 'w1', 'demo', {spec: {size: 3}}),
    obj('v1', 'ConfigMap', 'settings', 'demo', {data: {mode: 'fast'}}),
    obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'demo-reader', undefined, {rules: []}),
    obj('v1', 'ServiceAccount', 'web', 'demo'),
    crd,
    obj('v1', 'Namespace', 'demo'),
  ]
}

describe('apply engine through ClientNodeKube against an HTTP Kubernetes API', () => {
  let api: FakeKubeApi
  let kube: ClientNodeKube

  beforeEach(async () => {
    api = await new FakeKubeApi({crdEstablishDelayMs: 300, rolloutDelayMs: 200}).start()
    kube = new ClientNodeKube(api.writeKubeconfig())
  })
  afterEach(async () => {
    kube.close()
    await api.stop()
  })

  it('applies phase by phase, waits for the CRD to be Established and for rollouts before webhooks', async () => {
    const events: ApplyProgress[] = []
    const result = await applyManifests(kube, demoSet(), {force: false, timeoutMs: 10_000, pollIntervalMs: 50, clock, onProgress: (e) => events.push(e)})

    // Inside a phase requests run concurrently; across phases the order is strict.
    const phases = api.appliedOrder().map(phaseIndex)
    expect(phases).toEqual([...phases].sort((a, b) => a - b))
    expect(api.appliedOrder().sort()).toEqual([
      'ClusterRole demo-reader',
      'ConfigMap demo/settings',
      'CustomResourceDefinition widgets.example.com',
      'Deployment demo/web',
      'Namespace demo',
      'ServiceAccount demo/web',
      'ValidatingWebhookConfiguration demo-webhook',
      'Widget demo/w1',
    ])
    // Server-side apply with our field manager, every time.
    const patches = api.requests.filter((r) => r.method === 'PATCH')
    expect(patches.every((r) => r.contentType === 'application/apply-patch+yaml' && r.query.get('fieldManager') === 'kopsmith')).toBe(true)
    // The custom resource was applied only after the CRD reported Established (the fake serves it only then).
    const crdReady = events.findIndex((e) => e.type === 'ready' && e.ref.kind === 'CustomResourceDefinition')
    const widget = events.findIndex((e) => e.type === 'applied' && e.ref.kind === 'Widget')
    expect(crdReady).toBeGreaterThan(-1)
    expect(widget).toBeGreaterThan(crdReady)
    expect(events.some((e) => e.type === 'waiting' && e.ref.kind === 'CustomResourceDefinition')).toBe(true)
    // The webhook went in only after the Deployment rolled out.
    const rolled = events.findIndex((e) => e.type === 'ready' && e.ref.kind === 'Deployment')
    const webhook = events.findIndex((e) => e.type === 'applied' && e.ref.kind === 'ValidatingWebhookConfiguration')
    expect(rolled).toBeGreaterThan(-1)
    expect(webhook).toBeGreaterThan(rolled)
    expect(result.rollouts).toEqual([expect.objectContaining({kind: 'Deployment', name: 'web', message: '2 of 2 replicas available'})])
    expect(api.getObject('example.com/v1', 'Widget', 'w1', 'demo')).toMatchObject({spec: {size: 3}})
  })

  it('discovers each group/version once, not per object', async () => {
    const many = [obj('v1', 'Namespace', 'demo'), ...Array.from({length: 40}, (_, i) => obj('v1', 'ConfigMap', `cm-${i}`, 'demo', {data: {i: String(i)}}))]
    await applyManifests(kube, many, {force: false, timeoutMs: 5000, clock})
    const discovery = api.requests.filter((r) => r.method === 'GET' && r.path === '/api/v1')
    expect(discovery).toHaveLength(1)
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(41)
  })

  it('reports a field-ownership conflict with the other manager, and takes ownership with force', async () => {
    api.seed({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'demo'}}, 'kubectl')
    api.seed({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'settings', namespace: 'demo'}, data: {mode: 'slow'}}, 'helm')
    const desired = [obj('v1', 'Namespace', 'demo'), obj('v1', 'ConfigMap', 'settings', 'demo', {data: {mode: 'fast'}})]

    const error = await applyManifests(kube, desired, {force: false, timeoutMs: 5000, clock}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).exitCode).toBe(6)
    expect((error as ApiError).message).toContain('.data.mode is owned by helm')
    expect((error as ApiError).suggestions.join(' ')).toContain('--force-conflicts')
    expect((error as ApiError).details).toMatchObject({reason: 'Conflict', conflicts: [{manager: 'helm', field: '.data.mode', object: 'ConfigMap demo/settings'}]})
    expect(api.getObject('v1', 'ConfigMap', 'settings', 'demo')).toMatchObject({data: {mode: 'slow'}})

    await applyManifests(kube, desired, {force: true, timeoutMs: 5000, clock})
    const live = api.getObject('v1', 'ConfigMap', 'settings', 'demo') as {data: unknown; metadata: {managedFields: Array<{manager: string; fieldsV1: Record<string, unknown>}>}}
    expect(live.data).toEqual({mode: 'fast'})
    const kopsmith = live.metadata.managedFields.find((m) => m.manager === 'kopsmith')
    expect(kopsmith?.fieldsV1).toMatchObject({'f:data': {'f:mode': {}}})
    expect(api.requests.find((r) => r.method === 'PATCH' && r.query.get('force') === 'true')).toBeDefined()
  })

  it('prunes only objects carrying our owner labels that are no longer rendered', async () => {
    const first = [
      obj('v1', 'Namespace', 'demo'),
      obj('v1', 'ConfigMap', 'keep', 'demo', {data: {a: '1'}}),
      obj('v1', 'ConfigMap', 'old', 'demo', {data: {a: '2'}}),
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'old-role', undefined, {rules: []}),
    ]
    await applyManifests(kube, first, {force: false, timeoutMs: 5000, clock})
    // Someone else's object in the same namespace, and one of another addon of ours.
    api.seed({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'foreign', namespace: 'demo', labels: {app: 'x'}}, data: {}}, 'kubectl')
    api.seed({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'sibling', namespace: 'demo', labels: addonOwnerLabels('other-addon')}, data: {}}, 'kopsmith')

    const second = [obj('v1', 'Namespace', 'demo'), obj('v1', 'ConfigMap', 'keep', 'demo', {data: {a: '1'}})]
    const withoutPrune = await applyManifests(kube, second, {force: false, timeoutMs: 5000, clock})
    expect(withoutPrune.pruned).toEqual([])
    expect(api.getObject('v1', 'ConfigMap', 'old', 'demo')).toBeDefined()

    const result = await applyManifests(kube, second, {force: false, timeoutMs: 5000, clock, prune: {scopes: [owned]}})
    expect(result.pruned.map((r) => `${r.kind} ${r.name}`).sort()).toEqual(['ClusterRole old-role', 'ConfigMap old'])
    expect(api.getObject('v1', 'ConfigMap', 'old', 'demo')).toBeUndefined()
    expect(api.getObject('rbac.authorization.k8s.io/v1', 'ClusterRole', 'old-role')).toBeUndefined()
    expect(api.getObject('v1', 'ConfigMap', 'keep', 'demo')).toBeDefined()
    expect(api.getObject('v1', 'ConfigMap', 'foreign', 'demo')).toBeDefined()
    expect(api.getObject('v1', 'ConfigMap', 'sibling', 'demo')).toBeDefined()
    const lists = api.requests.filter((r) => r.method === 'GET' && r.query.has('labelSelector'))
    expect(lists.length).toBeGreaterThan(0)
    expect(lists.every((r) => r.query.get('labelSelector')!.includes('app.kubernetes.io/managed-by=kopsmith'))).toBe(true)
  })

  it('prunes only what is still as it was read: an object adopted meanwhile stays, one changed but still ours goes', async () => {
    const first = [obj('v1', 'Namespace', 'demo'), obj('v1', 'ConfigMap', 'keep', 'demo', {data: {a: '1'}}), obj('v1', 'ConfigMap', 'adopted', 'demo', {data: {a: '2'}}), obj('v1', 'ConfigMap', 'edited', 'demo', {data: {a: '3'}})]
    await applyManifests(kube, first, {force: false, timeoutMs: 5000, clock})
    const other = new KubeHttp(api.writeKubeconfig())
    // Between the run's read and its prune, someone takes one object over and edits another.
    const meanwhile: Record<string, unknown> = {adopted: {metadata: {labels: {'app.kubernetes.io/managed-by': null}}}, edited: {data: {a: 'edited'}}}
    const racing: Kube = {
      apply: (o, options) => kube.apply(o, options),
      get: (ref) => kube.get(ref),
      list: (apiVersion, kind, labels) => kube.list(apiVersion, kind, labels),
      isServed: (apiVersion, kind) => kube.isServed(apiVersion, kind),
      requestServiceAccountToken: (ns, name, options) => kube.requestServiceAccountToken(ns, name, options),
      close: () => kube.close(),
      async delete(ref, preconditions) {
        const change = meanwhile[ref.name]
        delete meanwhile[ref.name]
        if (change) expect((await other.mergePatch(`/api/v1/namespaces/demo/configmaps/${ref.name}`, change)).status).toBe(200)
        return kube.delete(ref, preconditions)
      },
    }
    try {
      const result = await applyManifests(racing, [obj('v1', 'Namespace', 'demo'), obj('v1', 'ConfigMap', 'keep', 'demo', {data: {a: '1'}})], {force: false, timeoutMs: 5000, clock, prune: {scopes: [owned]}})
      expect(result.pruned.map((r) => `${r.kind} ${r.name}`)).toEqual(['ConfigMap edited'])
    } finally {
      other.close()
    }
    expect(api.getObject('v1', 'ConfigMap', 'adopted', 'demo')).toMatchObject({data: {a: '2'}})
    expect(api.getObject('v1', 'ConfigMap', 'edited', 'demo')).toBeUndefined()
    // The edited one: refused as read (409), read again, deleted as it then was.
    const deletes = api.requests.filter((r) => r.method === 'DELETE')
    expect(deletes.map((r) => r.path.split('/').pop())).toEqual(['adopted', 'edited', 'edited'])
    expect(deletes.every((r) => typeof (r.body as {preconditions?: {uid?: unknown; resourceVersion?: unknown}}).preconditions?.resourceVersion === 'string')).toBe(true)
  })

  it('times out a rollout that never becomes ready with exit code 7', async () => {
    api.neverReady.add('demo/stuck')
    const error = await applyManifests(kube, [obj('v1', 'Namespace', 'demo'), deployment('stuck'), deployment('fine')], {force: false, timeoutMs: 700, pollIntervalMs: 50, clock}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).exitCode).toBe(7)
    expect((error as TimeoutError).message).toContain('Deployment demo/stuck: 0 of 2 replicas updated')
    expect((error as TimeoutError).message).not.toContain('demo/fine')
  })

  it('a live read that fails ends the run with its error, also when reads were still queued behind it', async () => {
    // Objects of no owner set are read one by one; with 2 in flight the rest are still queued when
    // the first reads fail (the API is gone), and are then never started.
    const objects = Array.from({length: 10}, (_, i) => obj('v1', 'ConfigMap', `cm-${i}`, 'demo', {data: {}}, {app: 'x'}))
    await api.stop()
    const error = await Promise.race([
      applyManifests(kube, objects, {force: false, timeoutMs: 5000, concurrency: 2, clock}).catch((e: unknown) => e),
      new Promise((resolve) => setTimeout(() => resolve('still waiting after 5 s'), 5000)),
    ])
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).message).toContain('Cannot reach the Kubernetes API')
  })

  it('times out when a CRD never becomes Established', async () => {
    api.crdEstablishDelayMs = 60_000
    const error = await applyManifests(kube, [crd], {force: false, timeoutMs: 300, pollIntervalMs: 50, clock}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as Error).message).toContain('widgets.example.com')
  })

  it('maps a missing namespace (wrong order) and unknown kinds to API errors (exit 6)', async () => {
    const missingNs = await kube.apply(obj('v1', 'ConfigMap', 'x', 'nowhere', {data: {}}), {fieldManager: 'kopsmith', force: false}).catch((e: unknown) => e)
    expect(missingNs).toBeInstanceOf(ApiError)
    expect((missingNs as Error).message).toMatch(/404 NotFound: namespaces "nowhere" not found/)
    const unknown = await kube.apply(obj('example.com/v9', 'Gadget', 'g', 'demo'), {fieldManager: 'kopsmith', force: false}).catch((e: unknown) => e)
    expect(unknown).toBeInstanceOf(ApiError)
    expect((unknown as Error).message).toContain('does not serve example.com/v9 Gadget')
    expect(await kube.get({apiVersion: 'v1', kind: 'ConfigMap', name: 'absent', namespace: 'demo'})).toBeUndefined()
    expect(await kube.isServed('apps/v1', 'Deployment')).toBe(true)
    expect(await kube.isServed('example.com/v1', 'Widget')).toBe(false)
  })

  it('fails with exit 6 and a hint when the API cannot be reached', async () => {
    await api.stop()
    const error = await kube.get({apiVersion: 'v1', kind: 'Namespace', name: 'x'}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as Error).message).toContain('Cannot reach the Kubernetes API')
  })
})

/** Namespaces, CRDs, RBAC, config (incl. custom resources), workloads, webhooks. */
function phaseIndex(entry: string): number {
  const kind = entry.split(' ')[0]!
  const phases = [['Namespace'], ['CustomResourceDefinition'], ['ClusterRole', 'ServiceAccount'], ['ConfigMap', 'Widget'], ['Deployment'], ['ValidatingWebhookConfiguration']]
  return phases.findIndex((p) => p.includes(kind))
}
