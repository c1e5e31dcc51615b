import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {Ajv2020} from 'ajv/dist/2020.js'
import * as formatsModule from 'ajv-formats'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'

import {clusterFileJsonSchema} from '../../../../src/core/config/json-schema.js'
import {clusterFileSchema} from '../../../../src/core/config/schema.js'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const SCHEMA_FILE = `${ROOT}schema/cluster.schema.json`
const INVALID = `${ROOT}test/fixtures/cluster-files/invalid/`

/** What `kopsmith config schema` prints and what the committed file holds, byte for byte. */
const generated = `${JSON.stringify(clusterFileJsonSchema(), null, 2)}\n`

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = ((formatsModule as unknown as {default?: unknown}).default ?? formatsModule) as (ajv: Ajv2020) => Ajv2020

function compile() {
  const ajv = new Ajv2020({allErrors: true, strict: true})
  addFormats(ajv)
  return ajv.compile(JSON.parse(generated) as object)
}

describe('schema/cluster.schema.json', () => {
  it('is the output of clusterFileJsonSchema() (UPDATE_SCHEMA=1 npx vitest run test/unit/core/config/json-schema.test.ts rewrites it)', () => {
    if (process.env.UPDATE_SCHEMA === '1') writeFileSync(SCHEMA_FILE, generated)
    expect(readFileSync(SCHEMA_FILE, 'utf8'), 'schema/cluster.schema.json is out of date: run UPDATE_SCHEMA=1 npx vitest run test/unit/core/config/json-schema.test.ts').toBe(generated)
  })

  it('is a draft 2020-12 schema that rejects unknown keys everywhere', () => {
    const schema = JSON.parse(generated) as {$schema: string; additionalProperties: boolean; properties: {spec: {additionalProperties: boolean}}}
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    expect(schema.additionalProperties).toBe(false)
    expect(schema.properties.spec.additionalProperties).toBe(false)
  })

  it.each(['production', 'sandbox'])('accepts examples/%s.yaml (compiled by ajv in strict mode)', (name) => {
    const validate = compile()
    const valid = validate(parse(readFileSync(`${ROOT}examples/${name}.yaml`, 'utf8')))
    expect(validate.errors ?? []).toEqual([])
    expect(valid).toBe(true)
  })

  // Editors and CI linters see the same verdict as kopsmith for everything the schema can express
  // (the semantic rules — region, zones, CIDR ranges, ttl limits — are kopsmith's alone).
  const parseable = readdirSync(INVALID)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((file) => {
      try {
        const data: unknown = parse(readFileSync(INVALID + file, 'utf8'), {uniqueKeys: true})
        return data === null || data === undefined ? [] : [{file, data}]
      } catch {
        return []
      }
    })

  it('agrees with the zod definition on every parseable invalid fixture', () => {
    expect(parseable.length).toBeGreaterThan(40)
    const validate = compile()
    const verdicts = parseable.map(({file, data}) => ({file, zod: clusterFileSchema.safeParse(data).success, ajv: validate(data)}))
    expect(verdicts.filter((v) => v.zod !== v.ajv)).toEqual([])
    // Both reject the schema-level mistakes, for instance:
    expect(verdicts.filter((v) => !v.ajv).map((v) => v.file)).toEqual(expect.arrayContaining(['typo-key.yaml', 'wrong-kind.yaml', 'bad-cidr.yaml', 'short-waiver-reason.yaml']))
  })
})
