import {execFileSync, spawnSync} from 'node:child_process'
import {copyFileSync, mkdtempSync, readdirSync, readFileSync, realpathSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {beforeAll, describe, expect, it} from 'vitest'

import {ROOT} from '../../helpers/cli.js'

/**
 * What `npm publish` would ship, installed the way a user installs it (`npm install -g`), into an
 * empty prefix and run from a directory outside the source tree. `npm test` builds first; packing
 * with --ignore-scripts uses that build instead of rebuilding dist/ under the other tests' feet.
 */
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'
let work: string
let prefix: string
let files: string[]

function kopsmith(args: string[]) {
  const bin = join(prefix, 'bin', 'kopsmith')
  // Only the installed package: no source tree, no vitest NODE_ENV, a HOME of its own.
  const env = {PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`, HOME: work, CI: 'true', NODE_ENV: 'production'}
  return spawnSync(bin, args, {cwd: work, encoding: 'utf8', env, timeout: 60_000})
}

beforeAll(() => {
  work = realpathSync(mkdtempSync(join(tmpdir(), 'kopsmith-pack-')))
  const packed = JSON.parse(execFileSync(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {cwd: ROOT, encoding: 'utf8'})) as Array<{filename: string; files: Array<{path: string}>}>
  files = packed[0]!.files.map((f) => f.path).sort()
  prefix = join(work, 'prefix')
  execFileSync(NPM, ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(work, packed[0]!.filename)], {cwd: work, encoding: 'utf8', stdio: 'pipe', timeout: 300_000})
}, 360_000)

describe('the npm package', () => {
  it('ships the CLI and its data, and no sources, tests or development entry point', () => {
    for (const needed of ['bin/run.js', 'package.json', 'oclif.manifest.json', 'dist/commands/cluster/create.js', 'dist/hooks/command-not-found.js', 'dist/core/config/cluster-file.precompiled.js', 'templates/cluster.yaml', 'addons/ingress/service.yaml', 'schema/cluster.schema.json', 'data/prices-eu-central-1.json']) {
      expect(files, needed).toContain(needed)
    }
    expect(files.filter((f) => /^(src|test|scripts|examples|docs|\.ci)\//.test(f) || f === 'bin/dev.js' || f.endsWith('.ts'))).toEqual([])
  })

  it('installs into an empty prefix; --version answers from the installed package', () => {
    expect(readdirSync(join(prefix, 'bin'))).toContain('kopsmith')
    const r = kopsmith(['--version'])
    expect(r.status, r.stderr).toBe(0)
    const {version} = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {version: string}
    expect(r.stdout).toMatch(new RegExp(`^kopsmith/${version.replaceAll('.', '\\.')} \\S+ node-v\\d+`))
  })

  it('plans a production cluster with --dry-run from a file outside the source tree', () => {
    copyFileSync(join(ROOT, 'examples/production.yaml'), join(work, 'prod.yaml'))
    const r = kopsmith(['cluster', 'create', '-f', 'prod.yaml', '--dry-run'])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain('Plan: create prod.k8s.acme.de')
  })

  it('has its help, plugins and did-you-mean hook wired in', () => {
    const help = kopsmith(['help', 'cluster'])
    expect(help.status, help.stderr).toBe(0)
    expect(help.stdout).toMatch(/^\s+cluster create\s/m)
    const typo = kopsmith(['clustr'])
    expect(typo.status).toBe(2)
    expect(typo.stderr).toContain('Did you mean `kopsmith cluster`?')
    expect(kopsmith(['autocomplete', '--help']).status).toBe(0)
  })
})
