import type {KubeObject} from '../../ports.js'

export interface RolloutState {
  done: boolean
  /** kubectl-style progress text, e.g. `2 of 3 updated replicas are available`. */
  message: string
}

type Status = Record<string, number | undefined>

/**
 * Whether a Deployment or DaemonSet finished rolling out, by the same rules as `kubectl rollout
 * status`: the controller has observed the latest generation, every replica runs the new template,
 * and the new replicas are available.
 */
export function rolloutState(object: KubeObject): RolloutState {
  const generation = (object.metadata.generation as number | undefined) ?? 0
  const status = (object.status ?? {}) as Status
  const spec = (object.spec ?? {}) as {replicas?: number}
  if ((status.observedGeneration ?? -1) < generation) return {done: false, message: 'waiting for the controller to observe the new generation'}
  if (object.kind === 'Deployment') {
    const want = spec.replicas ?? 1
    const updated = status.updatedReplicas ?? 0
    const total = status.replicas ?? 0
    const available = status.availableReplicas ?? 0
    if (updated < want) return {done: false, message: `${updated} of ${want} replicas updated`}
    if (total > updated) return {done: false, message: `${total - updated} old replicas pending termination`}
    if (available < updated) return {done: false, message: `${available} of ${updated} updated replicas are available`}
    return {done: true, message: `${available} of ${want} replicas available`}
  }
  if (object.kind === 'DaemonSet') {
    const desired = status.desiredNumberScheduled ?? 0
    const updated = status.updatedNumberScheduled ?? 0
    const available = status.numberAvailable ?? 0
    if (updated < desired) return {done: false, message: `${updated} of ${desired} pods updated`}
    if (available < desired) return {done: false, message: `${available} of ${desired} updated pods are available`}
    return {done: true, message: `${available} of ${desired} pods available`}
  }
  if (object.kind === 'StatefulSet') {
    const want = (spec.replicas ?? 1)
    const ready = status.readyReplicas ?? 0
    const updated = status.updatedReplicas ?? 0
    if (updated < want || ready < want) return {done: false, message: `${ready} of ${want} replicas ready`}
    return {done: true, message: `${ready} of ${want} replicas ready`}
  }
  return {done: true, message: 'no rollout'}
}

export function hasRollout(object: Pick<KubeObject, 'kind'>): boolean {
  return object.kind === 'Deployment' || object.kind === 'DaemonSet' || object.kind === 'StatefulSet'
}

/** Whether a CustomResourceDefinition reports `Established=True` (its API is served). */
export function isEstablished(crd: KubeObject | undefined): boolean {
  const conditions = ((crd?.status as {conditions?: Array<{type: string; status: string}>} | undefined)?.conditions) ?? []
  return conditions.some((c) => c.type === 'Established' && c.status === 'True')
}
