#!/usr/bin/env node
// `npm run bench`: DESIGN.md's start-up targets as ratios against `node -e 0`, measured alternately
// in the same run (so machine load affects both sides alike), then the namespace bootstrap benchmark.
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const rounds = Number(process.env.BENCH_ROUNDS ?? 21)
const bin = join(root, 'bin', 'run.js')
const env = {...process.env, CI: 'true'}
delete env.KOPSMITH_VERBOSE

const cases = [
  {name: 'node -e 0', argv: ['-e', '0']},
  {name: 'kopsmith --version', argv: [bin, '--version'], target: 2.5},
  {name: 'kopsmith --help', argv: [bin, '--help'], target: 3},
  {name: 'cluster create --dry-run (production)', argv: [bin, 'cluster', 'create', '-f', 'examples/production.yaml', '--dry-run'], target: 4},
]

function timeOnce(argv) {
  const start = process.hrtime.bigint()
  const r = spawnSync(process.execPath, argv, {cwd: root, env, stdio: ['ignore', 'ignore', 'pipe']})
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`)
  return ms
}

function peakRssMiB(argv) {
  if (!existsSync('/usr/bin/time')) return undefined
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...argv], {cwd: root, env, encoding: 'utf8'})
  const kb = Number(r.stderr.trim().split('\n').pop())
  return Number.isFinite(kb) ? kb / 1024 : undefined
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

for (const c of cases) timeOnce(c.argv) // warm the file cache
const samples = cases.map(() => [])
for (let i = 0; i < rounds; i++) cases.forEach((c, j) => samples[j].push(timeOnce(c.argv)))

const base = median(samples[0])
let failed = false
console.log(`start-up, median of ${rounds} alternating rounds (node ${process.version})`)
console.log(`${'case'.padEnd(40)} ${'median'.padStart(9)} ${'ratio'.padStart(7)} ${'target'.padStart(7)}`)
cases.forEach((c, j) => {
  const m = median(samples[j])
  const ratio = m / base
  const ok = c.target === undefined || ratio <= c.target
  if (!ok) failed = true
  console.log(
    `${c.name.padEnd(40)} ${m.toFixed(1).padStart(7)}ms ${ratio.toFixed(2).padStart(6)}x ${(c.target ? `≤${c.target}x` : '').padStart(7)} ${c.target ? (ok ? 'ok' : 'OVER') : ''}`,
  )
})

const rss = peakRssMiB(cases[3].argv)
if (rss !== undefined) {
  const ok = rss <= 200
  if (!ok) failed = true
  console.log(`peak RSS of the production dry-run: ${rss.toFixed(1)} MiB (target ≤ 200 MiB) ${ok ? 'ok' : 'OVER'}`)
}

const nsBench = join(root, 'scripts', 'bench-namespaces.mjs')
if (existsSync(nsBench)) {
  console.log('')
  const r = spawnSync(process.execPath, [nsBench], {cwd: root, env, stdio: 'inherit'})
  if (r.status !== 0) failed = true
}

process.exitCode = failed ? 1 : 0
