import {beforeAll, describe, expect, it} from 'vitest'

import {HARDENING_IDS} from '../../../../src/core/config/schema.js'
import {auditContextFor, auditKopsSpec, HARDENING_CHECKS, type AuditContext, type CheckResult} from '../../../../src/core/hardening/checks.js'
import type {RenderedSpec} from '../../../../src/core/render/kops-spec.js'
import {goldenCase, loadConfig, renderCase} from '../../../golden/cases.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any -- mutations poke at arbitrary kops fields
interface Spec {
  cluster: Json
  instanceGroups: Json[]
}

const BASE = 'production'
const rendered = new Map<string, RenderedSpec>()
const contexts = new Map<string, AuditContext>()

beforeAll(async () => {
  for (const name of ['production', 'sandbox', 'bastion-kms', 'calico']) {
    const c = goldenCase(name)
    rendered.set(name, await renderCase(c))
    const config = loadConfig(c.file)
    contexts.set(name, {...auditContextFor(config), kopsVersion: '1.35.2', bucketRegions: {[config.stateStore.bucket]: 'eu-central-1', [config.stateStore.discoveryBucket]: 'eu-central-1'}})
  }
})

function fresh(name: string): {spec: Spec; context: AuditContext} {
  const r = rendered.get(name)!
  return {spec: structuredClone({cluster: r.cluster, instanceGroups: r.instanceGroups}) as Spec, context: structuredClone(contexts.get(name)!)}
}

