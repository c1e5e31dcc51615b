import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {ROOT} from '../helpers/cli.js'

/**
 * The CLI as users run it: bin/run.js on the build (`npm test` builds first). Only the build has
 * the validator precompiled from the JSON Schema, so this is where its fast path and the zod
 * fallback for invalid files are exercised end to end.
 */
const RUN = join(ROOT, 'bin/run.js')
// Vitest sets NODE_ENV=test, under which oclif maps dist/ back to src/; users have no such setting.
const ENV = {...process.env, CI: 'true', NODE_ENV: 'production'}

function run(args: string[]) {
  return spawnSync(process.execPath, [RUN, ...args], {cwd: ROOT, encoding: 'utf8', env: ENV})
}

/**
 * The CLI on the build, recording every module the process loads: ES modules (and CommonJS ones they
 * import) through a loader hook, CommonJS ones `require`d (e.g. through createRequire) through the
 * CommonJS loader.
 */
function runRecordingModules(args: string[]) {
  const hook = join(mkdtempSync(join(tmpdir(), 'kopsmith-hook-')), 'hook.mjs')
  writeFileSync(
    hook,
    [
      "import Module, {register} from 'node:module'",
      `register('data:text/javascript,' + encodeURIComponent('export async function load(u, c, n) { process.stderr.write("LOADED " + u + "\\\\n"); return n(u, c) }'))`,
      'const load = Module._load',
      'Module._load = function (request, parent, ...rest) { try { process.stderr.write("LOADED " + Module._resolveFilename(request, parent) + "\\n") } catch {} return load.call(this, request, parent, ...rest) }',
      '',
    ].join('\n'),
  )
  const r = spawnSync(process.execPath, ['--import', hook, RUN, ...args], {cwd: ROOT, encoding: 'utf8', env: ENV})
  return {...r, loaded: r.stderr.split('\n').filter((l) => l.startsWith('LOADED '))}
}

describe('the built CLI', () => {
  it('has been built with the precompiled cluster-file validator', () => {
    expect(existsSync(join(ROOT, 'dist/core/config/cluster-file.precompiled.js')), 'run `npm run build` (npm test does)').toBe(true)
    expect(existsSync(join(ROOT, 'oclif.manifest.json'))).toBe(true)
  })

  it('plans the production example without loading zod', () => {
    const r = runRecordingModules(['cluster', 'create', '-f', 'examples/production.yaml', '--dry-run'])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain('Plan: create prod.k8s.acme.de')
    expect(r.stdout).toContain('Dry run, offline: nothing in AWS or kops was read or changed.')
    expect(r.loaded.some((l) => l.includes('cluster-file.precompiled.js'))).toBe(true)
    expect(r.loaded.filter((l) => /node_modules\/(zod|@aws-sdk|@kubernetes|listr2|execa|@inquirer)\//.test(l))).toEqual([])
  })

  it('reads a valid namespaces file without zod or yaml: js-yaml and the precompiled validator', () => {
    const r = runRecordingModules(['namespaces', 'bootstrap', '-f', 'examples/namespaces.yaml', '--dry-run'])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain('Dry run: nothing was applied.')
    expect(r.loaded.some((l) => l.includes('namespace-set.precompiled.js'))).toBe(true)
    expect(r.loaded.some((l) => l.includes('node_modules/js-yaml/'))).toBe(true)
    expect(r.loaded.filter((l) => /node_modules\/(zod|yaml)\//.test(l))).toEqual([])
    // The recording does see `yaml` where a command loads it, so the line above can fail.
    expect(runRecordingModules(['cluster', 'create', '-f', 'examples/production.yaml', '--dry-run']).loaded.some((l) => l.includes('node_modules/yaml/'))).toBe(true)
  })

  it('explains an invalid namespaces file with zod: field path, line:column, exit 3', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kopsmith-built-'))
    writeFileSync(join(dir, 'ns.yaml'), 'apiVersion: kopsmith/v1alpha1\nkind: NamespaceSet\nnamespaces:\n  - name: payments\n    team: system:masters\n    quota: {cpu: "8", memory: 16Gi, pods: 50}\n    limits: {cpu: 250m, memory: 256Mi}\n')
    const r = run(['namespaces', 'bootstrap', '-f', join(dir, 'ns.yaml'), '--dry-run'])
    expect(r.status).toBe(3)
    expect(r.stderr).toMatch(/ns\.yaml:5:\d+: namespaces\[0\]\.team: system: groups/)
  })

  it('explains an invalid file with zod: field path, line:column, exit 3', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kopsmith-built-'))
    writeFileSync(join(dir, 'bad.yaml'), readFileSync(join(ROOT, 'examples/production.yaml'), 'utf8').replace('maxSize: 12', 'maxSize: twelve'))
    const r = run(['config', 'validate', join(dir, 'bad.yaml')])
    expect(r.status).toBe(3)
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+: spec\.nodeGroups\[0\]\.maxSize: expected a number/)
  })

  it('--help lists the topics and the exit codes', () => {
    const help = execFileSync(process.execPath, [RUN, '--help'], {cwd: ROOT, encoding: 'utf8', env: ENV})
    for (const topic of ['cluster', 'addons', 'namespaces', 'sandbox', 'config']) expect(help).toMatch(new RegExp(`^\\s+${topic}\\s`, 'm'))
    expect(help).toContain('EXIT CODES')
    expect(help).toMatch(/130\s+interrupted; the lock was released/)
  })
})
