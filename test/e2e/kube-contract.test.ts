import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ClientNodeKube} from '../../src/adapters/kube/client-node-kube.js'
import {SystemClock} from '../../src/adapters/system-clock.js'
import {namespaceSetOwnerLabels} from '../../src/core/apply/ownership.js'
import {ApiError, TimeoutError} from '../../src/core/errors.js'
import {renderNamespaceSet} from '../../src/core/namespaces/render.js'
import {namespaceSetSchema} from '../../src/core/namespaces/schema.js'
import type {KubeObject} from '../../src/ports.js'
import {applyManifests, type ApplyManifestsOptions, type ApplyProgress} from '../../src/services/apply-manifests.js'
import {FakeKubeApi} from '../helpers/fake-kube-api.js'
import {KubeHttp} from '../helpers/kube-http.js'
import {e2eKubeconfig, uniquePrefix} from './support.js'

/**
 * The Kube adapter and the apply engine against a REAL API server (kube-apiserver v1.20.2 of this
 * run, see support.ts): every behaviour the engine relies on — apply and re-apply, converged objects
 * left alone, drift repaired, managedFields, conflicts and --force-conflicts against another
 * manager, list items co-owned by two managers, 409 stale resourceVersion vs 422 immutable roleRef,
 * Terminating namespaces, CRD establishment and approval, prune. Each test owns the names under its
 * own prefix and deletes them at the end.
 */
const clock = new SystemClock()
let kube: ClientNodeKube
let http: KubeHttp

function namespaceSet(prefix: string, names: string[], patch: Record<string, unknown> = {}): KubeObject[] {
  const set = namespaceSetSchema.parse({
    apiVersion: 'kopsmith/v1alpha1',
    kind: 'NamespaceSet',
    // Every option of a namespace entry, both ways: b has no ingress, no extra egress and no deployer.
    namespaces: names.map((n) => ({
      name: `${prefix}-${n}`,
      team: `${prefix}-devs`,
      quota: {cpu: '2', memory: '4Gi', pods: 20},
      limits: {cpu: '100m', memory: '128Mi'},
      ingress: n !== 'b',
      egress: n === 'b' ? [] : [{cidr: '10.30.0.0/16', ports: [5432, 6379]}],
      deployer: n !== 'b',
      ...patch,
    })),
  })
  return renderNamespaceSet(set, {setName: prefix})
}

function options(prefix: string, extra: Partial<ApplyManifestsOptions> = {}): ApplyManifestsOptions {
  const owners = [namespaceSetOwnerLabels(prefix)]
  return {force: false, owners, timeoutMs: 120_000, pollIntervalMs: 250, waitForRollout: false, clock, ...extra}
}

async function deleteNamespaces(prefix: string): Promise<void> {
  for (const ns of await kube.list('v1', 'Namespace', namespaceSetOwnerLabels(prefix))) await kube.delete({apiVersion: 'v1', kind: 'Namespace', name: ns.metadata.name})
}

const managers = (o: KubeObject | undefined) => ((o?.metadata.managedFields as Array<{manager: string; operation: string}> | undefined) ?? []).map((m) => `${m.manager}/${m.operation}`)

/** The same suite runs against the fake API too: where the two differ, the fake is wrong. */
const targets: Array<[string, () => Promise<{kubeconfig: string; stop: () => Promise<void>}>]> = [
  ['a real API server (v1.20.2)', async () => ({kubeconfig: e2eKubeconfig(), stop: async () => {}})],
  [
    'the fake API (test/helpers/fake-kube-api.ts)',
    async () => {
      const api = await new FakeKubeApi({namespaceDeletionDelayMs: 200}).start()
      return {kubeconfig: api.writeKubeconfig(), stop: () => api.stop()}
    },
  ],
]

