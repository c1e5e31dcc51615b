import type {KubeObject, KubeResourceRef} from '../../ports.js'

/**
 * Apply order. Namespaces and CRDs first (CRDs must be Established before any custom resource),
 * identities and permissions before the things that use them, workloads once their config exists,
 * admission webhooks last so they never block the apply of their own backends.
 */
export const PHASES = ['namespaces', 'crds', 'rbac', 'config', 'workloads', 'webhooks'] as const
export type Phase = (typeof PHASES)[number]

const PHASE_BY_KIND: Readonly<Record<string, Phase>> = {
  Namespace: 'namespaces',
  CustomResourceDefinition: 'crds',
  ServiceAccount: 'rbac',
  Role: 'rbac',
  ClusterRole: 'rbac',
  RoleBinding: 'rbac',
  ClusterRoleBinding: 'rbac',
  Deployment: 'workloads',
  DaemonSet: 'workloads',
  StatefulSet: 'workloads',
  MutatingWebhookConfiguration: 'webhooks',
  ValidatingWebhookConfiguration: 'webhooks',
  ValidatingAdmissionPolicy: 'webhooks',
  ValidatingAdmissionPolicyBinding: 'webhooks',
}

/** Everything not listed (ConfigMap, Service, PDB, IngressClass, NetworkPolicy, quotas, custom resources…) is config. */
export function phaseOf(object: Pick<KubeObject, 'kind'>): Phase {
  return PHASE_BY_KIND[object.kind] ?? 'config'
}

export interface ApplyPhase {
  phase: Phase
  objects: KubeObject[]
}

/** Groups objects by phase in PHASES order, keeping the given order inside a phase; empty phases are left out. */
export function buildApplyPhases(objects: readonly KubeObject[]): ApplyPhase[] {
  const byPhase = new Map<Phase, KubeObject[]>()
  for (const object of objects) {
    const phase = phaseOf(object)
    const list = byPhase.get(phase) ?? []
    list.push(object)
    byPhase.set(phase, list)
  }
  return PHASES.flatMap((phase) => {
    const list = byPhase.get(phase)
    return list ? [{phase, objects: list}] : []
  })
}

/** A stable order for files and goldens: phase, then kind, namespace, name. */
export function sortForApply(objects: readonly KubeObject[]): KubeObject[] {
  const rank = (o: KubeObject) => PHASES.indexOf(phaseOf(o))
  return [...objects].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      a.kind.localeCompare(b.kind) ||
      (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') ||
      a.metadata.name.localeCompare(b.metadata.name),
  )
}

export function refOf(object: KubeObject): KubeResourceRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace ? {namespace: object.metadata.namespace} : {}),
  }
}

/** `apps/v1 Deployment traefik/traefik` — one key per object, used for sets and messages. */
export function refKey(ref: KubeResourceRef): string {
  return `${ref.apiVersion} ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`
}

/** `Deployment traefik/traefik`, for progress lines. */
export function describeRef(ref: KubeResourceRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`
}

/** Splits `apps/v1` into group `apps` and version `v1`; the core group is ``. */
export function splitApiVersion(apiVersion: string): {group: string; version: string} {
  const slash = apiVersion.indexOf('/')
  return slash < 0 ? {group: '', version: apiVersion} : {group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1)}
}
