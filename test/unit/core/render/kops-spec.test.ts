import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'
import {parseAllDocuments} from 'yaml'

import {autoscalerDiscoveryTags, logGroupName} from '../../../../src/core/addons/identities.js'
import type {ClusterConfig} from '../../../../src/core/config/types.js'
import {sandboxExpiresAt} from '../../../../src/core/render/expiry.js'
import {renderKopsSpec, type KopsObject, type KopsTemplates} from '../../../../src/core/render/kops-spec.js'
import {loadConfig, ROOT} from '../../../golden/cases.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any -- reading arbitrary kops fields

const TEMPLATES: KopsTemplates = {
  cluster: readFileSync(`${ROOT}templates/cluster.yaml`, 'utf8'),
  instanceGroup: readFileSync(`${ROOT}templates/instancegroup.yaml`, 'utf8'),
  auditPolicy: readFileSync(`${ROOT}templates/audit-policy.yaml`, 'utf8'),
}
const production = (): ClusterConfig => loadConfig('examples/production.yaml')
const sandbox = (): ClusterConfig => loadConfig('examples/sandbox.yaml')
const spec = (o: KopsObject): Json => o.spec as Json
const igNamed = (igs: KopsObject[], name: string): KopsObject => {
  const found = igs.find((g) => g.metadata.name === name)
  if (!found) throw new Error(`no ${name} in ${igs.map((g) => g.metadata.name).join(', ')}`)
  return found
}

