#!/usr/bin/env node
// The AWS SDK v3 warns once per process on Node 20 (its next majors need Node 22); users cannot act on it here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const argv = process.argv.slice(2)
if (argv.length === 1 && argv[0] === '--version') {
  // Scheduled jobs log the tool version on every run; it needs package.json, not the CLI framework.
  // Same text as oclif's `--version` (its config.userAgent); a test pins the two together.
  const {readFileSync} = await import('node:fs')
  const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${pjson.name}/${pjson.version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  // Before anything else loads: from here on a signal never kills kopsmith half-way (see there).
  const {installInterruptHandling} = await import('../dist/adapters/interrupts.js')
  installInterruptHandling()
  const {execute} = await import('@oclif/core/execute')
  await execute({dir: import.meta.url})
}
