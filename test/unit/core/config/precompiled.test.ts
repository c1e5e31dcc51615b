import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {checkClusterFileWith} from '../../../../src/core/config/check.js'
import {clusterFileJsonSchema} from '../../../../src/core/config/json-schema.js'
import {checkClusterFile, zodSchemaCheck} from '../../../../src/core/config/validate.js'
import {CliError} from '../../../../src/core/errors.js'
import {readYamlDocument} from '../../../../src/core/yaml-file.js'
import type {PrecompiledValidator} from '../../../../src/core/precompiled-validator.js'
import {precompiledCheck} from '../../../../src/services/load-cluster-file.js'
import {ROOT} from '../../../helpers/cli.js'
import {precompileValidator} from '../../../helpers/precompiled.js'

const INVALID = join(ROOT, 'test/fixtures/cluster-files/invalid')
const VALID = join(ROOT, 'test/fixtures/cluster-files/valid')
const valid: Array<{name: string; text: string}> = [
  ...['examples/production.yaml', 'examples/sandbox.yaml'].map((f) => ({name: f, text: readFileSync(join(ROOT, f), 'utf8')})),
  ...readdirSync(VALID).map((f) => ({name: f, text: readFileSync(join(VALID, f), 'utf8')})),
]
const files = [...valid, ...readdirSync(INVALID).map((f) => ({name: f, text: readFileSync(join(INVALID, f), 'utf8')}))]

let validate: PrecompiledValidator
let remove = () => {}

beforeAll(async () => {
  ;({validate, remove} = await precompileValidator('cluster-file', clusterFileJsonSchema()))
})

afterAll(() => remove())

function outcome(run: () => unknown): unknown {
  try {
    return {ok: run()}
  } catch (error) {
    if (!(error instanceof CliError)) throw error
    return {exitCode: error.exitCode, message: error.message}
  }
}

describe('the validator precompiled at build time', () => {
  it.each(files)('agrees with the zod schema on $name', ({name, text}) => {
    let data: unknown
    try {
      data = readYamlDocument(text, name).data
    } catch {
      return // not YAML at all: neither schema is asked
    }
    const yaml = readYamlDocument(text, name)
    expect(validate(structuredClone(data))).toBe(zodSchemaCheck(data, yaml).ok)
  })

  it.each(files)('gives kopsmith the same result or the same error for $name (zod explaining rejections)', ({name, text}) => {
    const viaZod = outcome(() => checkClusterFile(text, name, {now: new Date('2026-11-26T12:00:00Z')}))
    const viaPrecompiled = outcome(
      () => checkClusterFileWith(text, name, {now: new Date('2026-11-26T12:00:00Z')}, precompiledCheck(validate)) ?? checkClusterFile(text, name, {now: new Date('2026-11-26T12:00:00Z')}),
    )
    expect(viaPrecompiled).toEqual(viaZod)
  })

  it('accepts every valid file without zod, filling the same defaults zod fills', () => {
    for (const f of valid) {
      const fast = checkClusterFileWith(f.text, f.name, {}, precompiledCheck(validate))
      expect(fast).toBeDefined()
      expect(fast).toEqual(checkClusterFile(f.text, f.name))
    }
  })
})
