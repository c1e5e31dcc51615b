#!/usr/bin/env node
// Namespace bootstrap benchmark (DESIGN.md "Non-functional targets"): 100 namespaces against a
// Kubernetes API that answers every request after 5 ms, by kopsmith's apply engine and by
// `kubectl apply --server-side -f DIR` of the same manifests; prints both wall times and the ratio
// (target ≤ 0.3). Exits non-zero when either run fails or the target is missed.
//
// Three processes, so that none slows another: the fake API (test/helpers/fake-kube-api.ts under
// tsx), kopsmith, and kubectl. Each side gets a fresh API server with the same latency.
// kopsmith runs from the BUILT code — dist/deps.js and dist/services/namespaces.js (override the
// directory with KOPSMITH_DIST) — in a child `node` process, timed from spawn to exit like kubectl:
// node start-up, module loading and the lazy import of @kubernetes/client-node all count.
// kubectl gets an empty discovery cache (--cache-dir in a temp dir): both sides discover once.
import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {performance} from 'node:perf_hooks'
import {fileURLToPath, pathToFileURL} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const dist = resolve(process.env.KOPSMITH_DIST ?? join(root, 'dist'))
const COUNT = Number(process.env.BENCH_NAMESPACES ?? 100)
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 5)
const TARGET = 0.3
const kubectl = process.env.KUBECTL ?? '/usr/bin/kubectl'

// Child mode: one kopsmith bootstrap, result as JSON on stdout.
if (process.argv[2] === '--kopsmith') {
  const [file, kubeconfig, mode, outputDir] = process.argv.slice(3)
  const {createDeps} = await import(pathToFileURL(join(dist, 'deps.js')).href)
  const {bootstrapNamespaces} = await import(pathToFileURL(join(dist, 'services', 'namespaces.js')).href)
  const dryRun = mode === 'render'
  const result = await bootstrapNamespaces(createDeps({interactive: false}), {file, kubeconfig, prune: false, force: false, dryRun, outputDir, timeoutMs: 120_000})
  process.stdout.write(JSON.stringify(result))
  process.exit(0)
}

if (!existsSync(join(dist, 'services', 'namespaces.js'))) {
  console.error(`bench-namespaces: ${dist}/services/namespaces.js is missing; run \`npm run build\` first`)
  process.exit(2)
}

const work = mkdtempSync(join(tmpdir(), 'kopsmith-bench-ns-'))
const file = join(work, 'namespaces.yaml')
writeFileSync(file, namespaceSet(COUNT))
const manifests = join(work, 'manifests')
const render = await run(process.execPath, [fileURLToPath(import.meta.url), '--kopsmith', file, '', 'render', manifests])
if (render.code !== 0) fail(`rendering the manifests failed: ${render.stderr}`)
const objects = JSON.parse(render.stdout).objects

const kopsmithMs = await measure('kopsmith', (kubeconfig) => [process.execPath, [fileURLToPath(import.meta.url), '--kopsmith', file, kubeconfig, 'apply']])
const kubectlMs = await measure('kubectl apply --server-side', (kubeconfig) => [kubectl, ['apply', '--server-side', '-f', manifests, '--kubeconfig', kubeconfig, '--cache-dir', mkdtempSync(join(tmpdir(), 'kopsmith-bench-kubectl-cache-'))]])

if (kopsmithMs !== undefined && kubectlMs !== undefined) {
  const ratio = kopsmithMs / kubectlMs
  const ok = ratio <= TARGET
  console.log(
    `namespace bootstrap (${COUNT} namespaces, ${objects} objects, ${LATENCY_MS} ms/request): kopsmith ${kopsmithMs.toFixed(0)} ms, kubectl ${kubectlMs.toFixed(0)} ms, ratio ${ratio.toFixed(3)} (target ≤ ${TARGET}) ${ok ? 'ok' : 'OVER'}`,
  )
  if (!ok) process.exitCode = 1
} else {
  process.exitCode = 1
}

/** Starts a fresh fake API, runs one client against it, checks every object arrived, returns ms. */
async function measure(name, command) {
  const server = spawn(process.execPath, ['--import', 'tsx', join(root, 'test', 'helpers', 'fake-kube-api.ts')], {
    cwd: root,
    env: {...process.env, FAKE_KUBE_LATENCY_MS: String(LATENCY_MS), FAKE_KUBE_OPENAPI_DIR: join(root, '..', 'shared', 'reference', 'k8s-openapi')},
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    const url = await new Promise((resolveUrl, reject) => {
      let out = ''
      server.stdout.on('data', (d) => {
        out += d.toString()
        const line = out.split('\n').find((l) => l.startsWith('{'))
        if (line) resolveUrl(JSON.parse(line).url)
      })
      server.on('exit', (code) => reject(new Error(`fake API exited with ${code}`)))
    })
    const {writeKubeconfig} = await kubeconfigWriter()
    const kubeconfig = writeKubeconfig(url, mkdtempSync(join(tmpdir(), 'kopsmith-bench-kc-')))
    const [cmd, args] = command(kubeconfig)
    const started = performance.now()
    const r = await run(cmd, args)
    const ms = performance.now() - started
    if (r.code !== 0) throw new Error(`${cmd} exited ${r.code}: ${r.stderr.slice(-2000)}`)
    const stats = await (await globalThis.fetch(`${url}/__fake/stats`)).json()
    const patches = stats.byMethod.PATCH ?? 0
    if (patches !== objects || stats.objects !== objects) throw new Error(`${name}: ${patches} PATCH requests, ${stats.objects} objects stored; expected ${objects}`)
    console.log(`${name}: ${objects} objects, ${stats.requests} requests, ${ms.toFixed(0)} ms`)
    return ms
  } catch (error) {
    console.error(`${name} run failed: ${error?.message ?? error}`)
    return undefined
  } finally {
    server.kill('SIGTERM')
  }
}

/** The kubeconfig writer lives with the fake API; it needs no TypeScript, so inline its output here. */
async function kubeconfigWriter() {
  return {
    writeKubeconfig(url, dir) {
      const path = join(dir, 'kubeconfig')
      writeFileSync(
        path,
        `apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster: {server: "${url}", insecure-skip-tls-verify: true}\nusers:\n- name: admin\n  user: {token: fake-token}\ncontexts:\n- name: fake\n  context: {cluster: fake, user: admin}\ncurrent-context: fake\n`,
      )
      return path
    },
  }
}

function run(cmd, args) {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, {cwd: root, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d.toString()))
    child.stderr.on('data', (d) => (stderr += d.toString()))
    child.on('close', (code) => resolveRun({code, stdout, stderr}))
    child.on('error', (error) => resolveRun({code: -1, stdout, stderr: String(error)}))
  })
}

function fail(message) {
  console.error(`bench-namespaces: ${message}`)
  process.exit(1)
}

function namespaceSet(count) {
  const lines = ['apiVersion: kopsmith/v1alpha1', 'kind: NamespaceSet', 'namespaces:']
  for (let i = 0; i < count; i++) {
    lines.push(
      `  - name: app-${String(i).padStart(3, '0')}`,
      `    team: team-${i % 10}`,
      '    quota: {cpu: "4", memory: 8Gi, pods: 40}',
      '    limits: {cpu: 200m, memory: 256Mi}',
      `    ingress: ${i % 2 === 0}`,
      '    egress: [{cidr: 10.30.0.0/16, ports: [5432]}]',
      '    deployer: true',
    )
  }
  return `${lines.join('\n')}\n`
}

