import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {parse as parseYaml} from 'yaml'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ClientNodeKube} from '../../src/adapters/kube/client-node-kube.js'
import {FsPackageFiles} from '../../src/adapters/package-files.js'
import {FsUserFiles} from '../../src/adapters/fs-user-files.js'
import {SystemClock} from '../../src/adapters/system-clock.js'
import {ADDON_NAMES, renderAddonBundle, renderAddons} from '../../src/core/addons/render.js'
import type {AddonData} from '../../src/core/addons/metadata.js'
import {addonOwnerLabels} from '../../src/core/apply/ownership.js'
import {refOf} from '../../src/core/apply/phases.js'
import {checkClusterFile} from '../../src/core/config/validate.js'
import type {ClusterConfig} from '../../src/core/config/types.js'
import {ApiError} from '../../src/core/errors.js'
import {planExecutionMismatch} from '../../src/core/plan.js'
import type {KubeObject} from '../../src/ports.js'
import {installAddons, loadAddons} from '../../src/services/addons.js'
import {applyManifests} from '../../src/services/apply-manifests.js'
import {ROOT} from '../helpers/cli.js'
import {K8sSchemas} from '../helpers/k8s-schema.js'
import {e2eKubeconfig} from './support.js'

/**
 * The addons against a REAL API server (kube-apiserver v1.20.2). Kubernetes 1.20 cannot serve some
 * of what kopsmith ships for 1.31–1.36 clusters; those objects are named in each test's title and
 * checked against the Kubernetes 1.35 schemas instead (test/helpers/k8s-schema.ts). The addons use
 * fixed names (namespaces traefik and logging, kube-system objects, cluster roles kopsmith-*): this
 * file is the only one that applies them, and it deletes them at the end.
 */
const clock = new SystemClock()
let kube: ClientNodeKube
let addons: AddonData[]
let config: ClusterConfig
const schemas = new K8sSchemas()

beforeAll(async () => {
  kube = new ClientNodeKube(e2eKubeconfig())
  addons = await loadAddons(new FsPackageFiles())
  config = checkClusterFile(readFileSync(join(ROOT, 'examples', 'production.yaml'), 'utf8'), 'examples/production.yaml').config
})

afterAll(() => kube?.close())