describe.each(targets)('apply engine against %s', (_, start) => {
  let stop: () => Promise<void>
  beforeAll(async () => {
    const target = await start()
    stop = target.stop
    kube = new ClientNodeKube(target.kubeconfig)
    http = new KubeHttp(target.kubeconfig)
  })
  afterAll(async () => {
    kube?.close()
    http?.close()
    await stop?.()
  })

  it('applies a namespace set; a re-run sends nothing; drift (an edit, a deletion) is repaired; prune removes a namespace no longer listed', async () => {
    const prefix = uniquePrefix('nsset')
    const owner = namespaceSetOwnerLabels(prefix)
    try {
      const objects = namespaceSet(prefix, ['a', 'b', 'c'])
      const first = await applyManifests(kube, objects, options(prefix))
      expect(first.applied).toHaveLength(objects.length)
      expect(first.unchanged).toHaveLength(0)
      const quota = await kube.get({apiVersion: 'v1', kind: 'ResourceQuota', name: 'quota', namespace: `${prefix}-a`})
      expect(quota?.spec).toMatchObject({hard: {pods: '20', 'requests.cpu': '2'}})
      expect(managers(quota)).toContain('kopsmith/Apply')
      expect((await kube.get({apiVersion: 'v1', kind: 'Namespace', name: `${prefix}-a`}))?.metadata.labels).toMatchObject({'pod-security.kubernetes.io/enforce': 'restricted', ...owner})

      // Converged: every rendered object (quantities, ports, selectors as the server stores them) is recognised as such.
      const sent: string[] = []
      const again = await applyManifests(kube, objects, options(prefix, {onProgress: (e: ApplyProgress) => void (e.type === 'applied' && sent.push(e.ref.kind))}))
      expect(sent).toEqual([])
      expect(again.applied).toHaveLength(0)
      expect(again.unchanged).toHaveLength(objects.length)

      // Drift: a NetworkPolicy deleted and a label removed behind kopsmith's back are put back; nothing else is sent.
      await kube.delete({apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'allow-dns', namespace: `${prefix}-b`})
      await http.mergePatch(`/api/v1/namespaces/${prefix}-c`, {metadata: {labels: {'pod-security.kubernetes.io/warn': null}}}, 'kubectl-label')
      const repaired = await applyManifests(kube, objects, options(prefix))
      expect(repaired.applied.map((r) => `${r.kind} ${r.namespace ?? ''}/${r.name}`).sort()).toEqual([`Namespace /${prefix}-c`, `NetworkPolicy ${prefix}-b/allow-dns`])
      expect(await kube.get({apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'allow-dns', namespace: `${prefix}-b`})).toBeDefined()
      expect((await kube.get({apiVersion: 'v1', kind: 'Namespace', name: `${prefix}-c`}))?.metadata.labels?.['pod-security.kubernetes.io/warn']).toBe('restricted')

      // A changed configuration is applied (and only where it changed).
      const bigger = namespaceSet(prefix, ['a', 'b', 'c'], {quota: {cpu: '4', memory: '4Gi', pods: 20}})
      const changed = await applyManifests(kube, bigger, options(prefix))
      expect(changed.applied.map((r) => `${r.kind} ${r.namespace}`).sort()).toEqual([`ResourceQuota ${prefix}-a`, `ResourceQuota ${prefix}-b`, `ResourceQuota ${prefix}-c`])

      const pruned = await applyManifests(kube, namespaceSet(prefix, ['a', 'b'], {quota: {cpu: '4', memory: '4Gi', pods: 20}}), options(prefix, {prune: {scopes: [owner]}}))
      expect(pruned.pruned.map((r) => `${r.kind} ${r.name}`)).toContain(`Namespace ${prefix}-c`)
      expect(pruned.applied).toHaveLength(0)
      const c = await kube.get({apiVersion: 'v1', kind: 'Namespace', name: `${prefix}-c`})
      expect(c === undefined || Boolean(c.metadata.deletionTimestamp)).toBe(true)
    } finally {
      await deleteNamespaces(prefix)
    }
  }, 300_000)

  it('a field another manager changed: the re-run reports the conflict (manager and field), --force-conflicts takes the field back', async () => {
    const prefix = uniquePrefix('drift')
    try {
      const objects = namespaceSet(prefix, ['a'])
      await applyManifests(kube, objects, options(prefix))
      // `kubectl edit` of the quota: an Update operation that takes the field it changes.
      await http.mergePatch(`/api/v1/namespaces/${prefix}-a/resourcequotas/quota`, {spec: {hard: {pods: '99'}}}, 'kubectl-edit')
      const error = await applyManifests(kube, objects, options(prefix)).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ApiError)
      expect((error as ApiError).exitCode).toBe(6)
      expect((error as ApiError).message).toContain(`ResourceQuota ${prefix}-a/quota: .spec.hard.pods is owned by kubectl-edit`)
      expect((error as ApiError).suggestions.join(' ')).toContain('--force-conflicts')
      const forced = await applyManifests(kube, objects, options(prefix, {force: true}))
      expect(forced.applied.map((r) => r.kind)).toEqual(['ResourceQuota'])
      const quota = await kube.get({apiVersion: 'v1', kind: 'ResourceQuota', name: 'quota', namespace: `${prefix}-a`})
      expect((quota?.spec as {hard: Record<string, string>}).hard.pods).toBe('20')
      expect((await applyManifests(kube, objects, options(prefix))).applied).toHaveLength(0)
    } finally {
      await deleteNamespaces(prefix)
    }
  }, 180_000)

  it('list items co-owned with another manager (a sidecar container, an env var, a port) survive our re-apply, which leaves the object alone', async () => {
    const prefix = uniquePrefix('listmap')
    const ns = `${prefix}-a`
    const deployment = (env: Array<{name: string; value: string}>): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {name: 'web', namespace: ns, labels: namespaceSetOwnerLabels(prefix)},
      spec: {
        replicas: 1,
        selector: {matchLabels: {app: 'web'}},
        template: {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'web', image: 'nginx:1', ports: [{name: 'http', containerPort: 80, protocol: 'TCP'}], env}]}},
      },
    })
    try {
      const objects = [...namespaceSet(prefix, ['a']), deployment([{name: 'A', value: '1'}])]
      await applyManifests(kube, objects, options(prefix))
      const mesh = await http.apply(
        `/apis/apps/v1/namespaces/${ns}/deployments/web`,
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: {name: 'web', namespace: ns},
          spec: {template: {spec: {containers: [{name: 'web', env: [{name: 'MESH', value: 'on'}], ports: [{name: 'proxy', containerPort: 15001, protocol: 'TCP'}]}, {name: 'proxy', image: 'envoy:1'}]}}},
        },
        'mesh',
      )
      expect(mesh.status).toBe(200)
      const again = await applyManifests(kube, objects, options(prefix))
      expect(again.applied).toHaveLength(0)
      // Our configuration changes (env A → A2): applied; the mesh's container, env and port stay.
      const changed = await applyManifests(kube, [...namespaceSet(prefix, ['a']), deployment([{name: 'A', value: '2'}])], options(prefix))
      expect(changed.applied.map((r) => r.kind)).toEqual(['Deployment'])
      const live = await kube.get({apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: ns})
      const containers = (live?.spec as {template: {spec: {containers: Array<{name: string; env?: unknown[]; ports?: Array<{containerPort: number}>}>}}}).template.spec.containers
      expect(containers.map((c) => c.name)).toEqual(['web', 'proxy'])
      expect(containers[0]!.env).toEqual([
        {name: 'A', value: '2'},
        {name: 'MESH', value: 'on'},
      ])
      expect(containers[0]!.ports!.map((p) => p.containerPort)).toEqual([80, 15001])
      expect(managers(live)).toEqual(expect.arrayContaining(['kopsmith/Apply', 'mesh/Apply']))
    } finally {
      await deleteNamespaces(prefix)
    }
  }, 180_000)

  it('409 for a stale resourceVersion is told apart from a field conflict; 422 for a changed roleRef says to delete the binding', async () => {
    const prefix = uniquePrefix('codes')
    try {
      const objects = namespaceSet(prefix, ['a'])
      await applyManifests(kube, objects, options(prefix))
      const quota = objects.find((o) => o.kind === 'ResourceQuota')!
      const stale = await kube.apply({...quota, metadata: {...quota.metadata, resourceVersion: '1'}}, {fieldManager: 'kopsmith', force: false}).catch((e: unknown) => e)
      expect(stale).toBeInstanceOf(ApiError)
      expect((stale as ApiError).message).toContain('HTTP 409 Conflict: Operation cannot be fulfilled on resourcequotas "quota": the object has been modified')
      expect((stale as ApiError).message).not.toContain('owned by')
      expect((stale as ApiError).details).not.toHaveProperty('conflicts')
      expect((stale as ApiError).suggestions.join(' ')).toContain('re-run')

      const rebound = objects.map((o) => (o.kind === 'RoleBinding' && o.metadata.name === 'team-edit' ? {...o, roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view'}} : o))
      const immutable = await applyManifests(kube, rebound, options(prefix)).catch((e: unknown) => e)
      expect(immutable).toBeInstanceOf(ApiError)
      expect((immutable as ApiError).exitCode).toBe(6)
      expect((immutable as ApiError).message).toContain('HTTP 422 Invalid: RoleBinding.rbac.authorization.k8s.io "team-edit" is invalid: roleRef')
      expect((immutable as ApiError).message).toContain('cannot change roleRef')
      expect((immutable as ApiError).suggestions.join(' ')).toContain(`kubectl delete rolebinding -n ${prefix}-a team-edit`)
    } finally {
      await deleteNamespaces(prefix)
    }
  }, 180_000)

  it('delete as read (prune): an object changed since it was read is refused with 409 and stays; as it is now, it goes', async () => {
    const prefix = uniquePrefix('pre')
    const ns = `${prefix}-a`
    const ref = {apiVersion: 'v1', kind: 'ConfigMap', name: 'old', namespace: ns}
    try {
      await http.apply(`/api/v1/namespaces/${ns}`, {apiVersion: 'v1', kind: 'Namespace', metadata: {name: ns}}, 'e2e')
      const read = (await http.apply(`/api/v1/namespaces/${ns}/configmaps/old`, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'old', namespace: ns}, data: {a: '1'}}, 'e2e')).body.metadata as {uid: string; resourceVersion: string}
      await http.apply(`/api/v1/namespaces/${ns}/configmaps/old`, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'old', namespace: ns}, data: {a: '2'}}, 'e2e')
      const refused = await kube.delete(ref, {uid: read.uid, resourceVersion: read.resourceVersion}).catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(ApiError)
      expect((refused as ApiError).details).toMatchObject({status: 409, reason: 'Conflict'})
      const now = await kube.get(ref)
      expect(now?.data).toEqual({a: '2'})
      await kube.delete(ref, {uid: String(now?.metadata.uid), resourceVersion: String(now?.metadata.resourceVersion)})
      expect(await kube.get(ref)).toBeUndefined()
    } finally {
      await deleteNamespaces(prefix)
    }
  })

  it('a namespace still Terminating is recreated once it is gone; one that stays Terminating ends in a timeout naming it', async () => {
    const prefix = uniquePrefix('term')
    const ns = `${prefix}-a`
    try {
      const objects = namespaceSet(prefix, ['a'])
      await applyManifests(kube, objects, options(prefix))
      const res = await http.apply(`/api/v1/namespaces/${ns}/configmaps/hold`, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'hold', namespace: ns, finalizers: ['kopsmith.dev/e2e-hold']}}, 'e2e')
      expect(res.status).toBeLessThan(300)
      expect((await http.delete(`/api/v1/namespaces/${ns}`)).status).toBe(200)

      const stuck = await applyManifests(kube, objects, options(prefix, {timeoutMs: 3000})).catch((e: unknown) => e)
      expect(stuck).toBeInstanceOf(TimeoutError)
      expect((stuck as TimeoutError).exitCode).toBe(7)
      expect((stuck as TimeoutError).message).toContain(`Namespace ${ns} is still being deleted (Terminating)`)

      const uid = (await kube.get({apiVersion: 'v1', kind: 'Namespace', name: ns}))?.metadata.uid
      const waiting: string[] = []
      const applying = applyManifests(kube, objects, options(prefix, {onProgress: (e: ApplyProgress) => void (e.type === 'waiting' && waiting.push(e.ref.name))}))
      await new Promise((r) => setTimeout(r, 1500))
      await http.mergePatch(`/api/v1/namespaces/${ns}/configmaps/hold`, {metadata: {finalizers: null}})
      const result = await applying
      expect(waiting).toContain(ns)
      const recreated = await kube.get({apiVersion: 'v1', kind: 'Namespace', name: ns})
      expect(recreated?.metadata.uid).not.toBe(uid)
      expect(recreated?.metadata.deletionTimestamp).toBeUndefined()
      expect(result.applied).toHaveLength(objects.length)
      expect(await kube.get({apiVersion: 'v1', kind: 'ResourceQuota', name: 'quota', namespace: ns})).toBeDefined()
    } finally {
      await http.mergePatch(`/api/v1/namespaces/${ns}/configmaps/hold`, {metadata: {finalizers: null}}).catch(() => undefined)
      await deleteNamespaces(prefix)
    }
  }, 180_000)

  it('CRDs: a CRD (no CEL) and its custom resource in one run — the resource waits for Established; a *.k8s.io CRD without approval is refused (exit 6)', async () => {
    const prefix = uniquePrefix('crd')
    const group = `${prefix}.example.com`
    const crd = (g: string, annotations?: Record<string, string>): KubeObject => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {name: `widgets.${g}`, labels: namespaceSetOwnerLabels(prefix), ...(annotations ? {annotations} : {})},
      spec: {
        group: g,
        names: {kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList'},
        scope: 'Namespaced',
        versions: [{name: 'v1', served: true, storage: true, schema: {openAPIV3Schema: {type: 'object', properties: {spec: {type: 'object', properties: {size: {type: 'integer', minimum: 1}}}}}}}],
      },
    })
    const widget: KubeObject = {apiVersion: `${group}/v1`, kind: 'Widget', metadata: {name: 'w1', namespace: `${prefix}-a`, labels: namespaceSetOwnerLabels(prefix)}, spec: {size: 3}}
    try {
      const events: ApplyProgress[] = []
      const objects = [...namespaceSet(prefix, ['a']), widget, crd(group)]
      const result = await applyManifests(kube, objects, options(prefix, {onProgress: (e) => events.push(e)}))
      const ready = events.findIndex((e) => e.type === 'ready' && e.ref.kind === 'CustomResourceDefinition')
      const applied = events.findIndex((e) => e.type === 'applied' && e.ref.kind === 'Widget')
      expect(ready).toBeGreaterThan(-1)
      expect(applied).toBeGreaterThan(ready)
      expect(result.applied.map((r) => r.kind)).toContain('Widget')
      expect((await kube.get({apiVersion: `${group}/v1`, kind: 'Widget', name: 'w1', namespace: `${prefix}-a`}))?.spec).toEqual({size: 3})
      // Custom resources and CRDs converge too.
      expect((await applyManifests(kube, objects, options(prefix))).applied).toHaveLength(0)

      const refused = await applyManifests(kube, [crd(`${prefix}.k8s.io`)], options(prefix)).catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(ApiError)
      expect((refused as ApiError).exitCode).toBe(6)
      expect((refused as ApiError).message).toContain('HTTP 422 Invalid')
      expect((refused as ApiError).message).toContain('metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation')
      const approved = await applyManifests(kube, [crd(`${prefix}.k8s.io`, {'api-approved.kubernetes.io': 'unapproved, kopsmith e2e test'})], options(prefix))
      expect(approved.applied.map((r) => r.kind)).toEqual(['CustomResourceDefinition'])
    } finally {
      for (const g of [group, `${prefix}.k8s.io`]) await kube.delete({apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: `widgets.${g}`})
      await deleteNamespaces(prefix)
    }
  }, 180_000)

  it('a dry run reads and compares only: what would be applied, unchanged and pruned, with nothing written', async () => {
    const prefix = uniquePrefix('dry')
    const owner = namespaceSetOwnerLabels(prefix)
    try {
      await applyManifests(kube, namespaceSet(prefix, ['a', 'b']), options(prefix))
      const next = namespaceSet(prefix, ['a', 'c'])
      const plan = await applyManifests(kube, next, options(prefix, {dryRun: true, prune: {scopes: [owner]}}))
      expect(plan.unchanged.length).toBe(next.length / 2)
      expect(plan.applied.every((r) => r.name === `${prefix}-c` || r.namespace === `${prefix}-c`)).toBe(true)
      expect(plan.pruned.map((r) => `${r.kind} ${r.name}`)).toContain(`Namespace ${prefix}-b`)
      expect(await kube.get({apiVersion: 'v1', kind: 'Namespace', name: `${prefix}-c`})).toBeUndefined()
      expect(await kube.get({apiVersion: 'v1', kind: 'Namespace', name: `${prefix}-b`})).toMatchObject({metadata: {name: `${prefix}-b`}})
    } finally {
      await deleteNamespaces(prefix)
    }
  }, 180_000)
})
