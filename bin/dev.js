#!/usr/bin/env -S node --import tsx
// Runs kopsmith straight from src/ under tsx: commands are discovered in src/commands and any
// oclif.manifest.json from a build is ignored, so tests and development never run stale dist/ code.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
import {readFileSync} from 'node:fs'
import {execute, settings} from '@oclif/core'

const root = new URL('..', import.meta.url).pathname
const pjson = JSON.parse(readFileSync(`${root}package.json`, 'utf8'))
pjson.oclif = {...pjson.oclif, commands: './src/commands', helpClass: './src/help'}
settings.enableAutoTranspile = false

await execute({development: true, dir: import.meta.url, loadOptions: {root, pjson, ignoreManifest: true}})
