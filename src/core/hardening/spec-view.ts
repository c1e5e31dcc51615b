/**
 * Read-only helpers over kops objects as plain data. The audit reads both what we render and what
 * kops stored (possibly edited by hand), so nothing here trusts a field's presence or type.
 */
export type Json = Record<string, unknown>

export interface KopsSpecInput {
  cluster: object
  instanceGroups: readonly object[]
}

export interface InstanceGroupView {
  name: string
  role: string
  spec: Json
  /** Prefix for finding paths: `instanceGroups[<name>]`. */
  at: string
}

export interface SpecView {
  name: string
  spec: Json
  instanceGroups: InstanceGroupView[]
}

export function viewOf(input: KopsSpecInput): SpecView {
  const cluster = input.cluster as Json
  return {
    name: stringAt(cluster, 'metadata.name') ?? '',
    spec: objectAt(cluster, 'spec') ?? {},
    instanceGroups: input.instanceGroups.map((ig, i) => {
      const object = ig as Json
      const name = stringAt(object, 'metadata.name') ?? `#${i}`
      const spec = objectAt(object, 'spec') ?? {}
      return {name, role: typeof spec.role === 'string' ? spec.role : '', spec, at: `instanceGroups[${name}]`}
    }),
  }
}

/** kops v1alpha2 writes the control-plane role as `Master`; it also reads `ControlPlane`. */
export function isControlPlaneRole(role: string): boolean {
  return role === 'Master' || role === 'ControlPlane' || role === 'APIServer'
}

export function valueAt(root: unknown, path: string): unknown {
  let current: unknown = root
  for (const key of path.split('.')) {
    if (!isJson(current)) return undefined
    current = current[key]
  }
  return current
}

export function objectAt(root: unknown, path: string): Json | undefined {
  const value = valueAt(root, path)
  return isJson(value) ? value : undefined
}

export function stringAt(root: unknown, path: string): string | undefined {
  const value = valueAt(root, path)
  return typeof value === 'string' ? value : undefined
}

export function arrayAt(root: unknown, path: string): unknown[] | undefined {
  const value = valueAt(root, path)
  return Array.isArray(value) ? value : undefined
}

export function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
