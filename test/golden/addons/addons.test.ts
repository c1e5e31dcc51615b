import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {parseAllDocuments} from 'yaml'
import {beforeAll, describe, expect, it} from 'vitest'

import {FsPackageFiles} from '../../../src/adapters/package-files.js'
import {autoscalerDiscoveryTags, logGroupName} from '../../../src/core/addons/identities.js'
import type {AddonData} from '../../../src/core/addons/metadata.js'
import {renderAddon, renderAddonBundle, renderAddons} from '../../../src/core/addons/render.js'
import {toYamlStream} from '../../../src/core/apply/manifests.js'
import {sortForApply} from '../../../src/core/apply/phases.js'
import {checkClusterFile} from '../../../src/core/config/validate.js'
import type {ClusterConfig} from '../../../src/core/config/types.js'
import type {KubeObject} from '../../../src/ports.js'
import {loadAddons} from '../../../src/services/addons.js'
import {ROOT} from '../../helpers/cli.js'
import {K8sSchemas} from '../../helpers/k8s-schema.js'

const GOLDEN = join(ROOT, 'test', 'golden', 'addons')

interface Container {
  name: string
  image: string
  args?: string[]
  command?: string[]
  resources?: {requests?: {cpu?: string; memory?: string}}
  securityContext: {runAsNonRoot?: boolean}
}
interface PodTemplate {
  metadata: {annotations: Record<string, string>}
  spec: {containers: Container[]}
}
const template = (object: KubeObject) => (object.spec as {template: PodTemplate}).template
const update = process.env.UPDATE_GOLDEN === '1'

function exampleConfig(patch: (text: string) => string = (t) => t): ClusterConfig {
  const path = 'examples/production.yaml'
  return checkClusterFile(patch(readFileSync(join(ROOT, path), 'utf8')), path).config
}

let addons: AddonData[]
let schemas: K8sSchemas

beforeAll(async () => {
  addons = await loadAddons(new FsPackageFiles())
  // Custom resources validate against the CRDs shipped with them.
  const crds = addons.flatMap((a) => renderAddon(exampleConfig(), a)).filter((o) => o.kind === 'CustomResourceDefinition')
  schemas = new K8sSchemas().addCrds(crds)
})