describe('renderKopsSpec: production', () => {
  const {cluster, instanceGroups, manifest} = renderKopsSpec(production(), TEMPLATES)
  const c = spec(cluster)

  it('renders a control plane per zone, the node group, and no bastion, sorted by name', () => {
    expect(instanceGroups.map((g) => [g.metadata.name, spec(g).role])).toEqual([
      ['control-plane-eu-central-1a', 'Master'],
      ['control-plane-eu-central-1b', 'Master'],
      ['control-plane-eu-central-1c', 'Master'],
      ['nodes-general', 'Node'],
    ])
    for (const g of instanceGroups) expect(g.metadata.labels).toEqual({'kops.k8s.io/cluster': 'prod.k8s.acme.de'})
    expect(c.topology.bastion).toBeUndefined()
  })

  it('places each control plane in its zone and the nodes in every private subnet', () => {
    expect(spec(igNamed(instanceGroups, 'control-plane-eu-central-1b')).subnets).toEqual(['eu-central-1b'])
    const nodes = spec(igNamed(instanceGroups, 'nodes-general'))
    expect(nodes).toMatchObject({machineType: 'm7i.xlarge', minSize: 3, maxSize: 12, subnets: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c']})
    expect(nodes.mixedInstancesPolicy).toBeUndefined()
    expect(nodes.cloudLabels).toEqual(autoscalerDiscoveryTags('prod.k8s.acme.de'))
  })

  it('sets IMDSv2 with hop limit 3 on the control plane and 1 on nodes, and encrypted root volumes without a key', () => {
    expect(spec(igNamed(instanceGroups, 'control-plane-eu-central-1a')).instanceMetadata).toEqual({httpTokens: 'required', httpPutResponseHopLimit: 3})
    expect(spec(igNamed(instanceGroups, 'nodes-general')).instanceMetadata).toEqual({httpTokens: 'required', httpPutResponseHopLimit: 1})
    for (const g of instanceGroups) {
      expect(spec(g).rootVolumeEncryption).toBe(true)
      expect(spec(g).rootVolumeEncryptionKey).toBeUndefined()
    }
  })

  it('fills the cluster from the file: state, DNS, network, access, version', () => {
    expect(cluster.metadata).toEqual({name: 'prod.k8s.acme.de'})
    expect(c).toMatchObject({
      kubernetesVersion: '1.35.7',
      configBase: 's3://acme-kops-state/prod.k8s.acme.de',
      cloudProvider: 'aws',
      dnsZone: 'k8s.acme.de',
      topology: {dns: {type: 'Private'}},
      networkCIDR: '10.20.0.0/16',
      networking: {cilium: {}},
      kubernetesApiAccess: ['10.0.0.0/8'],
      sshAccess: [],
      nodePortAccess: [],
      serviceAccountIssuerDiscovery: {discoveryStore: 's3://acme-kops-state-oidc/prod.k8s.acme.de', enableAWSOIDCProvider: true},
    })
    expect(c.sshKeyName).toBeUndefined()
    expect(c.subnets.map((s: Json) => `${s.name} ${s.type} ${s.cidr}`)).toEqual([
      'eu-central-1a Private 10.20.0.0/19',
      'eu-central-1b Private 10.20.32.0/19',
      'eu-central-1c Private 10.20.64.0/19',
      'utility-eu-central-1a Utility 10.20.224.0/22',
      'utility-eu-central-1b Utility 10.20.228.0/22',
      'utility-eu-central-1c Utility 10.20.232.0/22',
    ])
  })

  it('gives main and events one encrypted etcd member per control plane, production retention 30 days', () => {
    expect(c.etcdClusters.map((e: Json) => e.name)).toEqual(['main', 'events'])
    for (const etcd of c.etcdClusters) {
      expect(etcd.etcdMembers).toEqual(['a', 'b', 'c'].map((z) => ({name: z, instanceGroup: `control-plane-eu-central-1${z}`, encryptedVolume: true})))
      expect(etcd.manager).toEqual({backupRetentionDays: 90})
    }
  })

  it('ships templates/audit-policy.yaml verbatim to the control plane at the path the API server reads', () => {
    expect(c.fileAssets).toEqual([{name: 'audit-policy-config', path: c.kubeAPIServer.auditPolicyFile, roles: ['ControlPlane'], content: TEMPLATES.auditPolicy}])
  })

  it('tags the cluster with owner, managed-by and profile, and no expiry', () => {
    expect(c.cloudLabels).toEqual({'kopsmith.dev/owner': 'platform@acme.de', 'kopsmith.dev/managed-by': 'kopsmith', 'kopsmith.dev/profile': 'production'})
  })

  it('grants IRSA to cluster-autoscaler and fluent-bit, scoped to this cluster', () => {
    const grants = c.iam.serviceAccountExternalPermissions as Json[]
    expect(grants.map((g) => `${g.namespace}/${g.name}`)).toEqual(['kube-system/cluster-autoscaler', 'logging/fluent-bit'])
    // kops reads inlinePolicy as the statements alone, a JSON array.
    const autoscaler = JSON.parse(grants[0]!.aws.inlinePolicy)
    expect(Array.isArray(autoscaler)).toBe(true)
    const scale = autoscaler.find((s: Json) => s.Action.includes('autoscaling:SetDesiredCapacity'))
    expect(scale.Action).toEqual(['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'])
    expect(scale.Condition.StringEquals).toEqual(
      Object.fromEntries(Object.entries(autoscalerDiscoveryTags('prod.k8s.acme.de')).map(([k, v]) => [`aws:ResourceTag/${k}`, v])),
    )
    const logs = JSON.parse(grants[1]!.aws.inlinePolicy)
    const write = logs.find((s: Json) => s.Action.includes('logs:PutLogEvents'))
    expect(write.Resource).toBe(`arn:aws:logs:eu-central-1:*:log-group:${logGroupName('prod.k8s.acme.de')}:*`)
    expect(c.iam).toMatchObject({legacy: false, useServiceAccountExternalPermissions: true})
  })

  it('writes the Cluster first, then the InstanceGroups, with no timestamps', () => {
    const docs = parseAllDocuments(manifest, {version: '1.1'}).map((d) => d.toJS() as KopsObject)
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(['Cluster/prod.k8s.acme.de', ...instanceGroups.map((g) => `InstanceGroup/${g.metadata.name}`)])
    expect(manifest).not.toMatch(/creationTimestamp|\d{4}-\d{2}-\d{2}T/)
  })
})

describe('renderKopsSpec: variations', () => {
  it('sandbox: one control plane, one etcd member, spot nodes, kops\' 90-day backups, public DNS', () => {
    const {cluster, instanceGroups} = renderKopsSpec(sandbox(), TEMPLATES, {expiresAt: '2026-10-01T00:00:00Z'})
    expect(instanceGroups.map((g) => g.metadata.name)).toEqual(['control-plane-eu-central-1a', 'nodes-general'])
    const c = spec(cluster)
    expect(c.etcdClusters.map((e: Json) => e.etcdMembers.length)).toEqual([1, 1])
    expect(c.etcdClusters[0].manager.backupRetentionDays).toBe(90)
    expect(c.topology.dns).toEqual({type: 'Public'})
    expect(spec(igNamed(instanceGroups, 'nodes-general')).mixedInstancesPolicy).toEqual({
      instances: ['t3.large'],
      onDemandBase: 0,
      onDemandAboveBase: 0,
      spotAllocationStrategy: 'capacity-optimized',
    })
    expect(c.cloudLabels['kopsmith.dev/expires-at']).toBe('2026-10-01T00:00:00Z')
    expect(c.cloudLabels['kopsmith.dev/profile']).toBe('sandbox')
  })

  it('sandbox expiry: the option wins over the file, and nothing is invented without either', () => {
    const stamped = {...sandbox(), expiresAt: '2026-09-30T08:00:00Z'}
    expect(spec(renderKopsSpec(stamped, TEMPLATES).cluster).cloudLabels['kopsmith.dev/expires-at']).toBe('2026-09-30T08:00:00Z')
    expect(spec(renderKopsSpec(stamped, TEMPLATES, {expiresAt: '2026-10-02T00:00:00Z'}).cluster).cloudLabels['kopsmith.dev/expires-at']).toBe('2026-10-02T00:00:00Z')
    expect(spec(renderKopsSpec(sandbox(), TEMPLATES).cluster).cloudLabels['kopsmith.dev/expires-at']).toBeUndefined()
    expect(spec(renderKopsSpec(production(), TEMPLATES, {expiresAt: '2026-10-02T00:00:00Z'}).cluster).cloudLabels['kopsmith.dev/expires-at']).toBeUndefined()
  })

  it('bastion: a Bastion group with hop limit 1 in the private subnets behind an internal LB, still no SSH key', () => {
    const config = {...production(), bastion: {enabled: true}}
    const {cluster, instanceGroups} = renderKopsSpec(config, TEMPLATES)
    expect(spec(igNamed(instanceGroups, 'bastions'))).toMatchObject({
      role: 'Bastion',
      minSize: 1,
      maxSize: 1,
      instanceMetadata: {httpTokens: 'required', httpPutResponseHopLimit: 1},
      subnets: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'],
    })
    expect(spec(cluster).topology.bastion).toEqual({loadBalancer: {type: 'Internal'}})
    expect(spec(cluster).sshKeyName).toBeUndefined()
  })

  it('KMS key: on every etcd member and every root volume', () => {
    const key = 'arn:aws:kms:eu-central-1:123456789012:key/0b7e6c52-1d9f-4b5e-9a3c-5f2e8d7c6b1a'
    const config = {...production(), stateStore: {...production().stateStore, kmsKeyId: key}, bastion: {enabled: true}}
    const {cluster, instanceGroups} = renderKopsSpec(config, TEMPLATES)
    for (const etcd of spec(cluster).etcdClusters) for (const m of etcd.etcdMembers) expect(m).toMatchObject({encryptedVolume: true, kmsKeyId: key})
    for (const g of instanceGroups) expect(spec(g)).toMatchObject({rootVolumeEncryption: true, rootVolumeEncryptionKey: key})
  })

  it.each([
    ['no autoscaler', {clusterAutoscaler: {enabled: false}}, ['logging/fluent-bit']],
    ['logs to OpenSearch', {logging: {enabled: true, destination: 'opensearch', retentionDays: 30, endpoint: 'https://logs.acme.de'}}, ['kube-system/cluster-autoscaler']],
    ['neither', {clusterAutoscaler: {enabled: false}, logging: {enabled: false, destination: 'cloudwatch', retentionDays: 30, endpoint: null}}, []],
  ] as const)('IRSA grants follow the enabled addons: %s', (_name, addons, expected) => {
    const base = production()
    const config = {...base, addons: {...base.addons, ...addons}} as ClusterConfig
    const iam = spec(renderKopsSpec(config, TEMPLATES).cluster).iam
    expect(((iam.serviceAccountExternalPermissions ?? []) as Json[]).map((g) => `${g.namespace}/${g.name}`)).toEqual(expected)
    if (expected.length === 0) expect('serviceAccountExternalPermissions' in iam).toBe(false)
  })

  it('calico and a custom network', () => {
    const config = {...production(), network: {cidr: '172.20.64.0/18', cni: 'calico' as const}}
    const c = spec(renderKopsSpec(config, TEMPLATES).cluster)
    expect(c.networking).toEqual({calico: {}})
    expect(c.subnets[0]).toEqual({name: 'eu-central-1a', zone: 'eu-central-1a', type: 'Private', cidr: '172.20.64.0/21'})
  })

  it('node groups limited to some zones use only those zones\' subnets; a zone outside the cluster is a bug', () => {
    const base = production()
    const config = {...base, nodeGroups: [...base.nodeGroups, {name: 'gpu', instanceType: 'g6.xlarge', minSize: 0, maxSize: 2, spot: false, zones: ['eu-central-1b']}]}
    expect(spec(igNamed(renderKopsSpec(config, TEMPLATES).instanceGroups, 'nodes-gpu')).subnets).toEqual(['eu-central-1b'])
    const broken = {...base, nodeGroups: [{...base.nodeGroups[0]!, zones: ['eu-central-1z']}]}
    expect(() => renderKopsSpec(broken, TEMPLATES)).toThrow(/zone eu-central-1z/)
  })
})

describe('renderKopsSpec: the templates are the baseline', () => {
  it('a value changed in templates/cluster.yaml appears in the output', () => {
    const cluster = TEMPLATES.cluster.replace('tlsMinVersion: VersionTLS12', 'tlsMinVersion: VersionTLS13')
    expect(cluster).not.toBe(TEMPLATES.cluster)
    expect(spec(renderKopsSpec(production(), {...TEMPLATES, cluster}).cluster).kubeAPIServer.tlsMinVersion).toBe('VersionTLS13')
  })

  it('refuses templates without the audit policy asset or without a role document', () => {
    const noAsset = TEMPLATES.cluster.replace('path: /etc/kubernetes/audit/policy-config.yaml\n      roles', 'path: /elsewhere.yaml\n      roles')
    expect(() => renderKopsSpec(production(), {...TEMPLATES, cluster: noAsset})).toThrow(/no fileAssets entry for the audit policy/)
    const noBastion = TEMPLATES.instanceGroup.split('---').slice(0, 2).join('---')
    expect(() => renderKopsSpec({...production(), bastion: {enabled: true}}, {...TEMPLATES, instanceGroup: noBastion})).toThrow(/spec.role Bastion/)
    expect(() => renderKopsSpec(production(), {...TEMPLATES, cluster: 'kind: Cluster\n'})).toThrow(/apiVersion kops.k8s.io\/v1alpha2/)
  })

  it('is independent of the key order of the config it is given', () => {
    const config = production()
    const shuffled = Object.fromEntries(Object.entries(config).reverse()) as unknown as ClusterConfig
    expect(renderKopsSpec(shuffled, TEMPLATES).manifest).toBe(renderKopsSpec(config, TEMPLATES).manifest)
  })
})

describe('sandboxExpiresAt', () => {
  const now = new Date('2026-09-01T09:30:12.345Z')
  it('is now + ttl for an unstamped sandbox, to the second', () => {
    expect(sandboxExpiresAt(sandbox(), now)).toBe('2026-09-04T09:30:12Z')
    expect(sandboxExpiresAt({...sandbox(), ttl: '1d12h'}, now)).toBe('2026-09-02T21:30:12Z')
  })
  it('keeps a stamped expiry and gives production none', () => {
    expect(sandboxExpiresAt({...sandbox(), expiresAt: '2026-09-02T00:00:00Z'}, now)).toBe('2026-09-02T00:00:00Z')
    expect(sandboxExpiresAt(production(), now)).toBeUndefined()
  })
})

describe('templates', () => {
  it.each(['cluster.yaml', 'instancegroup.yaml', 'audit-policy.yaml'])('templates/%s reads the same as YAML 1.1 (kubectl, kops) and YAML 1.2', (name) => {
    const text = readFileSync(`${ROOT}templates/${name}`, 'utf8')
    const as11 = parseAllDocuments(text, {version: '1.1'}).map((d) => d.toJS() as unknown)
    const as12 = parseAllDocuments(text).map((d) => d.toJS() as unknown)
    expect(as12).toEqual(as11)
  })
})
