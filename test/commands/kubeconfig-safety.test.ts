import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {stringify} from 'yaml'
import {describe, expect, it} from 'vitest'

import {runCli} from '../helpers/cli.js'

/** Nothing listens on port 1: a run that gets past the kubeconfig check fails to connect (exit 6), one that is refused never tries (exit 9). */
const NOWHERE = 'https://127.0.0.1:1'

function kubeconfig(dir: string, file: string, options: {current?: string; contexts: Array<{name: string; server: string; tlsServerName?: string}>}): string {
  const path = join(dir, file)
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: options.contexts.map((c) => ({name: c.name, cluster: {server: c.server, 'insecure-skip-tls-verify': c.tlsServerName === undefined, ...(c.tlsServerName ? {'tls-server-name': c.tlsServerName} : {})}})),
      users: [{name: 'admin', user: {token: 'not-a-real-token'}}],
      contexts: options.contexts.map((c) => ({name: c.name, context: {cluster: c.name, user: 'admin'}})),
      ...(options.current ? {'current-context': options.current} : {}),
    }),
    {mode: 0o600},
  )
  return path
}

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'kopsmith-kubeconfig-'))
}

type Envelope = {status: string; error?: {code: string; exitCode: number; message: string; suggestions: string[]}}

describe('addons and namespaces change only the cluster they name (KUBECONFIG, --kubeconfig, --context)', () => {
  it('KUBECONFIG whose current context is another cluster: addons install and status refuse (exit 9) before connecting', async () => {
    const d = dir()
    const staging = kubeconfig(d, 'staging', {current: 'staging', contexts: [{name: 'staging', server: NOWHERE}, {name: 'prod', server: NOWHERE, tlsServerName: 'api.internal.prod.k8s.acme.de'}]})
    for (const args of [['addons', 'status'], ['addons', 'install', '--yes']]) {
      const r = await runCli([...args, '-f', 'examples/production.yaml', '--json'], {env: {KUBECONFIG: staging}})
      expect(r.exitCode, r.stdout + r.stderr).toBe(9)
      const error = (r.json as Envelope).error
      expect(error?.message).toContain('context "staging" points at https://127.0.0.1:1, which is not the API of prod.k8s.acme.de')
      expect(error?.suggestions[0]).toBe('Contexts of prod.k8s.acme.de in the kubeconfig: --context prod')
    }
  })

  it('merges the KUBECONFIG list as kubectl does: the first current-context wins, missing files are skipped', async () => {
    const d = dir()
    const first = kubeconfig(d, 'first', {contexts: [{name: 'prod', server: NOWHERE, tlsServerName: 'api.internal.prod.k8s.acme.de'}]})
    const second = kubeconfig(d, 'second', {current: 'prod', contexts: [{name: 'prod', server: 'https://api.staging.k8s.acme.de'}]})
    const third = kubeconfig(d, 'third', {current: 'staging', contexts: [{name: 'staging', server: NOWHERE}]})
    // first defines "prod" (and wins it), second sets the current context, third comes too late.
    const r = await runCli(['addons', 'status', '-f', 'examples/production.yaml', '--json'], {env: {KUBECONFIG: [join(d, 'missing'), first, second, third].join(':')}})
    expect(r.exitCode, r.stdout + r.stderr).toBe(6)
    expect((r.json as Envelope).error?.message).toContain('https://127.0.0.1:1')
  })

  it('--context names the context explicitly and is used as it is; --kubeconfig reads that one file only', async () => {
    const d = dir()
    const staging = kubeconfig(d, 'staging', {current: 'staging', contexts: [{name: 'staging', server: NOWHERE}]})
    const explicit = await runCli(['addons', 'status', '-f', 'examples/production.yaml', '--context', 'staging', '--json'], {env: {KUBECONFIG: staging}})
    expect(explicit.exitCode, explicit.stdout).toBe(6)
    const prod = kubeconfig(d, 'prod', {current: 'prod', contexts: [{name: 'prod', server: NOWHERE, tlsServerName: 'api.internal.prod.k8s.acme.de'}]})
    const byFlag = await runCli(['addons', 'status', '-f', 'examples/production.yaml', '--kubeconfig', prod, '--json'], {env: {KUBECONFIG: staging}})
    expect(byFlag.exitCode, byFlag.stdout).toBe(6)
  })

  it('namespaces bootstrap: a namespaces file names no cluster, so --cluster (checked) or --context is required', async () => {
    const d = dir()
    const staging = kubeconfig(d, 'staging', {current: 'staging', contexts: [{name: 'staging', server: NOWHERE}]})
    const unnamed = await runCli(['namespaces', 'bootstrap', '-f', 'examples/namespaces.yaml', '--yes', '--json'], {env: {KUBECONFIG: staging}})
    expect(unnamed.exitCode, unnamed.stdout).toBe(2)
    expect((unnamed.json as Envelope).error?.message).toContain('--cluster NAME')
    const wrong = await runCli(['namespaces', 'bootstrap', '-f', 'examples/namespaces.yaml', '--cluster', 'prod.k8s.acme.de', '--yes', '--json'], {env: {KUBECONFIG: staging}})
    expect(wrong.exitCode, wrong.stdout).toBe(9)
  })
})

describe('kubeconfig content never appears in a message', () => {
  const SECRETS = ['eyJhbGciOiJSUzI1NiJ9.SECRET-TOKEN', 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tSECRETKEY']

  function brokenKubeconfig(): string {
    const path = join(dir(), 'config')
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'users:',
        '- name: admin',
        '  user:',
        `    token: ${SECRETS[0]}`,
        `    client-key-data: ${SECRETS[1]}`,
        `    client-certificate-data: [${SECRETS[1]}`,
        'contexts: []',
        '',
      ].join('\n'),
      {mode: 0o600},
    )
    return path
  }

  it.each([
    ['--json', ['--json']],
    ['human', []],
    ['human with --verbose', ['--verbose']],
  ])('a kubeconfig that does not parse: exit 3 with path and line:column, no credential (%s)', async (_mode, extra) => {
    const path = brokenKubeconfig()
    const r = await runCli(['addons', 'status', '-f', 'examples/production.yaml', '--kubeconfig', path, ...extra])
    for (const secret of SECRETS) expect(r.stdout + r.stderr).not.toContain(secret.slice(0, 16))
    expect(r.exitCode, r.stdout + r.stderr).toBe(3)
    expect(r.stdout + r.stderr).toContain(path)
  })
})
