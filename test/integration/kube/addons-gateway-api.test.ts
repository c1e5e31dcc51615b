import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {parse as parseYaml} from 'yaml'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ClientNodeKube} from '../../../src/adapters/kube/client-node-kube.js'
import {FsPackageFiles} from '../../../src/adapters/package-files.js'
import {FsUserFiles} from '../../../src/adapters/fs-user-files.js'
import {SystemClock} from '../../../src/adapters/system-clock.js'
import {checkClusterFile} from '../../../src/core/config/validate.js'
import type {ClusterConfig} from '../../../src/core/config/types.js'
import {installAddons, type AddonsPorts} from '../../../src/services/addons.js'
import {ROOT} from '../../helpers/cli.js'
import {FakeKubeApi} from '../../helpers/fake-kube-api.js'

const CRDS = join(ROOT, 'addons', 'ingress', 'gateway-api')

/** An upstream CRD as another tool installed it, with its release annotation rewritten. */
function upstreamCrd(file: string, version: string, channel = 'standard'): Record<string, unknown> {
  const crd = parseYaml(readFileSync(join(CRDS, file), 'utf8')) as {metadata: {annotations: Record<string, string>}}
  crd.metadata.annotations['gateway.networking.k8s.io/bundle-version'] = version
  crd.metadata.annotations['gateway.networking.k8s.io/channel'] = channel
  return crd
}

function ingressOnly(): ClusterConfig {
  const text = readFileSync(join(ROOT, 'examples', 'production.yaml'), 'utf8')
    .replace('clusterAutoscaler: {}', 'clusterAutoscaler: {enabled: false}')
    .replace(/logging: \{[^}]*\}/, 'logging: {enabled: false}')
  return checkClusterFile(text, 'examples/production.yaml').config
}

describe('addons install: the Gateway API bundle against what the cluster already has', () => {
  let api: FakeKubeApi
  let ports: AddonsPorts
  let kubeconfig: string

  beforeEach(async () => {
    api = await new FakeKubeApi({crdEstablishDelayMs: 50}).start()
    kubeconfig = api.writeKubeconfig()
    ports = {packageFiles: new FsPackageFiles(), files: new FsUserFiles(), clock: new SystemClock(), kube: async (target) => new ClientNodeKube(target.kubeconfig!)}
  })
  afterEach(async () => {
    await api.stop()
  })

  it('installs what is missing, upgrades what is older (taking its fields), keeps a newer or experimental release', async () => {
    api.seed(upstreamCrd('gateway.networking.k8s.io_gateways.yaml', 'v1.4.0'), 'kubectl-client-side-apply')
    api.seed(upstreamCrd('gateway.networking.k8s.io_httproutes.yaml', 'v1.7.0'), 'helm')
    api.seed(upstreamCrd('gateway.networking.k8s.io_grpcroutes.yaml', 'v1.5.0', 'experimental'), 'helm')

    const plan = await installAddons(ports, {config: ingressOnly(), kubeconfig, force: false, prune: false, dryRun: true, timeoutMs: 10_000})
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0)
    const actions = (r: typeof plan) => Object.fromEntries(r.gatewayApi!.objects.map((o) => [o.name.split('.')[0], o.summary]))
    expect(plan.gatewayApi).toMatchObject({version: 'v1.6.1', channel: 'standard', checked: true})
    expect(actions(plan)).toMatchObject({
      gateways: 'upgraded v1.4.0→v1.6.1',
      httproutes: 'kept newer v1.7.0',
      grpcroutes: 'kept experimental channel v1.5.0; kopsmith ships standard v1.6.1',
      gatewayclasses: 'installed v1.6.1',
      'safe-upgrades': 'installed v1.6.1',
    })
    expect(plan.gatewayApi!.summary).toBe('9 installed v1.6.1, 1 upgraded v1.4.0→v1.6.1, 1 kept newer v1.7.0, 1 kept experimental channel v1.5.0; kopsmith ships standard v1.6.1')

    const result = await installAddons(ports, {config: ingressOnly(), kubeconfig, force: false, prune: false, dryRun: false, timeoutMs: 10_000, pollIntervalMs: 20})
    expect(actions(result)).toEqual(actions(plan))
    const version = (name: string) => (api.getObject('apiextensions.k8s.io/v1', 'CustomResourceDefinition', name)?.metadata as {annotations: Record<string, string>}).annotations
    expect(version('gateways.gateway.networking.k8s.io')['gateway.networking.k8s.io/bundle-version']).toBe('v1.6.1')
    expect(version('httproutes.gateway.networking.k8s.io')['gateway.networking.k8s.io/bundle-version']).toBe('v1.7.0')
    expect(version('grpcroutes.gateway.networking.k8s.io')['gateway.networking.k8s.io/channel']).toBe('experimental')
    expect(version('udproutes.gateway.networking.k8s.io')['gateway.networking.k8s.io/bundle-version']).toBe('v1.6.1')
    const patches = api.requests.filter((r) => r.method === 'PATCH').map((r) => ({name: (r.body as {metadata: {name: string}}).metadata.name, force: r.query.get('force')}))
    // Only the upgrade takes the other manager's fields; nothing touches the kept releases.
    expect(patches.filter((p) => p.force === 'true').map((p) => p.name)).toEqual(['gateways.gateway.networking.k8s.io'])
    expect(patches.map((p) => p.name)).not.toContain('httproutes.gateway.networking.k8s.io')
    expect(patches.map((p) => p.name)).not.toContain('grpcroutes.gateway.networking.k8s.io')
    expect(api.getObject('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy', 'safe-upgrades.gateway.networking.k8s.io')).toBeDefined()
    // The GatewayClass of Traefik went in once its CRD was served.
    expect(api.getObject('gateway.networking.k8s.io/v1', 'GatewayClass', 'traefik')).toMatchObject({spec: {controllerName: 'traefik.io/gateway-controller'}})
  })

  it('a render-only dry run reads no cluster and says so', async () => {
    const {mkdtempSync} = await import('node:fs')
    const {tmpdir} = await import('node:os')
    const out = mkdtempSync(join(tmpdir(), 'kopsmith-addons-render-'))
    const result = await installAddons({...ports, kube: async () => Promise.reject(new Error('no cluster in a render-only run'))}, {config: ingressOnly(), force: false, prune: false, dryRun: true, outputDir: out, timeoutMs: 1000})
    expect(result.gatewayApi).toEqual({version: 'v1.6.1', channel: 'standard', checked: false, summary: 'not compared with a cluster (render only)', objects: []})
    const text = readFileSync(join(out, 'ingress.yaml'), 'utf8')
    expect(text).toContain('name: httproutes.gateway.networking.k8s.io')
    expect(api.requests).toHaveLength(0)
  })
})
