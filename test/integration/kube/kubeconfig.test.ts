import {execFile} from 'node:child_process'
import {chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ClientNodeKube} from '../../../src/adapters/kube/client-node-kube.js'
import {PreconditionError} from '../../../src/core/errors.js'
import {ROOT} from '../../helpers/cli.js'
import {FakeKubeApi} from '../../helpers/fake-kube-api.js'

/**
 * How the Kube adapter reads kubeconfigs: static credentials without loading
 * @kubernetes/client-node (a bearer token here; client certificates in every e2e test, whose
 * kubeconfig has them), plugins (exec) through it, and errors that never quote the file (it holds
 * credentials).
 */
const execFileAsync = promisify(execFile)
let api: FakeKubeApi
let dir: string

beforeAll(async () => {
  api = await new FakeKubeApi().start()
  dir = mkdtempSync(join(tmpdir(), 'kopsmith-kubeconfig-'))
})
afterAll(async () => {
  await api.stop()
})

function kubeconfig(name: string, user: string, cluster = `{server: "${api.url}", insecure-skip-tls-verify: true}`): string {
  const path = join(dir, name)
  writeFileSync(
    path,
    ['apiVersion: v1', 'kind: Config', 'clusters:', `- name: c`, `  cluster: ${cluster}`, 'users:', '- name: u', `  user: ${user}`, 'contexts:', '- name: x', '  context: {cluster: c, user: u}', 'current-context: x', ''].join('\n'),
  )
  return path
}

describe('kubeconfig credentials in the Kube adapter', () => {
  it('static credentials (a bearer token) work without importing @kubernetes/client-node; an exec plugin imports it', async () => {
    // A child process records every module it resolves from @kubernetes/client-node.
    const hooks = join(dir, 'hooks.mjs')
    writeFileSync(
      hooks,
      `import {appendFileSync} from 'node:fs'\nexport async function resolve(specifier, context, next) {\n  const r = await next(specifier, context)\n  if (r.url.includes('/@kubernetes/client-node/')) appendFileSync(process.env.TRACE_FILE, r.url + '\\n')\n  return r\n}\n`,
    )
    const register = join(dir, 'register.mjs')
    writeFileSync(register, `import {register} from 'node:module'\nregister(${JSON.stringify(pathToFileURL(hooks).href)})\n`)
    const run = async (config: string) => {
      const trace = join(dir, `trace-${Math.random().toString(36).slice(2)}`)
      writeFileSync(trace, '')
      const script = `const {ClientNodeKube} = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'src', 'adapters', 'kube', 'client-node-kube.ts')).href)})
const kube = new ClientNodeKube(${JSON.stringify(config)})
console.log(await kube.isServed('v1', 'ConfigMap'))
kube.close()`
      // Asynchronously: the fake API answering the child runs in this process.
      const r = await execFileAsync(process.execPath, ['--import', 'tsx', '--import', register, '--input-type=module', '-e', script], {cwd: ROOT, env: {...process.env, TRACE_FILE: trace}, encoding: 'utf8'})
      expect(r.stdout.trim()).toBe('true')
      return readFileSync(trace, 'utf8').trim()
    }
    expect(await run(kubeconfig('token', '{token: static-token-123}'))).toBe('')
    expect(api.requests.at(-1)?.authorization).toBe('Bearer static-token-123')
    const plugin = join(dir, 'noop-plugin.sh')
    writeFileSync(plugin, `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}'\n`)
    chmodSync(plugin, 0o755)
    expect(await run(kubeconfig('exec-traced', `{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ${plugin}, interactiveMode: Never}}`))).toContain('@kubernetes/client-node')
  })

  it('an exec plugin runs through @kubernetes/client-node (its token reaches the API)', async () => {
    const marker = join(dir, 'exec-ran')
    const plugin = join(dir, 'credential-plugin.sh')
    writeFileSync(
      plugin,
      `#!/bin/sh\ntouch ${marker}\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"exec-token-456"}}'\n`,
    )
    chmodSync(plugin, 0o755)
    const kube = new ClientNodeKube(kubeconfig('exec', `{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ${plugin}, interactiveMode: Never}}`))
    expect(await kube.isServed('apps/v1', 'Deployment')).toBe(true)
    kube.close()
    expect(existsSync(marker)).toBe(true)
    expect(api.requests.at(-1)?.authorization).toBe('Bearer exec-token-456')
  })

  it('a certificate file the kubeconfig names but that cannot be read is a precondition error (exit 4) naming the file, not its content', () => {
    const missingCert = kubeconfig('missing-cert', '{client-certificate: ./nope.crt, client-key: ./nope.key}')
    const error = (() => {
      try {
        new ClientNodeKube(missingCert)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(PreconditionError)
    expect((error as PreconditionError).exitCode).toBe(4)
    expect((error as Error).message).toMatch(/names .*\/nope\.crt, which cannot be read: ENOENT/)
  })
})
