#!/usr/bin/env node
// Build step: precompiles the JSON Schemas of the cluster file and the namespaces file (generated
// from their zod definitions) into standalone validator modules, so `cluster create --dry-run`,
// `namespaces bootstrap` and friends never load zod or compile a schema for a valid file. They only
// answer valid / not valid (applying the schema's defaults as zod does); on "not valid", kopsmith
// loads zod to explain every problem with its path and position.
import {writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {Ajv2020} from 'ajv/dist/2020.js'
import * as formatsModule from 'ajv-formats'
import * as standaloneModule from 'ajv/dist/standalone/index.js'

// Both are CommonJS: under ESM their default export may sit one level down.
const addFormats = formatsModule.default?.default ?? formatsModule.default ?? formatsModule
const standaloneCode = standaloneModule.default?.default ?? standaloneModule.default ?? standaloneModule

export const PRECOMPILED_PATH = 'core/config/cluster-file.precompiled.js'
export const NAMESPACES_PRECOMPILED_PATH = 'core/namespaces/namespace-set.precompiled.js'

/** ESM source of a validator for `schema`; `useDefaults` fills defaults into the data like zod. */
export function precompiledValidatorSource(schema) {
  const ajv = new Ajv2020({code: {source: true, esm: true}, strict: true, allowUnionTypes: true, allErrors: false, useDefaults: true})
  addFormats(ajv)
  // ajv's ESM output still require()s its runtime helpers (formats, ucs2length).
  const preamble = "import {createRequire} from 'node:module';const require = createRequire(import.meta.url);"
  return preamble + standaloneCode(ajv, ajv.compile(schema)).replace(/^"use strict";/, '')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..')
  const {clusterFileJsonSchema} = await import(join(root, 'dist/core/config/json-schema.js'))
  writeFileSync(join(root, 'dist', PRECOMPILED_PATH), precompiledValidatorSource(clusterFileJsonSchema()))
  const {namespaceSetJsonSchema} = await import(join(root, 'dist/core/namespaces/json-schema.js'))
  writeFileSync(join(root, 'dist', NAMESPACES_PRECOMPILED_PATH), precompiledValidatorSource(namespaceSetJsonSchema()))
}
