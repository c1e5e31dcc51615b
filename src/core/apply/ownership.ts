import type {KubeObject, KubeResourceRef} from '../../ports.js'
import {refKey, refOf} from './phases.js'

/** Every object kopsmith applies carries these, so later runs can find (and prune) exactly what is ours. */
export const MANAGED_BY = {'app.kubernetes.io/managed-by': 'kopsmith'} as const
export const ADDON_LABEL = 'kopsmith.dev/addon'
export const NAMESPACE_SET_LABEL = 'kopsmith.dev/namespace-set'
export const FIELD_MANAGER = 'kopsmith'

export function addonOwnerLabels(addon: string): Record<string, string> {
  return {...MANAGED_BY, [ADDON_LABEL]: addon}
}

export function namespaceSetOwnerLabels(set: string): Record<string, string> {
  return {...MANAGED_BY, [NAMESPACE_SET_LABEL]: set}
}

/** A copy of `object` with `labels` merged into metadata.labels (ours win). */
export function withLabels<T extends KubeObject>(object: T, labels: Record<string, string>): T {
  return {...object, metadata: {...object.metadata, labels: {...object.metadata.labels, ...labels}}}
}

export function hasLabels(object: KubeObject, labels: Record<string, string>): boolean {
  const own = object.metadata.labels ?? {}
  return Object.entries(labels).every(([k, v]) => own[k] === v)
}

/**
 * What prune deletes: live objects carrying every owner label of the scope that the desired set no
 * longer contains. Objects without our labels are never selected, whatever their name.
 * The order deletes namespaced objects before cluster-scoped ones (Namespaces last).
 */
export function selectPrunable(live: readonly KubeObject[], desired: readonly KubeObject[], ownerLabels: Record<string, string>): KubeResourceRef[] {
  const wanted = new Set(desired.map((o) => refKey(refOf(o))))
  const seen = new Set<string>()
  const out: KubeResourceRef[] = []
  for (const object of live) {
    if (!hasLabels(object, ownerLabels)) continue
    const ref = refOf(object)
    const key = refKey(ref)
    if (wanted.has(key) || seen.has(key)) continue
    seen.add(key)
    out.push(ref)
  }
  const rank = (r: KubeResourceRef) => (r.kind === 'Namespace' ? 2 : r.namespace ? 0 : 1)
  return out.sort((a, b) => rank(a) - rank(b) || refKey(a).localeCompare(refKey(b)))
}

/**
 * Kinds prune looks at besides the ones currently rendered (an object of a kind we no longer render
 * at all must still be found). CustomResourceDefinitions are deliberately absent: deleting a CRD
 * deletes every custom resource of it in the cluster, which no prune should do silently.
 */
export const PRUNABLE_KINDS: ReadonlyArray<{apiVersion: string; kind: string}> = [
  {apiVersion: 'v1', kind: 'Namespace'},
  {apiVersion: 'v1', kind: 'ServiceAccount'},
  {apiVersion: 'v1', kind: 'ConfigMap'},
  {apiVersion: 'v1', kind: 'Secret'},
  {apiVersion: 'v1', kind: 'Service'},
  {apiVersion: 'v1', kind: 'ResourceQuota'},
  {apiVersion: 'v1', kind: 'LimitRange'},
  {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role'},
  {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding'},
  {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole'},
  {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding'},
  {apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy'},
  {apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass'},
  {apiVersion: 'policy/v1', kind: 'PodDisruptionBudget'},
  {apiVersion: 'apps/v1', kind: 'Deployment'},
  {apiVersion: 'apps/v1', kind: 'DaemonSet'},
  {apiVersion: 'apps/v1', kind: 'StatefulSet'},
  {apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration'},
  {apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration'},
]

/** The kinds to list for prune: the rendered kinds plus `extra`, without CRDs, each once. */
export function pruneKinds(desired: readonly KubeObject[], extra: ReadonlyArray<{apiVersion: string; kind: string}> = PRUNABLE_KINDS): Array<{apiVersion: string; kind: string}> {
  const out = new Map<string, {apiVersion: string; kind: string}>()
  for (const k of [...extra, ...desired.map((o) => ({apiVersion: o.apiVersion, kind: o.kind}))]) {
    if (k.kind === 'CustomResourceDefinition') continue
    out.set(`${k.apiVersion} ${k.kind}`, k)
  }
  return [...out.values()]
}
