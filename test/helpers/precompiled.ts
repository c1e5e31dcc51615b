import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {PrecompiledValidator} from '../../src/core/precompiled-validator.js'
import {ROOT} from './cli.js'

// The generator `npm run build` runs; its output goes where `ajv` resolves from the repository.
const {precompiledValidatorSource} = (await import(join(ROOT, 'scripts/build-validator.mjs'))) as {precompiledValidatorSource(schema: object): string}

/**
 * Precompiles `schema` as the build does, into test/.generated (named `name` and this process), and
 * loads it. `remove()` deletes the generated module.
 */
export async function precompileValidator(name: string, schema: object): Promise<{validate: PrecompiledValidator; remove(): void}> {
  const dir = join(ROOT, 'test/.generated')
  const file = join(dir, `${name}.precompiled.${process.pid}.mjs`)
  mkdirSync(dir, {recursive: true})
  writeFileSync(file, precompiledValidatorSource(schema))
  const validate = ((await import(file)) as {default: PrecompiledValidator}).default
  return {validate, remove: () => rmSync(file, {force: true})}
}
