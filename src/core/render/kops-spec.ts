import {parseAllDocuments, stringify} from 'yaml'

import {autoscalerDiscoveryTags} from '../addons/identities.js'
import type {ClusterConfig, NodeGroupConfig} from '../config/types.js'
import {
  BASTION_IG,
  configBase,
  controlPlaneIgName,
  discoveryStore,
  etcdMemberName,
  KOPS_CLUSTER_LABEL,
  KOPS_INSTANCEGROUP_LABEL,
  LABELS,
  MANAGED_BY,
  nodeIgName,
  privateSubnetName,
} from '../naming.js'
import {renderAuthentication} from './authentication.js'
import {addonServiceAccountPermissions} from './irsa.js'
import {deriveSubnets} from './subnets.js'

export const KOPS_API_VERSION = 'kops.k8s.io/v1alpha2'

/** A kops v1alpha2 object as plain data (what `kops create -f` reads and kops stores). */
export interface KopsObject {
  apiVersion: string
  kind: 'Cluster' | 'InstanceGroup'
  metadata: {name: string; labels?: Record<string, string>; [key: string]: unknown}
  spec: Record<string, unknown>
}

export interface RenderedSpec {
  cluster: KopsObject
  /** Sorted by name. */
  instanceGroups: KopsObject[]
  /** Multi-document YAML for `kops create -f`: the Cluster first, then the InstanceGroups. */
  manifest: string
}

export interface KopsTemplates {
  cluster: string
  instanceGroup: string
  auditPolicy: string
}

export interface RenderOptions {
  /** RFC 3339 expiry of a sandbox; overrides `config.expiresAt`. Never derived from a clock here. */
  expiresAt?: string
}

type Json = Record<string, unknown>

/**
 * Fills the hardened templates from a resolved cluster file. Pure and byte-for-byte deterministic:
 * keys sorted (as kops writes them), no timestamps except an expiry passed in.
 */
export function renderKopsSpec(config: ClusterConfig, templates: KopsTemplates, options: RenderOptions = {}): RenderedSpec {
  const igTemplates = parseInstanceGroupTemplates(templates.instanceGroup)
  const controlPlaneZones = config.zones.slice(0, config.controlPlane.count)
  const controlPlanes = controlPlaneZones.map((zone) =>
    instanceGroup(config, igTemplates, 'Master', controlPlaneIgName(zone), {
      machineType: config.controlPlane.instanceType,
      minSize: 1,
      maxSize: 1,
      subnets: [privateSubnetName(zone)],
    }),
  )
  const nodes = config.nodeGroups.map((group) => instanceGroup(config, igTemplates, 'Node', nodeIgName(group.name), nodeGroupSpec(config, group)))
  const bastions = config.bastion.enabled
    ? [instanceGroup(config, igTemplates, 'Bastion', BASTION_IG, {subnets: config.zones.map(privateSubnetName)})]
    : []
  const instanceGroups = [...controlPlanes, ...nodes, ...bastions].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))

  const cluster = renderCluster(config, templates, controlPlaneZones, options)
  // The YAML text is only needed when something is written or applied; a plain dry run never is.
  let manifest: string | undefined
  return {
    cluster,
    instanceGroups,
    get manifest(): string {
      return (manifest ??= [cluster, ...instanceGroups].map(toYaml).join('---\n'))
    },
  }
}

/** YAML as kubectl and kops read it (1.1: `yes`, `on`, timestamps quoted), keys sorted, no folding. */
export function toYaml(value: unknown): string {
  return stringify(value, {version: '1.1', sortMapEntries: true, lineWidth: 0})
}

function renderCluster(config: ClusterConfig, templates: KopsTemplates, controlPlaneZones: string[], options: RenderOptions): KopsObject {
  const template = parseSingle(templates.cluster, 'Cluster')
  const spec = template.spec
  const kmsKeyId = config.stateStore.kmsKeyId
  const expiresAt = options.expiresAt ?? config.expiresAt

  spec.kubernetesVersion = config.kubernetesVersion
  spec.configBase = configBase(config.stateStore.bucket, config.name)
  spec.dnsZone = config.dns.zone
  const topology = objectAt(spec, 'topology')
  topology.dns = {type: config.dns.type === 'private' ? 'Private' : 'Public'}
  if (config.bastion.enabled) topology.bastion = {loadBalancer: {type: 'Internal'}}
  spec.networkCIDR = config.network.cidr
  spec.subnets = deriveSubnets(config.network.cidr, config.zones).map(({name, zone, type, cidr}) => ({name, zone, type, cidr}))
  spec.kubernetesApiAccess = [...config.access.api]
  spec.sshAccess = [...config.access.ssh]
  spec.networking = {[config.network.cni]: {}}
  renderAuthentication(spec, config.name, config.authentication)

  spec.etcdClusters = arrayAt(spec, 'etcdClusters').map((etcd) => {
    const [prototype = {}] = arrayAt(etcd, 'etcdMembers')
    return {
      ...etcd,
      etcdMembers: controlPlaneZones.map((zone) => ({
        ...prototype,
        name: etcdMemberName(zone),
        instanceGroup: controlPlaneIgName(zone),
        ...(kmsKeyId ? {kmsKeyId} : {}),
      })),
      manager: {...objectAt(etcd, 'manager'), backupRetentionDays: config.etcd.backupRetentionDays},
    }
  })

  const auditPolicyFile = objectAt(spec, 'kubeAPIServer').auditPolicyFile
  const assets = arrayAt(spec, 'fileAssets')
  const auditAsset = assets.find((a) => a.path === auditPolicyFile)
  if (!auditAsset) throw new Error(`templates/cluster.yaml: no fileAssets entry for the audit policy ${String(auditPolicyFile)}`)
  auditAsset.content = templates.auditPolicy

  objectAt(spec, 'serviceAccountIssuerDiscovery').discoveryStore = discoveryStore(config.stateStore.discoveryBucket, config.name)
  const permissions = addonServiceAccountPermissions(config)
  if (permissions.length > 0) objectAt(spec, 'iam').serviceAccountExternalPermissions = permissions

  spec.cloudLabels = {
    [LABELS.owner]: config.owner,
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.profile]: config.profile,
    ...(config.profile === 'sandbox' && expiresAt ? {[LABELS.expiresAt]: expiresAt} : {}),
  }
  return sortKeys({apiVersion: template.apiVersion, kind: 'Cluster', metadata: {name: config.name}, spec}) as KopsObject
}