/** The bucket of an s3:// URL in the spec. */
const bucketOf = (url: unknown): string => String(url).replace(/^s3:\/\//, '').split('/')[0] ?? ''

const ig = (spec: Spec, name: string): Json => {
  const found = spec.instanceGroups.find((g) => g.metadata.name === name)
  if (!found) throw new Error(`no instance group ${name}`)
  return found
}

interface Breakage {
  id: string
  what: string
  base?: string
  mutate(spec: Spec, context: AuditContext): void
}

/** For every check: edits that break exactly that check's field. */
const BREAKAGES: Breakage[] = [
  {id: 'H01', what: 'topology.masters public', mutate: (s) => (s.cluster.spec.topology.masters = 'public')},
  {id: 'H01', what: 'a node group moved into a utility subnet', mutate: (s) => (ig(s, 'nodes-general').spec.subnets = ['utility-eu-central-1a'])},
  {id: 'H01', what: 'a control plane in a subnet that does not exist', mutate: (s) => (ig(s, 'control-plane-eu-central-1b').spec.subnets = ['eu-central-1x'])},
  {id: 'H02', what: 'public API load balancer', mutate: (s) => (s.cluster.spec.api.loadBalancer.type = 'Public')},
  {id: 'H02', what: 'classic load balancer', mutate: (s) => (s.cluster.spec.api.loadBalancer.class = 'Classic')},
  {id: 'H03', what: 'API open to 0.0.0.0/0', mutate: (s) => s.cluster.spec.kubernetesApiAccess.push('0.0.0.0/0')},
  {id: 'H03', what: 'NodePorts open to ::/0', mutate: (s) => (s.cluster.spec.nodePortAccess = ['::/0'])},
  {id: 'H03', what: 'the API open in two halves', mutate: (s) => (s.cluster.spec.kubernetesApiAccess = ['0.0.0.0/1', '128.0.0.0/1'])},
  {id: 'H03', what: 'the API open to IPv6 global unicast in pieces', mutate: (s) => (s.cluster.spec.kubernetesApiAccess = ['10.0.0.0/8', '2000::/4', '3000::/4'])},
  {id: 'H03', what: 'NodePorts open to a public /7', mutate: (s) => (s.cluster.spec.nodePortAccess = ['10.0.0.0/8', '8.0.0.0/7'])},
  {id: 'H03', what: 'an access entry that is no CIDR', mutate: (s) => (s.cluster.spec.kubernetesApiAccess = ['10.0.0.0/8', 'everyone'])},
  {id: 'H04', what: 'an SSH key without a bastion', mutate: (s) => (s.cluster.spec.sshKeyName = 'ops-key')},
  {id: 'H04', what: 'SSH from a CIDR the cluster file does not list', mutate: (s) => (s.cluster.spec.sshAccess = ['10.99.0.0/16'])},
  {id: 'H04', what: 'a public bastion load balancer', base: 'bastion-kms', mutate: (s) => (s.cluster.spec.topology.bastion.loadBalancer.type = 'Public')},
  {id: 'H05', what: 'anonymous API server', mutate: (s) => (s.cluster.spec.kubeAPIServer.anonymousAuth = true)},
  {id: 'H05', what: 'anonymous kubelet', mutate: (s) => (s.cluster.spec.kubelet.anonymousAuth = true)},
  {id: 'H05', what: 'kubelet authorization AlwaysAllow', mutate: (s) => (s.cluster.spec.kubelet.authorizationMode = 'AlwaysAllow')},
  {id: 'H05', what: 'kubelet token webhook removed', mutate: (s) => delete s.cluster.spec.kubelet.authenticationTokenWebhook},
  {id: 'H05', what: 'an InstanceGroup kubelet override enabling anonymous auth', mutate: (s) => (ig(s, 'nodes-general').spec.kubelet = {anonymousAuth: true})},
  {id: 'H05', what: 'masterKubelet override enabling anonymous auth', mutate: (s) => (s.cluster.spec.masterKubelet = {anonymousAuth: true})},
  {id: 'H06', what: 'AlwaysAllow authorization', mutate: (s) => (s.cluster.spec.authorization = {alwaysAllow: {}})},
  {id: 'H06', what: 'API server authorization mode without RBAC', mutate: (s) => (s.cluster.spec.kubeAPIServer.authorizationMode = 'AlwaysAllow')},
  {id: 'H07', what: 'encryption at rest off', mutate: (s) => (s.cluster.spec.encryptionConfig = false)},
  {id: 'H07', what: 'encryption at rest unset', mutate: (s) => delete s.cluster.spec.encryptionConfig},
  {id: 'H08', what: 'an unencrypted etcd volume', mutate: (s) => (s.cluster.spec.etcdClusters[1].etcdMembers[2].encryptedVolume = false)},
  {id: 'H08', what: 'production backups kept 30 days, shorter than kops\' 90', mutate: (s) => (s.cluster.spec.etcdClusters[0].manager.backupRetentionDays = 30)},
  {id: 'H08', what: 'sandbox backups kept 14 days, shorter than kops\' 90', base: 'sandbox', mutate: (s) => (s.cluster.spec.etcdClusters[1].manager.backupRetentionDays = 14)},
  {id: 'H08', what: 'the events etcd cluster missing', mutate: (s) => s.cluster.spec.etcdClusters.pop()},
  {id: 'H08', what: 'an etcd member without the cluster file\'s KMS key', base: 'bastion-kms', mutate: (s) => delete s.cluster.spec.etcdClusters[0].etcdMembers[0].kmsKeyId},
  {id: 'H09', what: 'no audit policy file', mutate: (s) => delete s.cluster.spec.kubeAPIServer.auditPolicyFile},
  {id: 'H09', what: 'the policy not shipped', mutate: (s) => (s.cluster.spec.fileAssets = [])},
  {id: 'H09', what: 'the shipped policy is not an audit Policy', mutate: (s) => (s.cluster.spec.fileAssets[0].content = 'kind: ConfigMap\n')},
  {id: 'H09', what: 'the policy shipped only to nodes', mutate: (s) => (s.cluster.spec.fileAssets[0].roles = ['Node'])},
  {id: 'H09', what: 'no audit log rotation', mutate: (s) => delete s.cluster.spec.kubeAPIServer.auditLogMaxBackups},
  {id: 'H10', what: 'IMDSv1 allowed', mutate: (s) => (ig(s, 'control-plane-eu-central-1a').spec.instanceMetadata.httpTokens = 'optional')},
  {id: 'H10', what: 'node hop limit 2', mutate: (s) => (ig(s, 'nodes-general').spec.instanceMetadata.httpPutResponseHopLimit = 2)},
  {id: 'H10', what: 'control-plane hop limit 4', mutate: (s) => (ig(s, 'control-plane-eu-central-1c').spec.instanceMetadata.httpPutResponseHopLimit = 4)},
  {id: 'H10', what: 'bastion without instance metadata settings', base: 'bastion-kms', mutate: (s) => delete ig(s, 'bastions').spec.instanceMetadata},
  {id: 'H11', what: 'an unencrypted root volume', mutate: (s) => (ig(s, 'nodes-general').spec.rootVolumeEncryption = false)},
  {id: 'H11', what: 'a root volume without the cluster file\'s KMS key', base: 'bastion-kms', mutate: (s) => delete ig(s, 'nodes-batch').spec.rootVolumeEncryptionKey},
  {id: 'H12', what: 'kubenet', mutate: (s) => (s.cluster.spec.networking = {kubenet: {}})},
  {id: 'H12', what: 'cilium with policy enforcement off', mutate: (s) => (s.cluster.spec.networking.cilium = {enablePolicy: 'never'})},
  {id: 'H12', what: 'calico replaced by flannel', base: 'calico', mutate: (s) => (s.cluster.spec.networking = {flannel: {}})},
  {id: 'H13', what: 'API server TLS 1.1', mutate: (s) => (s.cluster.spec.kubeAPIServer.tlsMinVersion = 'VersionTLS11')},
  {id: 'H13', what: 'kubelet TLS floor unset', mutate: (s) => delete s.cluster.spec.kubelet.tlsMinVersion},
  {id: 'H13', what: 'an InstanceGroup kubelet override with TLS 1.0', mutate: (s) => (ig(s, 'nodes-general').spec.kubelet = {tlsMinVersion: 'VersionTLS10'})},
  {id: 'H14', what: 'no AWS OIDC provider', mutate: (s) => (s.cluster.spec.serviceAccountIssuerDiscovery.enableAWSOIDCProvider = false)},
  {id: 'H14', what: 'no discovery store', mutate: (s) => delete s.cluster.spec.serviceAccountIssuerDiscovery.discoveryStore},
  {id: 'H14', what: 'addons fall back to node credentials', mutate: (s) => (s.cluster.spec.iam.useServiceAccountExternalPermissions = false)},
  {id: 'H14', what: 'the fluent-bit grant missing', mutate: (s) => s.cluster.spec.iam.serviceAccountExternalPermissions.pop()},
  {id: 'H14', what: 'an addon granted everything', mutate: (s) => (s.cluster.spec.iam.serviceAccountExternalPermissions[0].aws.inlinePolicy = JSON.stringify([{Effect: 'Allow', Action: '*', Resource: '*'}]))},
  {id: 'H14', what: 'an inline policy written as a whole policy document, which kops update refuses', mutate: (s) => (s.cluster.spec.iam.serviceAccountExternalPermissions[1].aws.inlinePolicy = JSON.stringify({Version: '2012-10-17', Statement: [{Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*'}]}))},
  {id: 'H14', what: 'pod identity webhook off', mutate: (s) => (s.cluster.spec.podIdentityWebhook.enabled = false)},
  {id: 'H15', what: 'node termination handler off', mutate: (s) => (s.cluster.spec.nodeTerminationHandler.enabled = false)},
  {id: 'H15', what: 'node termination handler in IMDS mode', mutate: (s) => (s.cluster.spec.nodeTerminationHandler.enableSQSTerminationDraining = false)},
  {id: 'H16', what: 'no owner tag', mutate: (s) => delete s.cluster.spec.cloudLabels['kopsmith.dev/owner']},
  {id: 'H16', what: 'managed-by someone else', mutate: (s) => (s.cluster.spec.cloudLabels['kopsmith.dev/managed-by'] = 'terraform')},
  {id: 'H16', what: 'a sandbox without expiry', base: 'sandbox', mutate: (s) => delete s.cluster.spec.cloudLabels['kopsmith.dev/expires-at']},
  {id: 'H16', what: 'a sandbox expiry that is not a time', base: 'sandbox', mutate: (s) => (s.cluster.spec.cloudLabels['kopsmith.dev/expires-at'] = 'next friday')},
  {id: 'H16', what: 'a node group without autoscaler discovery tags', mutate: (s) => delete ig(s, 'nodes-general').spec.cloudLabels},
  {id: 'H17', what: 'a subnet in Ireland', mutate: (s) => (s.cluster.spec.subnets[4].zone = 'eu-west-1b')},
  {id: 'H17', what: 'the state bucket in us-east-1', mutate: (s, c) => (c.bucketRegions = {...c.bucketRegions, [bucketOf(s.cluster.spec.configBase)]: 'us-east-1'})},
  {
    id: 'H17',
    what: 'the discovery store in a bucket S3 locates in us-west-2',
    mutate: (s, c) => {
      s.cluster.spec.serviceAccountIssuerDiscovery.discoveryStore = 's3://acme-oidc-elsewhere/prod'
      c.bucketRegions = {...c.bucketRegions, 'acme-oidc-elsewhere': 'us-west-2'}
    },
  },
  {id: 'H17', what: 'the state kept outside S3', mutate: (s) => (s.cluster.spec.configBase = 'file:///tmp/kops-state/prod')},
  {id: 'H17', what: 'an InstanceGroup pinned to a foreign zone', mutate: (s) => (ig(s, 'nodes-general').spec.zones = ['us-east-1a'])},
  {id: 'H18', what: 'Kubernetes newer than the kops binary', mutate: (s) => (s.cluster.spec.kubernetesVersion = '1.36.3')},
  {id: 'H18', what: 'a kops too old for this Kubernetes', mutate: (_s, c) => (c.kopsVersion = '1.33.4')},
  {id: 'H18', what: 'a Kubernetes below the kops floor', mutate: (s) => (s.cluster.spec.kubernetesVersion = '1.28.15')},
  {id: 'H19', what: 'an IAM role mapped to system:masters', mutate: (s) => s.cluster.spec.authentication.aws.identityMappings[0].groups.push('system:masters')},
  {id: 'H19', what: 'an IAM role logging in as a system: user', mutate: (s) => (s.cluster.spec.authentication.aws.identityMappings[1].username = 'system:kube-scheduler')},
  {id: 'H19', what: 'OIDC groups read without a prefix', base: 'sandbox', mutate: (s) => delete s.cluster.spec.kubeAPIServer.oidcGroupsPrefix},
  {id: 'H19', what: 'OIDC user names with the prefix switched off', base: 'sandbox', mutate: (s) => (s.cluster.spec.kubeAPIServer.oidcUsernamePrefix = '-')},
  {id: 'H19', what: 'OIDC groups prefixed into system:', base: 'sandbox', mutate: (s) => (s.cluster.spec.kubeAPIServer.oidcGroupsPrefix = 'system:')},
]

describe('HARDENING_CHECKS', () => {
  it('lists H01–H19 in order, each with a title, risk, kops field, expected value and fix', () => {
    expect(HARDENING_CHECKS.map((c) => c.id)).toEqual([...HARDENING_IDS])
    for (const check of HARDENING_CHECKS) {
      for (const key of ['title', 'risk', 'field', 'expected', 'fix'] as const) expect(check[key].length, `${check.id}.${key}`).toBeGreaterThan(5)
    }
  })

  it('has a breakage test for every id', () => {
    expect([...new Set(BREAKAGES.map((b) => b.id))]).toEqual([...HARDENING_IDS])
  })
})

describe('auditKopsSpec: each broken field fails exactly its check', () => {
  it.each(BREAKAGES.map((b) => [b.id, b.what, b] as const))('%s: %s', (id, _what, breakage) => {
    const {spec, context} = fresh(breakage.base ?? BASE)
    const before = auditKopsSpec(spec, context)
    expect(before.filter((r) => r.status !== 'pass')).toEqual([])
    breakage.mutate(spec, context)
    const results = auditKopsSpec(spec, context)
    expect(results.filter((r) => r.status !== 'pass').map((r) => r.id)).toEqual([id])
    const failed = results.find((r) => r.id === id) as CheckResult
    expect(failed.status).toBe('fail')
    expect(failed.findings.length).toBeGreaterThan(0)
    for (const f of failed.findings) expect(f.path).toMatch(/^(spec\.|instanceGroups\[|state bucket|discovery bucket)/)
  })
})

describe('auditKopsSpec: findings, unknowns and waivers', () => {
  it('names the field, the expected value and what is there', () => {
    const {spec, context} = fresh(BASE)
    spec.cluster.spec.api.loadBalancer.type = 'Public'
    ig(spec, 'nodes-general').spec.instanceMetadata.httpPutResponseHopLimit = 2
    const results = auditKopsSpec(spec, context)
    expect(results.find((r) => r.id === 'H02')?.findings).toEqual([{path: 'spec.api.loadBalancer.type', expected: 'Internal', actual: 'Public'}])
    expect(results.find((r) => r.id === 'H10')?.findings).toEqual([{path: 'instanceGroups[nodes-general].spec.instanceMetadata.httpPutResponseHopLimit', expected: '1', actual: 2}])
  })

  it('H03 names the list, the rule and what the CIDRs admit together', () => {
    const {spec, context} = fresh(BASE)
    spec.cluster.spec.kubernetesApiAccess = ['0.0.0.0/1', '128.0.0.0/1']
    expect(auditKopsSpec(spec, context).find((r) => r.id === 'H03')?.findings).toEqual([
      {path: 'spec.kubernetesApiAccess', expected: 'CIDRs that together admit at most a /8 of public IPv4 addresses', actual: '["0.0.0.0/1","128.0.0.0/1"]: the whole IPv4 internet'},
    ])
  })

  it('H03 passes private ranges, a corporate public /24 and IPv6 ULA', () => {
    const {spec, context} = fresh(BASE)
    spec.cluster.spec.kubernetesApiAccess = ['10.0.0.0/8', '172.16.0.0/12', '198.51.0.0/24', 'fd00::/8']
    spec.cluster.spec.nodePortAccess = ['192.168.0.0/16']
    expect(auditKopsSpec(spec, context).find((r) => r.id === 'H03')).toMatchObject({status: 'pass', findings: []})
  })

  it('reports unknown, never pass, when the kops version or the bucket regions are not known', () => {
    const {spec} = fresh(BASE)
    const results = auditKopsSpec(spec, {})
    expect(results.filter((r) => r.status !== 'pass').map((r) => [r.id, r.status])).toEqual([
      ['H17', 'unknown'],
      ['H18', 'unknown'],
    ])
    expect(results.find((r) => r.id === 'H17')?.note).toMatch(/--live/)
    const onlyState = auditKopsSpec(spec, {bucketRegions: {[bucketOf(spec.cluster.spec.configBase)]: 'eu-central-1'}, kopsVersion: '1.35.2'})
    expect(onlyState.find((r) => r.id === 'H17')?.status).toBe('unknown')
    expect(onlyState.find((r) => r.id === 'H17')?.note).toContain(bucketOf(spec.cluster.spec.serviceAccountIssuerDiscovery.discoveryStore))
  })

  it.each(['de-kops-1', 'ux-state-1', 'eu-west-1-archive', 'oidc.s3.us-west-2.amazonaws.com'])(
    'decides H17 by where S3 says the bucket is, never by its name: %s in eu-central-1 passes',
    (bucket) => {
      const {spec, context} = fresh(BASE)
      spec.cluster.spec.configBase = `s3://${bucket}/prod.k8s.acme.de`
      spec.cluster.spec.serviceAccountIssuerDiscovery.discoveryStore = `s3://${bucket}-oidc/prod.k8s.acme.de`
      const regions = {[bucket]: 'eu-central-1', [`${bucket}-oidc`]: 'eu-central-1'}
      expect(auditKopsSpec(spec, {...context, bucketRegions: regions}).find((r) => r.id === 'H17')).toMatchObject({status: 'pass', findings: []})
      // …and the same names fail when S3 places them elsewhere.
      const abroad = auditKopsSpec(spec, {...context, bucketRegions: {...regions, [bucket]: 'eu-west-1'}}).find((r) => r.id === 'H17')
      expect(abroad?.findings).toEqual([{path: `state bucket ${bucket}`, expected: 'located in eu-central-1', actual: 'eu-west-1'}])
    },
  )

  it('still fails H17 on what the spec shows while the bucket regions are unknown', () => {
    const {spec} = fresh(BASE)
    spec.cluster.spec.subnets[0].zone = 'us-east-1a'
    const h17 = auditKopsSpec(spec, {}).find((r) => r.id === 'H17')
    expect(h17?.status).toBe('fail')
    expect(h17?.findings).toEqual([{path: 'spec.subnets[0].zone', expected: 'a zone of eu-central-1', actual: 'us-east-1a'}])
  })

  it('reports a waived failure as waived, with the reason and the findings', () => {
    const {spec, context} = fresh(BASE)
    spec.cluster.spec.sshKeyName = 'ops-key'
    const results = auditKopsSpec(spec, {...context, waivers: [{id: 'H04', reason: 'break-glass key until the VPN exists'}]})
    const h04 = results.find((r) => r.id === 'H04')
    expect(h04).toMatchObject({status: 'waived', reason: 'break-glass key until the VPN exists'})
    expect(h04?.findings).toEqual([{path: 'spec.sshKeyName', expected: 'unset: no SSH key without a bastion', actual: 'ops-key'}])
    expect(results.filter((r) => r.status === 'fail')).toEqual([])
  })

  it('a waiver on a passing check changes nothing; a waiver covers an unknown', () => {
    const {spec} = fresh(BASE)
    const results = auditKopsSpec(spec, {waivers: [{id: 'H02', reason: 'not needed but harmless'}, {id: 'H18', reason: 'kops is pinned in CI'}]})
    expect(results.find((r) => r.id === 'H02')?.status).toBe('pass')
    expect(results.find((r) => r.id === 'H18')).toMatchObject({status: 'waived', reason: 'kops is pinned in CI'})
  })

  it('accepts the spec as kops stores it: ControlPlane role, no legacy topology fields, unset retention', () => {
    const {spec, context} = fresh(BASE)
    delete spec.cluster.spec.topology.masters
    delete spec.cluster.spec.topology.nodes
    for (const etcd of spec.cluster.spec.etcdClusters) delete etcd.manager
    ig(spec, 'control-plane-eu-central-1a').spec.role = 'ControlPlane'
    expect(auditKopsSpec(spec, context).filter((r) => r.status !== 'pass')).toEqual([])
  })

  it('H19 names each system: group of a mapping, and leaves OIDC groups alone when no groups claim is read', () => {
    const {spec, context} = fresh(BASE)
    spec.cluster.spec.authentication.aws.identityMappings[0].groups = ['payments-devs', 'system:masters', 'system:nodes']
    expect(auditKopsSpec(spec, context).find((r) => r.id === 'H19')?.findings).toEqual([
      {path: 'spec.authentication.aws.identityMappings[0].groups[1]', expected: 'a group outside system:', actual: 'system:masters'},
      {path: 'spec.authentication.aws.identityMappings[0].groups[2]', expected: 'a group outside system:', actual: 'system:nodes'},
    ])
    const oidc = fresh('sandbox')
    delete oidc.spec.cluster.spec.kubeAPIServer.oidcGroupsClaim
    delete oidc.spec.cluster.spec.kubeAPIServer.oidcGroupsPrefix
    expect(auditKopsSpec(oidc.spec, oidc.context).find((r) => r.id === 'H19')?.status).toBe('pass')
  })

  it('H18 passes a Kubernetes version inside the window of the kops in use and fails an unknown kops', () => {
    const {spec, context} = fresh(BASE)
    expect(auditKopsSpec(spec, {...context, kopsVersion: '1.36.2'}).find((r) => r.id === 'H18')?.status).toBe('pass')
    const unknownKops = auditKopsSpec(spec, {...context, kopsVersion: '1.20.0'}).find((r) => r.id === 'H18')
    expect(unknownKops?.status).toBe('fail')
  })

  it('a rendered sandbox without a stamped expiry fails H16: create must stamp it first', async () => {
    const {cluster, instanceGroups} = rendered.get('sandbox')!
    const unstamped = structuredClone({cluster, instanceGroups}) as Spec
    delete unstamped.cluster.spec.cloudLabels['kopsmith.dev/expires-at']
    const h16 = auditKopsSpec(unstamped, contexts.get('sandbox')).find((r) => r.id === 'H16')
    expect(h16?.findings).toEqual([{path: 'spec.cloudLabels[kopsmith.dev/expires-at]', expected: 'an RFC 3339 time', actual: undefined}])
  })
})

describe('auditContextFor', () => {
  it('expects IRSA only for the addons that call AWS and are enabled', () => {
    expect(auditContextFor(loadConfig('examples/production.yaml')).expected.irsaServiceAccounts).toEqual([
      {namespace: 'kube-system', name: 'cluster-autoscaler'},
      {namespace: 'logging', name: 'fluent-bit'},
    ])
    // calico case ships logs to OpenSearch: no CloudWatch grant expected
    expect(auditContextFor(loadConfig('test/golden/calico/cluster.yaml')).expected.irsaServiceAccounts).toEqual([{namespace: 'kube-system', name: 'cluster-autoscaler'}])
  })
})
