#!/usr/bin/env -S node --import tsx
// Runs kopsmith straight from src/ under tsx, for development and the command tests: commands are
// discovered in src/commands, and the oclif.manifest.json a build leaves behind is never used (its
// version cannot match `+dev`; oclif then scans src/ instead), so nothing stale from dist/ runs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
import {readFileSync} from 'node:fs'
import {execute, settings} from '@oclif/core'

import {installInterruptHandling} from '../src/adapters/interrupts.js'

installInterruptHandling()

const root = new URL('..', import.meta.url).pathname
const pjson = JSON.parse(readFileSync(`${root}package.json`, 'utf8'))
pjson.version = `${pjson.version}+dev`
pjson.oclif = {...pjson.oclif, commands: './src/commands', helpClass: './src/help', hooks: {command_not_found: './src/hooks/command-not-found'}}
settings.enableAutoTranspile = false

const emitWarning = process.emitWarning.bind(process)
process.emitWarning = (warning, ...rest) =>
  String(warning).startsWith('Mismatched version in kopsmith plugin manifest') ? undefined : emitWarning(warning, ...rest)

await execute({development: true, dir: import.meta.url, loadOptions: {root, pjson, ignoreManifest: true}})