function nodeGroupSpec(config: ClusterConfig, group: NodeGroupConfig): Json {
  for (const zone of group.zones) {
    if (!config.zones.includes(zone)) throw new Error(`node group ${group.name} uses zone ${zone}, which is not one of the cluster's zones`)
  }
  return {
    machineType: group.instanceType,
    minSize: group.minSize,
    maxSize: group.maxSize,
    subnets: group.zones.map(privateSubnetName),
    cloudLabels: autoscalerDiscoveryTags(config.name),
    // Spot through an EC2 fleet policy: 100 % spot above a zero on-demand base, capacity-optimized
    // so interruptions are rare; the node termination handler drains on interruption notices.
    ...(group.spot
      ? {mixedInstancesPolicy: {instances: [group.instanceType], onDemandBase: 0, onDemandAboveBase: 0, spotAllocationStrategy: 'capacity-optimized'}}
      : {}),
  }
}

type IgRole = 'Master' | 'Node' | 'Bastion'

function instanceGroup(config: ClusterConfig, templates: Map<string, KopsObject>, role: IgRole, name: string, fill: Json): KopsObject {
  const template = templates.get(role)
  if (!template) throw new Error(`templates/instancegroup.yaml has no document with spec.role ${role}`)
  const spec: Json = {...structuredClone(template.spec), ...fill, nodeLabels: {[KOPS_INSTANCEGROUP_LABEL]: name}}
  const kmsKeyId = config.stateStore.kmsKeyId
  if (kmsKeyId) spec.rootVolumeEncryptionKey = kmsKeyId
  return sortKeys({
    apiVersion: template.apiVersion,
    kind: 'InstanceGroup',
    metadata: {name, labels: {[KOPS_CLUSTER_LABEL]: config.name}},
    spec,
  }) as KopsObject
}

// Templates are parsed with the YAML 1.2 core schema: they are written so that 1.1 and 1.2 read
// them alike (a test checks it), and building the 1.1 schema only for them would cost start-up.
// What kops and kubectl read is YAML 1.1, which is what toYaml emits.
function parseInstanceGroupTemplates(text: string): Map<string, KopsObject> {
  const byRole = new Map<string, KopsObject>()
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`templates/instancegroup.yaml: ${doc.errors[0]?.message}`)
    const object = checkedTemplate(doc.toJS(), 'InstanceGroup')
    byRole.set(String(object.spec.role), object)
  }
  return byRole
}

function parseSingle(text: string, kind: KopsObject['kind']): KopsObject {
  const docs = parseAllDocuments(text)
  const [doc] = docs
  if (docs.length !== 1 || !doc || doc.errors.length > 0) throw new Error(`the ${kind} template must be exactly one YAML document`)
  return checkedTemplate(doc.toJS(), kind)
}

function checkedTemplate(value: unknown, kind: KopsObject['kind']): KopsObject {
  const object = value as Partial<KopsObject> | null
  if (!object || object.apiVersion !== KOPS_API_VERSION || object.kind !== kind || !isObject(object.spec)) {
    throw new Error(`a ${kind} template must have apiVersion ${KOPS_API_VERSION}, kind ${kind} and a spec`)
  }
  return {apiVersion: object.apiVersion, kind, metadata: {name: ''}, spec: object.spec}
}

function objectAt(parent: Json, key: string): Json {
  const value = parent[key]
  if (isObject(value)) return value
  const created: Json = {}
  parent[key] = created
  return created
}

function arrayAt(parent: Json, key: string): Json[] {
  const value = parent[key]
  return Array.isArray(value) ? (value.filter(isObject) as Json[]) : []
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Deep copy with object keys in code-point order, so JSON output is as stable as the YAML. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (isObject(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys(value[k])]),
    )
  }
  return value
}