const key = (o: KubeObject) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`

describe('addons against a real API server (v1.20.2)', () => {
  it('applies and re-applies every addon object whose kind 1.20 serves (not: the Gateway API bundle with CEL, GatewayClass, policy/v1 PodDisruptionBudgets); the re-run sends nothing', async () => {
    const all = renderAddons(config, addons)
    const bundle = new Set(addons.flatMap(renderAddonBundle).map(key))
    const served = await Promise.all(all.map(async (o) => ({o, served: !bundle.has(key(o)) && (await kube.isServed(o.apiVersion, o.kind))})))
    const objects = served.filter((s) => s.served).map((s) => s.o)
    // Exactly these are left out, for the reasons in the title: nothing else is skipped quietly.
    expect(
      served
        .filter((s) => !s.served && !bundle.has(key(s.o)))
        .map((s) => `${s.o.apiVersion} ${s.o.kind}`)
        .sort(),
    ).toEqual(['gateway.networking.k8s.io/v1 GatewayClass', 'policy/v1 PodDisruptionBudget', 'policy/v1 PodDisruptionBudget'])
    const owners = ADDON_NAMES.map(addonOwnerLabels)
    try {
      const first = await applyManifests(kube, objects, {force: false, owners, timeoutMs: 120_000, waitForRollout: false, clock})
      expect(first.applied.length).toBe(objects.length)
      expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Service', 'IngressClass', 'ConfigMap', 'Deployment', 'DaemonSet']))
      const service = await kube.get({apiVersion: 'v1', kind: 'Service', name: 'traefik', namespace: 'traefik'})
      expect((service?.spec as {loadBalancerSourceRanges: string[]}).loadBalancerSourceRanges).toEqual(config.access.api)
      const again = await applyManifests(kube, objects, {force: false, owners, timeoutMs: 120_000, waitForRollout: false, clock})
      expect(again.applied.map((r) => `${r.kind} ${r.name}`)).toEqual([])
      expect(again.unchanged).toHaveLength(objects.length)
    } finally {
      for (const o of [...objects].reverse()) await kube.delete(refOf(o))
    }
  }, 300_000)

  it('the shipped Gateway API CRDs are refused by 1.20, which has no CEL (x-kubernetes-validations) — they are checked against the 1.35 schemas instead', async () => {
    const bundle = renderAddonBundle(addons.find((a) => a.metadata.name === 'ingress')!)
    const gatewayClasses = bundle.find((o) => o.metadata.name === 'gatewayclasses.gateway.networking.k8s.io')!
    const refused = await kube.apply(gatewayClasses, {fieldManager: 'kopsmith', force: false}).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ApiError)
    expect((refused as ApiError).message).toContain('x-kubernetes-validations: field not declared in schema')
    expect(await kube.get(refOf(gatewayClasses))).toBeUndefined()
    for (const o of bundle) expect(schemas.validate(o), `${o.kind} ${o.metadata.name}`).toEqual([])
  })

  it('our GatewayClass is accepted by the upstream GatewayClass CRD with its CEL rules taken out (1.20 has no CEL); both converge on a re-run', async () => {
    const upstream = parseYaml(readFileSync(join(ROOT, 'addons', 'ingress', 'gateway-api', 'gateway.networking.k8s.io_gatewayclasses.yaml'), 'utf8')) as KubeObject
    const withoutCel = stripKey(upstream, 'x-kubernetes-validations') as KubeObject
    expect(JSON.stringify(withoutCel)).not.toContain('x-kubernetes-validations')
    const gatewayClass = renderAddons(config, addons).find((o) => o.kind === 'GatewayClass')!
    const owners = [addonOwnerLabels('ingress')]
    try {
      const first = await applyManifests(kube, [gatewayClass, withoutCel], {force: false, owners, timeoutMs: 120_000, waitForRollout: false, clock})
      expect(first.applied.map((r) => r.kind)).toEqual(['CustomResourceDefinition', 'GatewayClass'])
      expect((await kube.get(refOf(gatewayClass)))?.spec).toMatchObject({controllerName: 'traefik.io/gateway-controller'})
      const again = await applyManifests(kube, [gatewayClass, withoutCel], {force: false, owners, timeoutMs: 120_000, waitForRollout: false, clock})
      expect(again.applied).toHaveLength(0)
    } finally {
      await kube.delete(refOf(gatewayClass)).catch(() => undefined)
      await kube.delete(refOf(withoutCel))
    }
  }, 180_000)

  it('policy/v1 PodDisruptionBudget and ValidatingAdmissionPolicy are not served by 1.20: the rendered ones validate against the 1.35 schemas', async () => {
    expect(await kube.isServed('policy/v1', 'PodDisruptionBudget')).toBe(false)
    expect(await kube.isServed('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy')).toBe(false)
    const pdbs = renderAddons(config, addons).filter((o) => o.kind === 'PodDisruptionBudget' || o.kind.startsWith('ValidatingAdmissionPolicy'))
    expect(pdbs.map((o) => o.kind).sort()).toEqual(['PodDisruptionBudget', 'PodDisruptionBudget', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'])
    for (const o of pdbs) expect(schemas.validate(o), `${o.kind} ${o.metadata.name}`).toEqual([])
  })

  it('addons install --dry-run reads the real cluster: the Gateway API release it would install, what it would apply, and writes nothing', async () => {
    const result = await installAddons(
      {packageFiles: new FsPackageFiles(), files: new FsUserFiles(), clock, kube: async (target) => new ClientNodeKube(target.kubeconfig!)},
      {config, kubeconfig: e2eKubeconfig(), force: false, prune: true, dryRun: true, timeoutMs: 60_000},
    )
    expect(result.gatewayApi).toMatchObject({version: 'v1.6.1', checked: true, summary: '12 installed v1.6.1'})
    // The dry run executes the plan's steps, reading only; it waits for no rollout.
    expect(result.steps!.map((s) => s.id)).toEqual(result.plan.steps.map((s) => s.id))
    expect(planExecutionMismatch(result.plan, result.steps!, true)).toEqual([])
    expect(result.steps!.find((s) => s.id === 'addons:rollout')?.status).toBe('skipped')
    expect(result.applied).toBe(renderAddons(config, addons).length)
    expect(result.unchanged).toBe(0)
    const traefik = await kube.get({apiVersion: 'v1', kind: 'Namespace', name: 'traefik'})
    expect(traefik === undefined || Boolean(traefik.metadata.deletionTimestamp)).toBe(true)
  }, 120_000)
})

function stripKey(value: unknown, name: string): unknown {
  if (Array.isArray(value)) return value.map((v) => stripKey(v, name))
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([k]) => k !== name).map(([k, v]) => [k, stripKey(v, name)]))
  return value
}
