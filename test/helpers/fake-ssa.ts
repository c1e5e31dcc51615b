import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

/**
 * Server-side apply for the fake Kubernetes API, written after the behaviour of
 * sigs.k8s.io/structured-merge-diff and the apiserver's field manager (merge/update.go,
 * typed/merge.go, typed/tofieldset.go, kube-openapi schemaconv) and checked against a real API server
 * by test/e2e/fake-vs-real.test.ts:
 *
 * - objects are typed by the Kubernetes 1.35 OpenAPI v3 documents (custom resources by their CRD's
 *   schema): lists are atomic, sets (`v:`) or maps keyed by their list-map-keys or patch-merge-key
 *   (`k:` — containers by name, ports by containerPort+protocol, env by name …), maps are granular
 *   unless `x-kubernetes-map-type: atomic` (label selectors); a missing key field takes its schema
 *   default (a port's protocol is TCP);
 * - a field unknown to the schema, or of the wrong type, is refused ("failed to create typed patch
 *   object … field not declared in schema"), unless the schema preserves unknown fields;
 * - every manager owns a field set (paths of `f:`/`k:`/`v:`/`i:` elements, list items marked with
 *   `.`), serialized as FieldsV1; applying merges the configuration into the live object, removes
 *   what the manager applied before and no other applier owns, and refuses to change a field another
 *   manager owns (409, one cause per field) unless forced, which moves the field to the applier;
 * - other writes (PUT, merge patch) are Update operations: they take the fields they change.
 *
 * Deliberate simplifications (no test relies on them): new items of a merged list are appended after
 * the live ones (the real merge may interleave them), and no defaults are applied besides list keys.
 */

export type Json = Record<string, unknown>
type Schema = Record<string, unknown>

/** A path element as FieldsV1 writes it: `f:name`, `k:{"name":"web"}`, `v:"x"`, `i:0`. */
export type PathElement = string
/** Path → leaf value (MEMBER for list items, which own their subtree's presence but no value). */
export type FieldSet = Map<string, unknown>

export const MEMBER = Symbol('member')

export class TypedError extends Error {}

// ---------------------------------------------------------------- types

type TypeNode =
  | {kind: 'scalar'; scalar: 'string' | 'integer' | 'number' | 'boolean' | 'untyped'}
  | {kind: 'struct'; fields: Map<string, () => TypeNode>; atomic: boolean; unknown?: () => TypeNode}
  | {kind: 'map'; element: () => TypeNode; atomic: boolean}
  | {kind: 'list'; element: () => TypeNode; relationship: 'atomic' | 'set' | 'map'; keys: string[]; keyDefaults: Map<string, unknown>}
  | {kind: 'deduced'}

const DEDUCED: TypeNode = {kind: 'deduced'}
const UNTYPED: TypeNode = {kind: 'scalar', scalar: 'untyped'}

/** OpenAPI v3 documents by group/version/kind, read once from `dir`. */
export class SchemaIndex {
  private readonly byGvk = new Map<string, {doc: Schema; name: string}>()
  private readonly docs = new Map<string, Schema>()
  private readonly types = new Map<string, TypeNode>()

