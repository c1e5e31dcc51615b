import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {Ajv, type ValidateFunction} from 'ajv'
import addFormatsModule from 'ajv-formats'

import {ROOT} from './cli.js'

/**
 * Validates Kubernetes objects against the Kubernetes 1.35 OpenAPI v3 documents in
 * `../shared/reference/k8s-openapi/` (see its README), and custom resources against the CRDs we
 * ship. Unknown fields are rejected: every object schema with `properties` and neither
 * `additionalProperties` nor `x-kubernetes-preserve-unknown-fields` gets `additionalProperties:
 * false` (README gotcha 5), so a typo such as `spec.replica` fails. Schemas compile lazily, once
 * per kind, and stay cached for the test file.
 */
export const OPENAPI_DIR = join(ROOT, '..', 'shared', 'reference', 'k8s-openapi')

type Schema = Record<string, unknown>
type Gvk = {group: string; version: string; kind: string}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

export class K8sSchemas {
  private readonly ajv: Ajv
  private index: Map<string, {file: string; name: string}> | undefined
  private readonly loadedFiles = new Set<string>()
  private readonly validators = new Map<string, ValidateFunction>()
  private readonly crdSchemas = new Map<string, Schema>()

  constructor(private readonly dir: string = OPENAPI_DIR) {
    this.ajv = new Ajv({strict: false, allErrors: true, validateFormats: true})
    addFormats(this.ajv)
    this.ajv.addFormat('int-or-string', true)
  }

  /** Makes the custom resources of these CRDs validatable (their served versions). */
  addCrds(crds: ReadonlyArray<Record<string, unknown>>): this {
    for (const crd of crds) {
      const spec = crd.spec as {group: string; names: {kind: string}; versions: Array<{name: string; schema?: {openAPIV3Schema?: Schema}}>}
      for (const v of spec.versions) {
        if (v.schema?.openAPIV3Schema) this.crdSchemas.set(gvkKey({group: spec.group, version: v.name, kind: spec.names.kind}), v.schema.openAPIV3Schema)
      }
    }
    return this
  }

  /** Problems of one object (empty when valid), each prefixed with its JSON path. */
  validate(object: Record<string, unknown>): string[] {
    const apiVersion = String(object.apiVersion ?? '')
    const kind = String(object.kind ?? '')
    const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion]
    const key = gvkKey({group, version, kind})
    const validate = this.validatorFor(key)
    if (!validate) return [`no schema for ${apiVersion} ${kind}`]
    const errors: string[] = []
    const meta = object.metadata as {name?: unknown} | undefined
    if (typeof meta?.name !== 'string' || meta.name === '') errors.push('/metadata/name: required')
    if (!validate(object)) {
      for (const e of validate.errors ?? []) {
        const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as {additionalProperty?: string}).additionalProperty)})` : ''
        errors.push(`${e.instancePath || '/'}: ${e.message}${extra}`)
      }
    }
    return errors
  }

  private validatorFor(key: string): ValidateFunction | undefined {
    const cached = this.validators.get(key)
    if (cached) return cached
    let validate: ValidateFunction | undefined
    const crdSchema = this.crdSchemas.get(key)
    if (crdSchema) {
      validate = this.ajv.compile(closeObjects(structuredClone(crdSchema)))
    } else {
      const hit = this.openApiIndex().get(key)
      if (!hit) return undefined
      if (!this.loadedFiles.has(hit.file)) {
        const doc = JSON.parse(readFileSync(join(this.dir, hit.file), 'utf8')) as Schema
        const components = (doc.components as {schemas: Record<string, Schema>}).schemas
        for (const schema of Object.values(components)) closeObjects(schema)
        this.ajv.addSchema(doc, hit.file)
        this.loadedFiles.add(hit.file)
      }
      validate = this.ajv.getSchema(`${hit.file}#/components/schemas/${hit.name}`)
    }
    if (validate) this.validators.set(key, validate)
    return validate
  }

  /** apiVersion/kind → document and schema name, from `x-kubernetes-group-version-kind`. */
  private openApiIndex(): Map<string, {file: string; name: string}> {
    if (this.index) return this.index
    this.index = new Map()
    for (const file of readdirSync(this.dir).filter((f) => f.endsWith('.json')).sort()) {
      const doc = JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as {components?: {schemas?: Record<string, Schema>}}
      for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
        const gvks = schema['x-kubernetes-group-version-kind'] as Gvk[] | undefined
        // A kind's own schema lists exactly its GVK; shared types such as DeleteOptions list many.
        if (gvks?.length === 1 && schema.properties && (schema.properties as Schema).kind) {
          const key = gvkKey(gvks[0]!)
          if (!this.index.has(key)) this.index.set(key, {file, name})
        }
      }
    }
    return this.index
  }
}

function gvkKey(g: Gvk): string {
  return `${g.group}/${g.version}/${g.kind}`
}

const NESTED_SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'] as const

/**
 * Adds `additionalProperties: false` to object schemas that list their properties. Walks schema
 * positions (properties values, items, combinators, additionalProperties) — never the property
 * names — so apiextensions' own `properties`/`additionalProperties` fields are handled as fields.
 */
export function closeObjects(schema: Schema): Schema {
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return
    const s = node as Schema
    if (s.properties && typeof s.properties === 'object' && s.additionalProperties === undefined && s['x-kubernetes-preserve-unknown-fields'] !== true) {
      s.additionalProperties = false
    }
    if (s.properties && typeof s.properties === 'object') for (const child of Object.values(s.properties as Schema)) walk(child)
    if (s.items) walk(s.items)
    if (s.additionalProperties && typeof s.additionalProperties === 'object') walk(s.additionalProperties)
    for (const list of NESTED_SCHEMA_LISTS) if (Array.isArray(s[list])) for (const child of s[list] as unknown[]) walk(child)
  }
  walk(schema)
  return schema
}
