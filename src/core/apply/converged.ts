import type {KubeObject} from '../../ports.js'

/**
 * Whether server-side applying `desired` as `manager` would change nothing on `live` — so a re-run
 * can leave the object alone instead of sending it again.
 *
 * Applying is a no-op exactly when (1) every field of the desired object is in the live object with
 * the same value, and (2) the set of fields the manager owns (its `Apply` entry in
 * `metadata.managedFields`) is the set of fields of the desired object: a field the manager owned
 * but no longer applies would be removed by the apply (so it is not converged), and a field the
 * desired object has that the manager does not own yet would be claimed. (1) catches drift — someone
 * changed or removed a field we set — and (2) catches changes to our own configuration, without any
 * annotation or hash of our own: the API server's ownership record is the last applied
 * configuration.
 *
 * Both are checked in one walk of the desired object along the manager's FieldsV1 tree, which also
 * says how each list merges: a leaf (`{}`) is an atomic value, `k:{…}` entries are items keyed by
 * their merge key, `v:…` entries are set members, `i:N` positions. Wherever the two cannot be matched
 * unambiguously (a key field left to its default, a value written in another form than the server's
 * canonical one) the answer is "not converged": the object is applied, which is always safe.
 */
export function isConverged(desired: KubeObject, live: KubeObject | undefined, manager: string): boolean {
  if (!live || live.metadata.deletionTimestamp) return false
  const config = ownableFields(desired)
  const entries = (live.metadata.managedFields as ManagedFieldsEntry[] | undefined) ?? []
  const mine = entries.find((e) => e.manager === manager && e.operation === 'Apply' && !e.subresource)
  // An object of identity fields only leaves no managedFields entry behind: present is applied.
  if (Object.keys(config).length === 0) return !mine
  if (!mine || mine.apiVersion !== desired.apiVersion || mine.fieldsType !== 'FieldsV1' || !isRecord(mine.fieldsV1)) return false
  return matches(config, stripIdentity(live), mine.fieldsV1)
}

interface ManagedFieldsEntry {
  manager?: string
  operation?: string
  apiVersion?: string
  fieldsType?: string
  fieldsV1?: unknown
  subresource?: string
}

type Json = Record<string, unknown>

function isRecord(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** The desired object without what no manager owns: apiVersion, kind, metadata.name/namespace, status. */
function ownableFields(object: KubeObject): Json {
  const rest = stripIdentity(object)
  delete rest.status
  return rest
}

function stripIdentity(object: KubeObject): Json {
  const {apiVersion: _v, kind: _k, metadata, ...rest} = object
  const {name: _n, namespace: _ns, ...meta} = metadata
  return Object.keys(meta).length > 0 ? {...rest, metadata: meta} : rest
}

/**
 * `desired` against `live` at one position of the manager's FieldsV1 tree `owned` (its children
 * besides "."). Maps: the desired keys and the owned `f:` keys are the same, and each matches.
 * Lists: a leaf is atomic (the live list holds the desired items, with server defaults at most);
 * otherwise each desired item has exactly one owned entry and one live item.
 */
function matches(desired: unknown, live: unknown, owned: Json): boolean {
  const children = Object.keys(owned).filter((k) => k !== '.')
  if (children.length === 0) return isSubset(desired, live)
  if (isRecord(desired)) {
    if (!isRecord(live)) return false
    // Empty maps and lists the server drops (Go's omitempty: `annotations: {}`) are neither stored nor
    // owned; applying them again changes no value.
    const keys = Object.keys(desired).filter((k) => !(isVacuous(desired[k]) && !(`f:${k}` in owned) && (live[k] === undefined || isRecord(live[k]) || Array.isArray(live[k]))))
    if (keys.length !== children.length) return false
    return keys.every((key) => isRecord(owned[`f:${key}`]) && key in live && matches(desired[key], live[key], owned[`f:${key}`] as Json))
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || desired.length !== children.length) return false
    const used = new Set<string>()
    for (const [index, item] of desired.entries()) {
      const entry = children.find((c) => !used.has(c) && identifies(c, item, index))
      if (!entry) return false
      used.add(entry)
      const liveItems = live.filter((l, i) => identifies(entry, l, i))
      if (liveItems.length !== 1) return false
      if (entry.startsWith('v:')) continue
      if (!matches(item, liveItems[0], owned[entry] as Json)) return false
    }
    return true
  }
  return false
}

/** An empty map or list, or a map of nothing but those. */
function isVacuous(v: unknown): boolean {
  return (isRecord(v) && Object.values(v).every(isVacuous)) || (Array.isArray(v) && v.length === 0)
}

/** Whether a FieldsV1 list entry (`k:{…}`, `v:…`, `i:N`) names this item. */
function identifies(entry: string, item: unknown, index: number): boolean {
  const body = entry.slice(2)
  switch (entry.slice(0, 2)) {
    case 'k:': {
      if (!isRecord(item)) return false
      const key = JSON.parse(body) as Json
      return Object.entries(key).every(([k, v]) => k in item && deepEqual(item[k], v))
    }
    case 'v:':
      return deepEqual(JSON.parse(body) as unknown, item)
    case 'i:':
      return Number(body) === index
    default:
      return false
  }
}

/** Every field of `desired` is in `live` with the same value (live may hold more: server defaults). */
function isSubset(desired: unknown, live: unknown): boolean {
  if (isRecord(desired)) return isRecord(live) && Object.entries(desired).every(([k, v]) => k in live && isSubset(v, live[k]))
  if (Array.isArray(desired)) return Array.isArray(live) && desired.length === live.length && desired.every((v, i) => isSubset(v, live[i]))
  return deepEqual(desired, live)
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a)
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]))
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]))
  return false
}
