import type {KubeObject} from '../../ports.js'
import {ADDON_IDENTITIES} from '../addons/identities.js'
import {namespaceSetOwnerLabels} from '../apply/ownership.js'
import type {NamespaceEntry, NamespaceSet} from './schema.js'

export const APP_LABEL = 'kopsmith.dev/app'
export const DEFAULT_NAMESPACE_SET = 'default'

export interface RenderNamespacesOptions {
  /** Ownership scope for prune; one set per cluster unless a caller needs more. */
  setName?: string
  /** `pod-security.kubernetes.io/*-version`; `latest` follows the cluster's minor. */
  podSecurityVersion?: string
}

/** Every object of every namespace in the set, in file order (apply phases sort them later). */
export function renderNamespaceSet(set: NamespaceSet, options: RenderNamespacesOptions = {}): KubeObject[] {
  return set.namespaces.flatMap((entry) => renderNamespace(entry, options))
}

/**
 * One application namespace: Pod Security `restricted`, quota, default limits, default-deny network
 * policies with allow rules (DNS always; ingress controller and extra egress when asked), the team
 * bound to `edit`, and optionally a CI `deployer` identity limited to deploy-relevant verbs.
 */
/**
 * The rendered objects of a set, one group per namespace in the file's order: the Namespace itself
 * and everything that lives in it. One pass over the objects (a set of 4,000 namespaces renders
 * about 40,000 objects; filtering them once per namespace took 23 s).
 */
export function groupByNamespace(set: NamespaceSet, objects: readonly KubeObject[]): Array<{namespace: string; objects: KubeObject[]}> {
  const groups = new Map<string, KubeObject[]>(set.namespaces.map((n) => [n.name, []]))
  for (const object of objects) {
    const namespace = object.kind === 'Namespace' ? object.metadata.name : object.metadata.namespace
    if (namespace !== undefined) groups.get(namespace)?.push(object)
  }
  return [...groups].map(([namespace, own]) => ({namespace, objects: own}))
}

export function renderNamespace(entry: NamespaceEntry, options: RenderNamespacesOptions = {}): KubeObject[] {
  const ns = entry.name
  const version = options.podSecurityVersion ?? 'latest'
  const labels = {...namespaceSetOwnerLabels(options.setName ?? DEFAULT_NAMESPACE_SET), [APP_LABEL]: ns}
  const meta = (name: string) => ({name, namespace: ns, labels})
  const objects: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns,
        labels: {
          ...labels,
          'kopsmith.dev/team': toLabelValue(entry.team),
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': version,
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': version,
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': version,
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: meta('quota'),
      spec: {
        hard: {
          'requests.cpu': entry.quota.cpu,
          'requests.memory': entry.quota.memory,
          'limits.cpu': entry.quota.cpu,
          'limits.memory': entry.quota.memory,
          pods: String(entry.quota.pods),
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: meta('defaults'),
      spec: {
        limits: [
          {
            type: 'Container',
            default: {cpu: entry.limits.cpu, memory: entry.limits.memory},
            defaultRequest: {cpu: entry.limits.cpu, memory: entry.limits.memory},
          },
        ],
      },
    },
    networkPolicy(meta('default-deny'), {podSelector: {}, policyTypes: ['Ingress', 'Egress']}),
    networkPolicy(meta('allow-dns'), {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{namespaceSelector: {matchLabels: {'kubernetes.io/metadata.name': 'kube-system'}}, podSelector: {matchLabels: {'k8s-app': 'kube-dns'}}}],
          ports: [
            {protocol: 'UDP', port: 53},
            {protocol: 'TCP', port: 53},
          ],
        },
      ],
    }),
  ]
  if (entry.ingress) {
    objects.push(
      networkPolicy(meta('allow-from-ingress'), {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{from: [{namespaceSelector: {matchLabels: {'kubernetes.io/metadata.name': ADDON_IDENTITIES.ingress.namespace}}}]}],
      }),
    )
  }
  if (entry.egress.length > 0) {
    objects.push(
      networkPolicy(meta('allow-egress'), {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: entry.egress.map((rule) => ({to: [{ipBlock: {cidr: rule.cidr}}], ports: rule.ports.map((port) => ({protocol: 'TCP', port}))})),
      }),
    )
  }
  objects.push({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta('team-edit'),
    roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit'},
    subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: entry.team}],
  })
  if (entry.deployer) objects.push(...deployer(ns, meta))
  return objects
}

const WRITE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']
const READ = ['get', 'list', 'watch']

/**
 * What a CI deploy needs, and nothing else: the deployer ServiceAccount's Role in its own
 * namespace (docs/access.md lists it; a test keeps that table in sync). Never RBAC, NetworkPolicies,
 * quotas, the namespace itself, pods/exec or other ServiceAccounts' tokens.
 */
export const DEPLOYER_RULES = [
  {apiGroups: ['apps'], resources: ['deployments'], verbs: WRITE},
  {apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get', 'update', 'patch']},
  // RBAC cannot tell which Secrets the deployer wrote: it reaches a Secret only by name, never by
  // listing or watching, so it cannot read every Secret of the namespace.
  {apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'update', 'patch', 'delete']},
  {apiGroups: [''], resources: ['services', 'configmaps'], verbs: WRITE},
  {apiGroups: ['batch'], resources: ['jobs'], verbs: WRITE},
  {apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: WRITE},
  {apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: WRITE},
  // Enough to follow a rollout and report why it failed (rollout status, logs, events).
  {apiGroups: ['apps'], resources: ['replicasets'], verbs: READ},
  {apiGroups: [''], resources: ['pods', 'pods/log', 'events'], verbs: READ},
]

function deployer(ns: string, meta: (name: string) => KubeObject['metadata']): KubeObject[] {
  return [
    // CI authenticates with a short-lived token it requests; pods never mount this identity.
    {apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('deployer'), automountServiceAccountToken: false},
    {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta('deployer'), rules: DEPLOYER_RULES},
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta('deployer'),
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer'},
      subjects: [{kind: 'ServiceAccount', name: 'deployer', namespace: ns}],
    },
  ]
}

function networkPolicy(metadata: KubeObject['metadata'], spec: Record<string, unknown>): KubeObject {
  return {apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata, spec}
}

/** Group names may hold characters a label value cannot; keep the label informative and valid. */
function toLabelValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '').slice(0, 63)
}