describe('addons golden output (examples/production.yaml, Kubernetes 1.35.7)', () => {
  for (const name of ['ingress', 'cluster-autoscaler', 'logging']) {
    it(`${name}: matches test/golden/addons/production/${name}.yaml and every object validates`, () => {
      const addon = addons.find((a) => a.metadata.name === name)!
      // The upstream bundle (Gateway API) is compared with upstream's files below, not with a golden copy.
      const bundle = new Set(renderAddonBundle(addon).map((o) => `${o.kind}/${o.metadata.name}`))
      const objects = sortForApply(renderAddon(exampleConfig(), addon).filter((o) => !bundle.has(`${o.kind}/${o.metadata.name}`)))
      const text = toYamlStream(objects)
      const file = join(GOLDEN, 'production', `${name}.yaml`)
      if (update || !existsSync(file)) {
        mkdirSync(join(GOLDEN, 'production'), {recursive: true})
        writeFileSync(file, text)
      }
      expect(text).toBe(readFileSync(file, 'utf8'))
      // What kubectl would read (YAML 1.1) is what we rendered.
      expect(parseAllDocuments(text, {version: '1.1'}).map((d) => (d as {toJS(): unknown}).toJS())).toEqual(objects)
      for (const object of objects) expect(schemas.validate(object), `${object.kind} ${object.metadata.name}`).toEqual([])
    })
  }

  it('rejects unknown fields and wrong types (the validation is not a rubber stamp)', () => {
    const deployment = renderAddon(exampleConfig(), addons.find((a) => a.metadata.name === 'ingress')!).find((o) => o.kind === 'Deployment')!
    const typo = structuredClone(deployment) as KubeObject & {spec: Record<string, unknown>}
    typo.spec.replica = 2
    expect(schemas.validate(typo).join()).toContain('(replica)')
    const wrongType = structuredClone(deployment) as KubeObject & {spec: Record<string, unknown>}
    wrongType.spec.replicas = 'two'
    expect(schemas.validate(wrongType).join()).toContain('/spec/replicas')
    const gatewayClass = renderAddon(exampleConfig(), addons.find((a) => a.metadata.name === 'ingress')!).find((o) => o.kind === 'GatewayClass')!
    expect(schemas.validate({...gatewayClass, spec: {controllerName: 'traefik.io/gateway-controller', colour: 'red'}}).join()).toContain('(colour)')
  })

  it('labels every object with its owner for prune (upstream bundle objects stay as upstream ships them)', () => {
    const bundle = new Set(addons.flatMap(renderAddonBundle).map((o) => `${o.kind}/${o.metadata.name}`))
    expect(bundle.size).toBe(12)
    for (const object of renderAddons(exampleConfig(), addons)) {
      if (bundle.has(`${object.kind}/${object.metadata.name}`)) {
        expect(object.metadata.labels?.['app.kubernetes.io/managed-by'], `${object.kind} ${object.metadata.name}`).toBeUndefined()
        continue
      }
      expect(object.metadata.labels).toMatchObject({'app.kubernetes.io/managed-by': 'kopsmith', 'kopsmith.dev/addon': expect.any(String)})
    }
  })

  it('gives every container resource requests and a restricted security context, except the documented exceptions', () => {
    for (const addon of addons) {
      const exceptions = new Set(addon.metadata.securityExceptions.map((e) => e.container))
      for (const object of renderAddon(exampleConfig(), addon).filter((o) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(o.kind))) {
        const pod = template(object).spec
        for (const c of pod.containers) {
          expect(c.resources?.requests?.cpu, `${c.name} cpu request`).toBeDefined()
          expect(c.resources?.requests?.memory, `${c.name} memory request`).toBeDefined()
          const sc = c.securityContext
          expect(sc).toMatchObject({allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: ['ALL']}, seccompProfile: {type: 'RuntimeDefault'}})
          if (!exceptions.has(c.name)) expect(sc.runAsNonRoot, c.name).toBe(true)
          else expect(addon.metadata.securityExceptions.find((e) => e.container === c.name)!.relaxed).toContain('runAsNonRoot')
        }
      }
    }
  })

  it('ingress: Traefik v3 serving Ingress and Gateway API behind an internal NLB', () => {
    const objects = renderAddon(exampleConfig(), addons.find((a) => a.metadata.name === 'ingress')!)
    const service = objects.find((o) => o.kind === 'Service')!
    expect(service.metadata.annotations).toEqual({'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb', 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true'})
    expect((service.spec as {type: string}).type).toBe('LoadBalancer')
    // The cloud controller opens the NLB's node ports to these CIDRs (0.0.0.0/0 without them): the cluster file's spec.access.api.
    expect((service.spec as {loadBalancerSourceRanges: string[]}).loadBalancerSourceRanges).toEqual(exampleConfig().access.api)
    const other = renderAddon(exampleConfig((t) => t.replace('api: [10.0.0.0/8]', 'api: [10.20.0.0/16, 192.168.10.0/24]')), addons.find((a) => a.metadata.name === 'ingress')!)
    expect((other.find((o) => o.kind === 'Service')!.spec as {loadBalancerSourceRanges: string[]}).loadBalancerSourceRanges).toEqual(['10.20.0.0/16', '192.168.10.0/24'])
    const args = template(objects.find((o) => o.kind === 'Deployment')!).spec.containers[0]!.args!
    expect(args).toEqual(expect.arrayContaining(['--providers.kubernetesingress=true', '--providers.kubernetesgateway=true']))
    expect(template(objects.find((o) => o.kind === 'Deployment')!).spec.containers[0]!.image).toBe('docker.io/library/traefik:v3.8.0')
    expect(objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name).sort()).toEqual([
      'backendtlspolicies.gateway.networking.k8s.io',
      'gatewayclasses.gateway.networking.k8s.io',
      'gateways.gateway.networking.k8s.io',
      'grpcroutes.gateway.networking.k8s.io',
      'httproutes.gateway.networking.k8s.io',
      'listenersets.gateway.networking.k8s.io',
      'referencegrants.gateway.networking.k8s.io',
      'tcproutes.gateway.networking.k8s.io',
      'tlsroutes.gateway.networking.k8s.io',
      'udproutes.gateway.networking.k8s.io',
    ])
    expect(objects.find((o) => o.kind === 'ServiceAccount')!.metadata).toMatchObject({name: 'traefik', namespace: 'traefik'})
  })

  it('cluster-autoscaler: image minor follows the cluster, discovery by the node-group tags, IRSA service account', () => {
    const ca = addons.find((a) => a.metadata.name === 'cluster-autoscaler')!
    const imageFor = (version: string) => {
      // Set directly: the out-of-range case must reach the renderer, not the cluster-file validator.
      const config = {...exampleConfig(), kubernetesVersion: version}
      return template(renderAddon(config, ca).find((o) => o.kind === 'Deployment')!).spec.containers[0]!.image
    }
    expect(imageFor('1.33.13')).toMatch(/^registry\.k8s\.io\/autoscaling\/cluster-autoscaler:v1\.33\.\d+$/)
    expect(imageFor('1.35.7')).toMatch(/^registry\.k8s\.io\/autoscaling\/cluster-autoscaler:v1\.35\.\d+$/)
    expect(imageFor('1.31.14')).toMatch(/:v1\.31\.\d+$/)
    expect(() => imageFor('1.30.14')).toThrow(/supports Kubernetes 1\.31–1\.36/)
    const config = exampleConfig()
    const objects = renderAddon(config, ca)
    const command = template(objects.find((o) => o.kind === 'Deployment')!).spec.containers[0]!.command!
    expect(command).toContain('--cloud-provider=aws')
    expect(command).toContain(`--node-group-auto-discovery=asg:tag=${Object.keys(autoscalerDiscoveryTags(config.name)).join(',')}`)
    expect(objects.find((o) => o.kind === 'ServiceAccount')!.metadata).toMatchObject({name: 'cluster-autoscaler', namespace: 'kube-system'})
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget')).toBe(true)
  })

  it('logging: Fluent Bit to CloudWatch Logs in eu-central-1, log group per cluster with the configured retention', () => {
    const logging = addons.find((a) => a.metadata.name === 'logging')!
    const config = exampleConfig((t) => t.replace('retentionDays: 30', 'retentionDays: 14'))
    const objects = renderAddon(config, logging)
    const conf = (objects.find((o) => o.kind === 'ConfigMap')!.data as Record<string, string>)['fluent-bit.conf']!
    expect(conf).toContain('Name                cloudwatch_logs')
    expect(conf).toContain('region              eu-central-1')
    expect(conf).toContain(`log_group_name      ${logGroupName(config.name)}`)
    expect(conf).toContain('log_retention_days  14')
    expect(conf).toContain('auto_create_group   On')
    expect(objects.find((o) => o.kind === 'ServiceAccount')!.metadata).toMatchObject({name: 'fluent-bit', namespace: 'logging'})
    const hashOf = (c: ClusterConfig) => (template(renderAddon(c, logging).find((o) => o.kind === 'DaemonSet')!).metadata.annotations['kopsmith.dev/config-hash'] as string)
    expect(hashOf(config)).not.toBe(hashOf(exampleConfig()))
  })

  it('ships Gateway API v1.6.1 byte for byte as upstream releases it (../shared/reference/gateway-api), LICENSE included', () => {
    const reference = join(ROOT, '..', 'shared', 'reference', 'gateway-api')
    const shipped = join(ROOT, 'addons', 'ingress', 'gateway-api')
    expect(readdirSync(shipped).sort()).toEqual(readdirSync(reference).sort())
    expect(readdirSync(shipped)).toContain('LICENSE')
    for (const file of readdirSync(reference)) expect(readFileSync(join(shipped, file)).equals(readFileSync(join(reference, file))), file).toBe(true)
  })

  it('applies the Gateway API objects exactly as upstream wrote them: approval annotation, release, channel, CEL rules', () => {
    const ingress = addons.find((a) => a.metadata.name === 'ingress')!
    const bundle = renderAddonBundle(ingress)
    const reference = join(ROOT, '..', 'shared', 'reference', 'gateway-api')
    const upstream = readdirSync(reference)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .flatMap((f) => parseAllDocuments(readFileSync(join(reference, f), 'utf8'), {version: '1.1'}).map((d) => (d as {toJS(): unknown}).toJS()))
      .filter(Boolean)
    expect(bundle).toEqual(upstream)
    expect(bundle.map((o) => o.kind).sort()).toEqual([...Array(10).fill('CustomResourceDefinition'), 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'])
    for (const o of bundle) {
      expect(o.metadata.annotations).toMatchObject({'gateway.networking.k8s.io/bundle-version': 'v1.6.1', 'gateway.networking.k8s.io/channel': 'standard'})
      if (o.kind === 'CustomResourceDefinition') expect(o.metadata.annotations?.['api-approved.kubernetes.io']).toMatch(/^https:\/\/github\.com\/kubernetes-sigs\/gateway-api\/pull\/\d+$/)
    }
    // Upstream's defaults and CEL rules are there (the reduced hand-written CRDs had neither).
    const gateways = JSON.stringify(bundle.find((o) => o.metadata.name === 'gateways.gateway.networking.k8s.io'))
    expect(gateways).toContain('x-kubernetes-validations')
    expect(gateways).toContain('"default":{"namespaces":{"from":"Same"}}')
  })

  it('every Gateway API object validates against the Kubernetes 1.35 schemas (CRD, ValidatingAdmissionPolicy — which 1.20 cannot serve)', () => {
    for (const object of renderAddonBundle(addons.find((a) => a.metadata.name === 'ingress')!)) {
      expect(schemas.validate(object), `${object.kind} ${object.metadata.name}`).toEqual([])
    }
    // Strict: a typo in a CRD is caught, so the check above is not a rubber stamp.
    const crd = structuredClone(renderAddonBundle(addons.find((a) => a.metadata.name === 'ingress')!)[0]!) as KubeObject & {spec: Record<string, unknown>}
    crd.spec.scopes = 'Cluster'
    expect(schemas.validate(crd).join()).toContain('(scopes)')
  })

  it('a disabled addon renders nothing', () => {
    const config = exampleConfig((t) => t.replace('clusterAutoscaler: {}', 'clusterAutoscaler: {enabled: false}'))
    expect(renderAddons(config, addons).some((o) => o.metadata.labels?.['kopsmith.dev/addon'] === 'cluster-autoscaler')).toBe(false)
  })
})
