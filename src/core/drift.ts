import {isJson, type Json, type KopsSpecInput} from './hardening/spec-view.js'

export interface DriftEntry {
  /** `spec.api.loadBalancer.type` (Cluster) or `instanceGroups[<name>].spec.maxSize`; a whole missing or extra InstanceGroup is `instanceGroups[<name>]`. */
  path: string
  /** undefined: not in the rendered spec. */
  desired: unknown
  /** undefined: not in the stored spec. */
  live: unknown
}

/**
 * Fields kops writes itself into the specs it stores, so they are never drift.
 * (kops-contract.md; pkg/apis/kops/v1alpha2/conversion.go and the vfs clientset.)
 */
export const DRIFT_IGNORED = {
  /** Set by the state store on create/update, on every object. */
  metadata: ['metadata.creationTimestamp', 'metadata.generation', 'metadata.uid', 'metadata.resourceVersion', 'metadata.managedFields'],
  cluster: [
    // Derived from configBase during `kops update`; present only in a completed spec.
    'spec.configStore',
    'spec.keyStore',
    'spec.secretStore',
    // Unused since kops 1.28 (placement follows the subnet types) and dropped when kops stores the
    // spec, so the copy we render for older readers never comes back.
    'spec.topology.masters',
    'spec.topology.nodes',
    // Older kops fill these in from the cluster name.
    'spec.masterPublicName',
    'spec.masterInternalName',
  ],
  /** Ignored only when the rendered spec leaves them out: `kops upgrade cluster` pins the channel image. */
  instanceGroupWhenUnset: ['spec.image'],
} as const

/**
 * Field-level difference between the spec kopsmith renders and the spec kops stored. Stable order:
 * the Cluster first, then InstanceGroups by name, fields in key order. Absent, null, `""` and `[]`
 * are the same (kops stores with `omitempty`); lists of plain values compare as sets; lists of
 * named objects (subnets, etcd clusters and members, file assets, IRSA entries) are matched by name.
 */
export function diffSpecs(desired: KopsSpecInput, live: KopsSpecInput): DriftEntry[] {
  const out: DriftEntry[] = []
  diffObject(desired.cluster as Json, live.cluster as Json, '', '', clusterIgnore(), out)

  const desiredIgs = byName(desired.instanceGroups)
  const liveIgs = byName(live.instanceGroups)
  const names = [...new Set([...desiredIgs.keys(), ...liveIgs.keys()])].sort()
  for (const name of names) {
    const d = desiredIgs.get(name)
    const l = liveIgs.get(name)
    const prefix = `instanceGroups[${name}]`
    if (!d || !l) {
      out.push({path: prefix, desired: d, live: l})
      continue
    }
    const ignore = new Set<string>(DRIFT_IGNORED.metadata)
    for (const path of DRIFT_IGNORED.instanceGroupWhenUnset) if (isAbsent(valueAt(d, path))) ignore.add(path)
    diffObject(d, l, '', `${prefix}.`, ignore, out)
  }
  return out
}

function clusterIgnore(): Set<string> {
  return new Set<string>([...DRIFT_IGNORED.metadata, ...DRIFT_IGNORED.cluster])
}

function diffValue(desired: unknown, live: unknown, path: string, display: string, ignore: Set<string>, out: DriftEntry[]): void {
  if (ignore.has(path)) return
  if (isAbsent(desired) && isAbsent(live)) return
  if (isJson(desired) && isJson(live)) return diffObject(desired, live, `${path}.`, `${display}.`, ignore, out)
  if (Array.isArray(desired) && Array.isArray(live)) return diffArray(desired, live, path, display, ignore, out)
  if (!deepEqual(desired, live)) out.push({path: display, desired: presentOrUndefined(desired), live: presentOrUndefined(live)})
}

function diffObject(desired: Json, live: Json, pathPrefix: string, displayPrefix: string, ignore: Set<string>, out: DriftEntry[]): void {
  const keys = [...new Set([...Object.keys(desired), ...Object.keys(live)])].sort()
  for (const key of keys) diffValue(desired[key], live[key], pathPrefix + key, displayPrefix + key, ignore, out)
}

function diffArray(desired: unknown[], live: unknown[], path: string, display: string, ignore: Set<string>, out: DriftEntry[]): void {
  const desiredKeys = elementKeys(desired)
  const liveKeys = elementKeys(live)
  if (desiredKeys && liveKeys) {
    const d = new Map(desiredKeys.map((k, i) => [k, desired[i]]))
    const l = new Map(liveKeys.map((k, i) => [k, live[i]]))
    const keys = [...desiredKeys, ...liveKeys.filter((k) => !d.has(k)).sort()]
    // Paths for the ignore list drop the element key: `spec.subnets.cidr`.
    for (const key of keys) diffValue(d.get(key), l.get(key), path, `${display}[${key}]`, ignore, out)
    return
  }
  if (desired.every(isScalar) && live.every(isScalar)) {
    if (!deepEqual(sortedScalars(desired), sortedScalars(live))) out.push({path: display, desired, live})
    return
  }
  const length = Math.max(desired.length, live.length)
  for (let i = 0; i < length; i++) diffValue(desired[i], live[i], path, `${display}[${i}]`, ignore, out)
}

/** Unique keys of named objects (`namespace/name` when a namespace is set), or undefined. */
function elementKeys(list: unknown[]): string[] | undefined {
  const keys = list.map((item) => {
    if (!isJson(item) || typeof item.name !== 'string') return undefined
    return typeof item.namespace === 'string' ? `${item.namespace}/${item.name}` : item.name
  })
  if (keys.some((k) => k === undefined) || new Set(keys).size !== keys.length) return undefined
  return keys as string[]
}

function byName(objects: readonly object[]): Map<string, Json> {
  const map = new Map<string, Json>()
  objects.forEach((object, i) => {
    const name = valueAt(object as Json, 'metadata.name')
    map.set(typeof name === 'string' ? name : `#${i}`, object as Json)
  })
  return map
}

function valueAt(root: Json, path: string): unknown {
  let current: unknown = root
  for (const key of path.split('.')) current = isJson(current) ? current[key] : undefined
  return current
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)
}

function presentOrUndefined(value: unknown): unknown {
  return isAbsent(value) ? undefined : value
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}

function sortedScalars(list: unknown[]): string[] {
  return list.map((v) => JSON.stringify(v)).sort()
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (isAbsent(a) && isAbsent(b)) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]))
  if (isJson(a) && isJson(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    return [...keys].every((k) => deepEqual(a[k], b[k]))
  }
  return false
}