  constructor(private readonly dir: string) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('_openapi.json')).sort()) {
      const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Schema
      this.docs.set(file, doc)
      for (const [name, schema] of Object.entries(components(doc))) {
        const gvks = schema['x-kubernetes-group-version-kind'] as Array<{group: string; version: string; kind: string}> | undefined
        if (gvks?.length === 1 && (schema.properties as Schema | undefined)?.kind) {
          const g = gvks[0]!
          const key = `${g.group}/${g.version}/${g.kind}`
          if (!this.byGvk.has(key)) this.byGvk.set(key, {doc, name})
        }
      }
    }
  }

  /** The type of a built-in kind, or undefined when these documents do not describe it. */
  builtin(group: string, version: string, kind: string): TypeNode | undefined {
    const key = `${group}/${version}/${kind}`
    const cached = this.types.get(key)
    if (cached) return cached
    const hit = this.byGvk.get(key)
    if (!hit) return undefined
    const type = typeOf(components(hit.doc)[hit.name]!, hit.doc, {}, new Map())
    this.types.set(key, type)
    return type
  }

  /** The type of a custom resource: its CRD version's schema, with ObjectMeta for `metadata`. */
  custom(schema: Schema | undefined): TypeNode {
    const meta = this.objectMeta()
    const root = schema ? typeOf(schema, undefined, {}, new Map()) : DEDUCED
    if (root.kind !== 'struct') return {kind: 'struct', fields: new Map([['apiVersion', () => UNTYPED], ['kind', () => UNTYPED], ['metadata', () => meta]]), atomic: false, unknown: () => DEDUCED}
    const fields = new Map(root.fields)
    fields.set('metadata', () => meta)
    fields.set('apiVersion', () => ({kind: 'scalar', scalar: 'string'}))
    fields.set('kind', () => ({kind: 'scalar', scalar: 'string'}))
    return {...root, fields}
  }

  private objectMeta(): TypeNode {
    const doc = this.docs.get('api__v1_openapi.json')!
    return typeOf({$ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'}, doc, {}, new Map())
  }
}

function components(doc: Schema): Record<string, Schema> {
  return ((doc.components as Schema | undefined)?.schemas ?? {}) as Record<string, Schema>
}

const UNTYPED_REFS = new Set(['io.k8s.apimachinery.pkg.api.resource.Quantity', 'io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'io.k8s.apimachinery.pkg.apis.meta.v1.Time', 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime'])

/**
 * The merge type of a schema node. `ext` carries the extensions of the property that refers to it
 * (a `$ref` sits inside `allOf` next to `x-kubernetes-map-type` …); `seen` memoizes named types so
 * recursive ones (JSONSchemaProps) resolve lazily.
 */
function typeOf(node: Schema, doc: Schema | undefined, ext: Schema, seen: Map<string, TypeNode>): TypeNode {
  const ref = refOf(node)
  if (ref && doc) {
    const name = ref.replace('#/components/schemas/', '')
    if (name === 'io.k8s.apimachinery.pkg.runtime.RawExtension') return {kind: 'map', element: () => DEDUCED, atomic: true}
    if (UNTYPED_REFS.has(name)) return UNTYPED
    const own = {...extensionsOf(node), ...ext}
    const key = `${name}|${String(own['x-kubernetes-map-type'] ?? '')}`
    const hit = seen.get(key)
    if (hit) return hit
    const target = components(doc)[name]
    if (!target) return DEDUCED
    const placeholder: TypeNode = {kind: 'deduced'}
    seen.set(key, placeholder)
    const resolved = typeOf(target, doc, own, seen)
    Object.assign(placeholder, resolved)
    return placeholder
  }
  const x = {...extensionsOf(node), ...ext}
  const type = node.type as string | undefined
  if (type === 'array') {
    const items = (node.items ?? {}) as Schema
    const elementNode = items
    const element = lazy(() => typeOf(elementNode, doc, {}, seen))
    const listType = x['x-kubernetes-list-type'] as string | undefined
    const strategy = String(x['x-kubernetes-patch-strategy'] ?? '')
    let relationship: 'atomic' | 'set' | 'map' = 'atomic'
    let keys: string[] = []
    if (listType === 'set') relationship = 'set'
    else if (listType === 'map') {
      relationship = 'map'
      keys = (x['x-kubernetes-list-map-keys'] as string[] | undefined) ?? []
    } else if (!listType && strategy.split(',').includes('merge')) {
      const mergeKey = x['x-kubernetes-patch-merge-key'] as string | undefined
      relationship = mergeKey ? 'map' : 'set'
      keys = mergeKey ? [mergeKey] : []
    }
    const keyDefaults = new Map<string, unknown>()
    if (relationship === 'map') {
      const props = propertiesOf(items, doc)
      for (const k of keys) {
        const d = (props?.[k] as Schema | undefined)?.default
        if (d !== undefined) keyDefaults.set(k, d)
      }
    }
    return {kind: 'list', element, relationship, keys, keyDefaults}
  }
  const atomicMap = x['x-kubernetes-map-type'] === 'atomic'
  const properties = node.properties as Record<string, Schema> | undefined
  const additional = node.additionalProperties
  const preserve = x['x-kubernetes-preserve-unknown-fields'] === true
  if (properties && Object.keys(properties).length > 0) {
    const fields = new Map<string, () => TypeNode>()
    for (const [name, prop] of Object.entries(properties)) fields.set(name, lazy(() => typeOf(prop, doc, {}, seen)))
    return {kind: 'struct', fields, atomic: atomicMap, ...(preserve ? {unknown: () => DEDUCED} : {})}
  }
  if (additional && typeof additional === 'object') return {kind: 'map', element: lazy(() => typeOf(additional as Schema, doc, {}, seen)), atomic: atomicMap}
  if (type === 'object') return preserve || additional === true || additional === undefined ? {kind: 'map', element: () => DEDUCED, atomic: atomicMap} : {kind: 'struct', fields: new Map(), atomic: atomicMap}
  if (type === 'string') return {kind: 'scalar', scalar: node.format === 'int-or-string' ? 'untyped' : 'string'}
  if (type === 'integer' || type === 'number') return {kind: 'scalar', scalar: type}
  if (type === 'boolean') return {kind: 'scalar', scalar: 'boolean'}
  if (node['x-kubernetes-int-or-string'] === true || node.oneOf || node.anyOf) return UNTYPED
  return DEDUCED
}

function refOf(node: Schema): string | undefined {
  if (typeof node.$ref === 'string') return node.$ref
  const allOf = node.allOf as Schema[] | undefined
  if (allOf?.length === 1 && typeof allOf[0]!.$ref === 'string') return allOf[0]!.$ref as string
  return undefined
}

function extensionsOf(node: Schema): Schema {
  return Object.fromEntries(Object.entries(node).filter(([k]) => k.startsWith('x-kubernetes-')))
}

function propertiesOf(node: Schema, doc: Schema | undefined): Record<string, Schema> | undefined {
  const ref = refOf(node)
  const target = ref && doc ? components(doc)[ref.replace('#/components/schemas/', '')] : node
  return target?.properties as Record<string, Schema> | undefined
}

function lazy(make: () => TypeNode): () => TypeNode {
  let value: TypeNode | undefined
  return () => (value ??= make())
}

// ---------------------------------------------------------------- values against types

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function childType(type: TypeNode, key: string): TypeNode | undefined {
  if (type.kind === 'struct') return type.fields.get(key)?.() ?? type.unknown?.()
  if (type.kind === 'map') return type.element()
  if (type.kind === 'deduced') return DEDUCED
  return undefined
}

function describeValue(v: unknown): string {
  return `&value.valueUnstructured{Value:${typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v)}}`
}

/** The path element of a list item, as SMD derives it (keys sorted by name, defaults for missing keys). */
function itemElement(type: Extract<TypeNode, {kind: 'list'}>, item: unknown, index: number, path: PathElement[]): PathElement {
  if (type.relationship === 'set') return `v:${JSON.stringify(item)}`
  if (type.relationship === 'map') {
    if (!isObject(item)) throw new TypedError(`${humanPath(path)}: element ${index}: associative list with keys may only contain maps`)
    const key: Json = {}
    for (const k of [...type.keys].sort()) {
      const value = item[k] ?? type.keyDefaults.get(k)
      if (value === undefined) throw new TypedError(`${humanPath(path)}: element ${index}: associative list with keys has an element that omits key field "${k}" (and doesn't have default value)`)
      key[k] = value
    }
    return `k:${JSON.stringify(key)}`
  }
  return `i:${index}`
}

/**
 * The field set of a value (ToFieldSet), validating it against its type on the way: scalars and
 * atomic lists/maps are leaves; list items are members; map entries that are not struct fields,
 * and empty maps, are members too.
 */
export function fieldSet(value: unknown, type: TypeNode, path: PathElement[] = [], out: FieldSet = new Map()): FieldSet {
  const add = (p: PathElement[], v: unknown) => out.set(JSON.stringify(p), v)
  if (value === null || value === undefined) {
    add(path, null)
    return out
  }
  switch (type.kind) {
    case 'scalar':
      checkScalar(type.scalar, value, path)
      add(path, value)
      return out
    case 'deduced':
      if (isObject(value)) return walkMap(value, DEDUCED, path, out, false)
      add(path, value)
      return out
    case 'list': {
      if (!Array.isArray(value)) throw new TypedError(`${humanPath(path)}: expected list, got ${describeValue(value)}`)
      if (type.relationship === 'atomic') {
        for (const [i, item] of value.entries()) validate(item, type.element(), [...path, `i:${i}`])
        add(path, value)
        return out
      }
      const seen = new Set<string>()
      for (const [i, item] of value.entries()) {
        const pe = itemElement(type, item, i, path)
        if (seen.has(pe)) throw new TypedError(`${humanPath(path)}: duplicate entries for key ${humanElement(pe)}`)
        seen.add(pe)
        const child = [...path, pe]
        if (type.relationship === 'map') fieldSet(item, type.element(), child, out)
        else checkScalar(scalarOf(type.element()), item, child)
        add(child, type.relationship === 'set' ? item : MEMBER)
      }
      return out
    }
    case 'struct':
    case 'map':
      if (!isObject(value)) throw new TypedError(`${humanPath(path)}: expected map, got ${describeValue(value)}`)
      if (type.atomic) {
        validate(value, {...type, atomic: false} as TypeNode, path)
        add(path, value)
        return out
      }
      return walkMap(value, type, path, out, true)
  }
}

function walkMap(value: Json, type: TypeNode, path: PathElement[], out: FieldSet, strict: boolean): FieldSet {
  for (const [key, child] of Object.entries(value)) {
    const declared = type.kind === 'struct' ? type.fields.get(key) : undefined
    const ct = childType(type, key)
    if (!ct) {
      if (strict) throw new TypedError(`${humanPath([...path, `f:${key}`])}: field not declared in schema`)
      continue
    }
    const p = [...path, `f:${key}`]
    fieldSet(child, ct, p, out)
    if (child === null || (isObject(child) && Object.keys(child).length === 0) || !declared) out.set(JSON.stringify(p), out.get(JSON.stringify(p)) ?? MEMBER)
  }
  return out
}

function scalarOf(type: TypeNode): 'string' | 'integer' | 'number' | 'boolean' | 'untyped' {
  return type.kind === 'scalar' ? type.scalar : 'untyped'
}

function validate(value: unknown, type: TypeNode, path: PathElement[]): void {
  fieldSet(value, type, path, new Map())
}

function checkScalar(scalar: string, value: unknown, path: PathElement[]): void {
  const ok =
    scalar === 'untyped' ||
    (scalar === 'string' && typeof value === 'string') ||
    ((scalar === 'integer' || scalar === 'number') && typeof value === 'number') ||
    (scalar === 'boolean' && typeof value === 'boolean')
  if (ok) return
  if (isObject(value) || Array.isArray(value)) throw new TypedError(`${humanPath(path)}: expected ${scalar === 'integer' ? 'numeric (int or float)' : scalar}, got ${Array.isArray(value) ? 'list' : 'map'}`)
  throw new TypedError(`${humanPath(path)}: expected ${scalar === 'integer' || scalar === 'number' ? 'numeric (int or float)' : scalar}, got ${describeValue(value)}`)
}

/** `.spec.template.spec.containers[name="web"].image`, as fieldpath.Path.String() prints it. */
export function humanPath(path: PathElement[]): string {
  return path.map(humanElement).join('')
}

function humanElement(pe: PathElement): string {
  const body = pe.slice(2)
  switch (pe.slice(0, 2)) {
    case 'f:':
      return `.${body}`
    case 'k:': {
      const key = JSON.parse(body) as Json
      return `[${Object.entries(key)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`)
        .join(',')}]`
    }
    case 'v:':
      return `[=${body}]`
    default:
      return `[${body}]`
  }
}

// ---------------------------------------------------------------- merge, remove, compare

/** The live object with the applied configuration merged in (typed/merge.go, rule "keep RHS"). */
export function merge(live: unknown, config: unknown, type: TypeNode, path: PathElement[] = []): unknown {
  if (config === undefined) return live
  if (config === null) return null
  // With nothing live, merging into an empty value still fills key defaults deep down.
  if (live === undefined || live === null) live = Array.isArray(config) ? [] : isObject(config) ? {} : undefined
  if (live === undefined) return structuredClone(config)
  if (type.kind === 'list' && type.relationship !== 'atomic' && Array.isArray(live) && Array.isArray(config)) {
    if (live.length === 0 && config.length === 0) return []
    // A missing key field takes its default (a port's protocol TCP) in the stored object too.
    const configByKey = new Map(config.map((item, i) => [itemElement(type, item, i, path), type.relationship === 'map' ? withKeyDefaults(type, item) : item]))
    const out: unknown[] = []
    const used = new Set<string>()
    for (const [i, item] of live.entries()) {
      const pe = itemElement(type, item, i, path)
      const c = configByKey.get(pe)
      if (c === undefined) out.push(item)
      else {
        out.push(type.relationship === 'map' ? merge(item, c, type.element(), [...path, pe]) : c)
        used.add(pe)
      }
    }
    for (const [pe, item] of configByKey) if (!used.has(pe)) out.push(type.relationship === 'map' ? merge(undefined, item, type.element(), [...path, pe]) : structuredClone(item))
    return out
  }
  const granular = (type.kind === 'struct' || type.kind === 'map') && !type.atomic
  if ((granular || type.kind === 'deduced') && isObject(live) && isObject(config)) {
    const out: Json = {...live}
    for (const [key, value] of Object.entries(config)) out[key] = merge(live[key], value, childType(type, key) ?? DEDUCED, [...path, `f:${key}`])
    return out
  }
  return structuredClone(config)
}

function withKeyDefaults(type: Extract<TypeNode, {kind: 'list'}>, item: unknown): unknown {
  if (!isObject(item)) return item
  const missing = [...type.keyDefaults].filter(([k]) => item[k] === undefined)
  return missing.length === 0 ? item : {...item, ...Object.fromEntries(missing)}
}

/** Removes the fields and list items at `paths` (shortest first); maps emptied by it go too. */
export function removePaths(object: Json, paths: Iterable<PathElement[]>, type: TypeNode): void {
  const sorted = [...paths].sort((a, b) => a.length - b.length)
  for (const path of sorted) removeOne(object, path, type)
}

function removeOne(root: Json, path: PathElement[], rootType: TypeNode): void {
  const parents: Array<{container: unknown; key: PathElement; type: TypeNode}> = []
  let node: unknown = root
  let type = rootType
  for (const [depth, pe] of path.entries()) {
    const last = depth === path.length - 1
    if (pe.startsWith('f:')) {
      if (!isObject(node)) return
      const key = pe.slice(2)
      if (last) {
        delete node[key]
        break
      }
      parents.push({container: node, key: pe, type})
      type = childType(type, key) ?? DEDUCED
      node = node[key]
    } else {
      if (!Array.isArray(node) || type.kind !== 'list') return
      const listType = type
      const index = node.findIndex((item, i) => itemElement(listType, item, i, path.slice(0, depth)) === pe)
      if (index < 0) return
      if (last) {
        node.splice(index, 1)
        break
      }
      parents.push({container: node, key: pe, type})
      type = listType.element()
      node = node[index]
    }
  }
  // Maps (labels, annotations, data …) left empty disappear, as Go's omitempty serializes them.
  for (let i = parents.length - 1; i >= 0; i--) {
    const {container, key} = parents[i]!
    if (!isObject(container) || !key.startsWith('f:')) break
    const child = container[key.slice(2)]
    const childTypeNode = childType(parents[i]!.type, key.slice(2))
    if (isObject(child) && Object.keys(child).length === 0 && childTypeNode?.kind === 'map') delete container[key.slice(2)]
    else break
  }
}

export interface Comparison {
  added: Set<string>
  modified: Set<string>
  removed: Set<string>
}

/** Which fields `after` adds, changes or drops relative to `before` (both typed alike). */
export function compare(before: FieldSet, after: FieldSet): Comparison {
  const result: Comparison = {added: new Set(), modified: new Set(), removed: new Set()}
  for (const [path, value] of after) {
    if (!before.has(path)) result.added.add(path)
    else if (value !== MEMBER && JSON.stringify(before.get(path)) !== JSON.stringify(value)) result.modified.add(path)
  }
  for (const path of before.keys()) if (!after.has(path)) result.removed.add(path)
  return result
}

// ---------------------------------------------------------------- FieldsV1

/** A field set as the API serializes it (`metadata.managedFields[].fieldsV1`). */
export function toFieldsV1(paths: Iterable<string>): Json {
  const root: Json = {}
  const members: Json[] = []
  for (const key of paths) {
    const path = JSON.parse(key) as PathElement[]
    let node = root
    for (const pe of path) node = (node[pe] ??= {}) as Json
    members.push(node)
  }
  // A member that also has children is written as a "." entry beside them.
  for (const node of members) if (Object.keys(node).some((k) => k !== '.')) node['.'] = {}
  return sortKeys(root) as Json
}

function sortKeys(value: unknown): unknown {
  if (!isObject(value)) return value
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys(value[k])]),
  )
}
