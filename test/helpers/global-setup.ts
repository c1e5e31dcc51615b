import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {} from 'vitest'
import type {TestProject} from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    motoUrl: string
    /** Admin kubeconfig of the real Kubernetes API server of this run ('' when no e2e file runs). */
    kubeconfig: string
  }
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const KUBE_SCRIPTS = join(ROOT, '..', 'shared', 'kube')
const E2E_DIR = join(ROOT, 'test', 'e2e')

/**
 * Starts what the integration and e2e suites run against, once for the whole run:
 *  - a moto server (S3, Route53, STS … on a free loopback port), unless `.ci/run` already started
 *    one and exported KOPSMITH_TEST_MOTO_URL;
 *  - a real Kubernetes API server (`../shared/kube/up.sh`: kube-apiserver and
 *    kube-controller-manager v1.20.2 with etcd), unless KOPSMITH_E2E_KUBECONFIG names one already.
 *    Its kubeconfig is exported as KOPSMITH_E2E_KUBECONFIG to the test processes and provided as
 *    `kubeconfig`; it is stopped with `down.sh` and its directory removed at the end.
 * Neither is ever skipped: when one cannot start, the run fails, because these suites are not
 * optional. The API server is left out only when the run's file filters exclude every e2e file
 * (e.g. `npx vitest run test/unit`), so single-file runs do not pay its start-up.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [moto, kube] = await Promise.allSettled([startMoto(), needsKube(project) ? startKube() : Promise.resolve(undefined)])
  if (moto.status === 'rejected' || kube.status === 'rejected') {
    if (moto.status === 'fulfilled') await moto.value.stop()
    if (kube.status === 'fulfilled') await kube.value?.stop()
    throw moto.status === 'rejected' ? moto.reason : (kube as PromiseRejectedResult).reason
  }
  project.provide('motoUrl', moto.value.url)
  project.provide('kubeconfig', kube.value?.kubeconfig ?? '')
  // Test processes are forked after the global setup and inherit this environment.
  if (kube.value) process.env.KOPSMITH_E2E_KUBECONFIG = kube.value.kubeconfig
  return async () => {
    await Promise.all([moto.value.stop(), kube.value?.stop()])
  }
}

interface Running {
  stop(): Promise<void>
}

// ---------------------------------------------------------------- moto

async function startMoto(): Promise<Running & {url: string}> {
  const given = process.env.KOPSMITH_TEST_MOTO_URL
  if (given) {
    await waitForMoto(given, 20_000)
    return {url: given, stop: async () => {}}
  }
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
  try {
    await waitForMoto(url, 30_000, child)
  } catch (error) {
    child.kill('SIGKILL')
    throw new Error(`moto server did not start on ${url}: ${(error as Error).message}\n${stderr}`, {cause: error})
  }
  return {url, stop: async () => void child.kill('SIGTERM')}
}

async function waitForMoto(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`moto exited with ${child.exitCode}`)
    try {
      const res = await fetch(`${url}/moto-api/`)
      if (res.ok || res.status < 500) return
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('timed out waiting for moto')
    await new Promise((r) => setTimeout(r, 200))
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      const port = typeof address === 'object' && address ? address.port : 0
      srv.close(() => resolve(port))
    })
  })
}

// ---------------------------------------------------------------- Kubernetes

/**
 * Whether this run includes an e2e file. Vitest keeps the command line's file filters in
 * `filenamePattern` (substring matches, as for the test files themselves); when that is not
 * readable the answer is yes — starting a server that no test uses is the safe mistake.
 */
function needsKube(project: TestProject): boolean {
  const filters = (project.vitest as unknown as {filenamePattern?: unknown}).filenamePattern
  if (!Array.isArray(filters) || filters.length === 0) return true
  const e2eFiles = readdirSync(E2E_DIR).map((f) => join(E2E_DIR, f))
  return e2eFiles.some((file) => filters.some((filter) => typeof filter !== 'string' || file.includes(filter.replace(/^\.\//, ''))))
}

async function startKube(): Promise<Running & {kubeconfig: string}> {
  const given = process.env.KOPSMITH_E2E_KUBECONFIG
  if (given) {
    if (!existsSync(given)) throw new Error(`KOPSMITH_E2E_KUBECONFIG=${given} does not exist`)
    return {kubeconfig: given, stop: async () => {}}
  }
  // A loaded machine can make kube-controller-manager miss its own 10 s start-up deadline (up.sh
  // then fails with "context deadline exceeded"); a fresh attempt usually succeeds. Three failures fail the run.
  const failures: string[] = []
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startKubeOnce()
    } catch (error) {
      failures.push(`attempt ${attempt}: ${(error as Error).message}`)
    }
  }
  throw new Error(`the Kubernetes API server for the e2e suite did not start (../shared/kube/up.sh):\n${failures.join('\n')}`)
}

async function startKubeOnce(): Promise<Running & {kubeconfig: string}> {
  const dir = mkdtempSync(join(tmpdir(), 'kopsmith-test-kube-'))
  const cache = join(tmpdir(), 'kopsmith-test-kube-bin')
  seedBinaries(cache, join(dir, 'bin'))
  let stopped = false
  const stop = () => {
    if (stopped) return
    stopped = true
    process.removeListener('exit', stop)
    spawnSync('bash', [join(KUBE_SCRIPTS, 'down.sh'), dir], {stdio: 'ignore'})
    rmSync(dir, {recursive: true, force: true})
  }
  // Also on an abrupt exit (Ctrl-C before the teardown runs): never leave etcd and the API server behind.
  process.once('exit', stop)
  try {
    const out = await run('bash', [join(KUBE_SCRIPTS, 'up.sh'), dir], 300_000)
    const [kubeconfig] = out.trim().split(/\s+/)
    if (!kubeconfig || !existsSync(kubeconfig)) throw new Error(`up.sh printed no kubeconfig path: ${out}`)
    seedBinaries(join(dir, 'bin'), cache)
    return {kubeconfig, stop: async () => stop()}
  } catch (error) {
    stop()
    throw error
  }
}

/** up.sh unpacks its binaries into DIR/bin unless their checksum file matches; reuse earlier runs' copies. */
function seedBinaries(from: string, to: string): void {
  if (!existsSync(from)) return
  mkdirSync(to, {recursive: true})
  for (const name of ['etcd', 'kube-apiserver', 'kube-controller-manager']) {
    if (!existsSync(join(from, name)) || !existsSync(join(from, `${name}.sum`)) || existsSync(join(to, `${name}.sum`))) continue
    try {
      // Copy, then rename: runs of other worktrees may read the shared cache at the same moment.
      for (const file of [name, `${name}.sum`]) {
        const partial = join(to, `.${file}.${process.pid}`)
        copyFileSync(join(from, file), partial)
        renameSync(partial, join(to, file))
      }
    } catch {
      // a cache that cannot be written or read only costs the unpacking time
    }
  }
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve(stdout)
      else reject(new Error(`${args[0]} exited with ${code ?? signal}\n${stderr}`))
    })
  })
}
