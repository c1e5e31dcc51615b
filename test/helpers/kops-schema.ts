import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {Ajv, type ValidateFunction} from 'ajv'
import formatsModule from 'ajv-formats'
import {parse} from 'yaml'

/** `../shared/reference` next to the repository (see its README.md). */
export const REFERENCE_DIR = fileURLToPath(new URL('../../../shared/reference/', import.meta.url))

const CRD_FILES = {
  Cluster: 'kops/kops.k8s.io_clusters.yaml',
  InstanceGroup: 'kops/kops.k8s.io_instancegroups.yaml',
} as const

export type KopsKind = keyof typeof CRD_FILES

export interface SchemaVerdict {
  valid: boolean
  /** `instancePath message`, one per ajv error; empty when valid. */
  errors: string[]
}

interface CompiledCrd {
  validate: ValidateFunction
  apiVersion: string
  kind: string
}

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = ((formatsModule as unknown as {default?: typeof formatsModule}).default ?? formatsModule) as unknown as (ajv: Ajv) => Ajv

const compiled = new Map<KopsKind, CompiledCrd>()

/**
 * Validates a kops object against the upstream CRD's v1alpha2 schema, tightened so unknown fields
 * fail (the CRD itself accepts any typo, reference README gotcha 5). apiVersion and kind are checked
 * against the CRD because its schema types them as plain strings. Compiled once per kind per test
 * file: the Cluster schema takes ~0.6 s.
 */
export function validateKopsObject(object: unknown): SchemaVerdict {
  const kind = (object as {kind?: unknown} | null)?.kind
  if (kind !== 'Cluster' && kind !== 'InstanceGroup') return {valid: false, errors: [`kind ${JSON.stringify(kind)} is not a kops Cluster or InstanceGroup`]}
  const crd = compiledCrd(kind)
  const errors: string[] = []
  const apiVersion = (object as {apiVersion?: unknown}).apiVersion
  if (apiVersion !== crd.apiVersion) errors.push(`/apiVersion must be ${crd.apiVersion}, got ${JSON.stringify(apiVersion)}`)
  if (!crd.validate(object)) {
    for (const e of crd.validate.errors ?? []) {
      const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as {additionalProperty?: string}).additionalProperty)})` : ''
      errors.push(`${e.instancePath || '/'} ${e.message ?? e.keyword}${extra}`)
    }
  }
  return {valid: errors.length === 0, errors}
}

function compiledCrd(kind: KopsKind): CompiledCrd {
  const cached = compiled.get(kind)
  if (cached) return cached
  const crd = parse(readFileSync(REFERENCE_DIR + CRD_FILES[kind], 'utf8')) as {
    spec: {group: string; names: {kind: string}; versions: Array<{name: string; schema: {openAPIV3Schema: unknown}}>}
  }
  const version = crd.spec.versions.find((v) => v.name === 'v1alpha2')
  if (!version) throw new Error(`${CRD_FILES[kind]} has no v1alpha2 version`)
  const schema = rejectUnknownFields(structuredClone(version.schema.openAPIV3Schema))
  const ajv = new Ajv({strict: false, allErrors: true})
  addFormats(ajv)
  ajv.addFormat('int-or-string', true)
  const entry = {validate: ajv.compile(schema as object), apiVersion: `${crd.spec.group}/v1alpha2`, kind: crd.spec.names.kind}
  compiled.set(kind, entry)
  return entry
}

/**
 * Adds `additionalProperties: false` to every object schema with `properties` that neither sets
 * `additionalProperties` nor preserves unknown fields. Walks schema nodes (the values of
 * `properties`, `items`, combinators), never a `properties` map itself.
 */
export function rejectUnknownFields(node: unknown): unknown {
  if (!isObject(node)) return node
  if (isObject(node.properties)) {
    for (const child of Object.values(node.properties)) rejectUnknownFields(child)
    if (!('additionalProperties' in node) && node['x-kubernetes-preserve-unknown-fields'] !== true) node.additionalProperties = false
  }
  if (isObject(node.additionalProperties)) rejectUnknownFields(node.additionalProperties)
  if (Array.isArray(node.items)) node.items.forEach(rejectUnknownFields)
  else rejectUnknownFields(node.items)
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = node[key]
    if (Array.isArray(list)) list.forEach(rejectUnknownFields)
  }
  rejectUnknownFields(node.not)
  return node
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
