import {HeadBucketCommand} from '@aws-sdk/client-s3'
import {describe, expect, it} from 'vitest'

import {auditPrefix, type AuditRecord, lockKey} from '../../../src/core/aws/lock.js'
import {readCallLog} from '../kops/standin.js'
import {isAlive, listKeys, motoForFile, readObject, recordedKopsProcesses, runBuiltCli, s3, sandboxScenario, type Scenario, startBuiltCli, until} from './support.js'

/**
 * Ctrl-C (SIGINT) and SIGTERM at many moments of a real `cluster create --yes` — the built CLI
 * against moto and the kops stand-in, kops run through a wrapper script as some teams do — each
 * time: exit 130, the lock released, the audit record written wherever the state bucket exists,
 * and nothing kops started (the wrapper's children included) left running.
 */
const moto = motoForFile()

/** Three runs at a time: the machine has two cores, and each run is a CLI plus kops processes. */
const slots = {free: 3, waiting: [] as Array<() => void>}
async function slot<T>(run: () => Promise<T>): Promise<T> {
  while (slots.free === 0) await new Promise<void>((r) => slots.waiting.push(r))
  slots.free--
  try {
    return await run()
  } finally {
    slots.free++
    slots.waiting.shift()?.()
  }
}

const hang = (command: string): Record<string, string> => ({KOPS_STANDIN_SLEEP_MS: `${command}:600000`})
const kopsRunning = (argv: string) => (t: Scenario) => until(() => recordedKopsProcesses(t).some((p) => p.role === 'kops' && p.argv.startsWith(argv)), `kops ${argv}`)
const kopsDone = (command: string) => (t: Scenario) => until(() => readCallLog(t.env.KOPS_STANDIN_LOG!).some((c) => c.command === command), `kops ${command} to finish`)
const after = (ms: number) => () => new Promise<boolean>((r) => setTimeout(() => r(true), ms))

interface Point {
  name: string
  signal: NodeJS.Signals
  env: Record<string, string>
  when: (t: Scenario) => Promise<unknown>
  /** Where the run must be when the signal lands: before the lock (no bucket may exist) or holding it. */
  stage?: 'before-anything' | 'holding-the-lock'
  rerun?: boolean
}

const POINTS: Point[] = [
  {name: 'kops version, in the preflight, before anything exists', signal: 'SIGTERM', env: hang('version'), when: kopsRunning('version'), stage: 'before-anything'},
  {name: 'right after the preflight kops call, while the buckets are checked and created', signal: 'SIGINT', env: {}, when: kopsDone('version'), rerun: true},
  {name: 'kops get cluster, holding the lock', signal: 'SIGTERM', env: hang('get-clusters'), when: kopsRunning('get cluster'), stage: 'holding-the-lock'},
  {name: 'kops create -f', signal: 'SIGINT', env: hang('create'), when: kopsRunning('create -f'), stage: 'holding-the-lock'},
  {name: 'kops create secret encryptionconfig', signal: 'SIGTERM', env: hang('create-secret-encryptionconfig'), when: kopsRunning('create secret'), stage: 'holding-the-lock'},
  ...(['SIGINT', 'SIGTERM'] as const).map((signal) => ({
    name: `a hung kops update cluster that ignores SIGTERM, with a helper holding its pipes (${signal})`,
    signal,
    env: {...hang('update-cluster'), KOPS_STANDIN_IGNORE_SIGTERM: '1', KOPS_WRAPPER_SIDEKICK: 'update'},
    when: kopsRunning('update cluster'),
    stage: 'holding-the-lock' as const,
    rerun: signal === 'SIGINT',
  })),
  {name: 'kops validate cluster', signal: 'SIGINT', env: hang('validate-cluster'), when: kopsRunning('validate cluster'), stage: 'holding-the-lock'},
  {name: 'between two validations (the loop waits)', signal: 'SIGTERM', env: {KOPS_STANDIN_HEALTH: 'unhealthy'}, when: kopsDone('validate-cluster'), stage: 'holding-the-lock'},
  {name: 'kops export kubeconfig', signal: 'SIGINT', env: hang('export-kubeconfig'), when: kopsRunning('export kubeconfig'), stage: 'holding-the-lock'},
  ...[300, 1500, 4000].map((ms, i) => ({name: `${ms} ms after start`, signal: (i % 2 === 0 ? 'SIGINT' : 'SIGTERM') as NodeJS.Signals, env: {}, when: after(ms)})),
]

async function bucketExists(bucket: string): Promise<boolean> {
  return s3(moto.url).send(new HeadBucketCommand({Bucket: bucket})).then(() => true, () => false)
}

async function audits(t: Scenario): Promise<AuditRecord[]> {
  const keys = await listKeys(moto.url, t.bucket, auditPrefix(t.name))
  return Promise.all(keys.map(async (k) => JSON.parse(await readObject(moto.url, t.bucket, k)) as AuditRecord))
}

const create = ['cluster', 'create', '-f', 'cluster.yaml', '--yes', '--json', '--skip', 'addons,namespaces']

describe('cluster create --yes interrupted at many points (built CLI, moto, kops stand-in behind a wrapper)', () => {
  it.concurrent.each(POINTS)('$signal during $name: exit 130, lock released, audited, no kops left', {timeout: 600_000}, async (point) =>
    slot(async () => {
      const t = moto.track(sandboxScenario(moto.url, {wrapper: true}))
      const run = startBuiltCli(create, {cwd: t.dir, env: {...t.env, ...point.env}})
      await Promise.race([point.when(t), run.done])
      expect(run.child.exitCode, `the run ended before the signal: ${run.stdout()}${run.stderr()}`).toBeNull()
      run.child.kill(point.signal)
      const r = await run.done
      expect(r.exitCode, r.stdout + r.stderr).toBe(130)
      expect(r.json, 'one --json envelope').toMatchObject({status: 'error', error: {code: 'interrupted', exitCode: 130}})

      // Nothing kops started outlives the run, whatever ignored SIGTERM.
      expect(recordedKopsProcesses(t).filter((p) => isAlive(p.pid))).toEqual([])
      const exists = await bucketExists(t.bucket)
      if (point.stage === 'before-anything') expect(exists).toBe(false)
      if (exists) {
        expect(await listKeys(moto.url, t.bucket, lockKey(t.name))).toEqual([])
        const records = await audits(t)
        expect(records, 'one audit record, saying interrupted').toEqual([expect.objectContaining({operation: 'create', outcome: 'interrupted', exitCode: 130})])
        if (point.stage === 'holding-the-lock') expect(records[0]!.lock).toEqual({released: true})
      }

      if (point.rerun) {
        const again = await runBuiltCli(create, {cwd: t.dir, env: t.env})
        expect(again.exitCode, again.stdout + again.stderr).toBe(0)
      }
    }),
  )
})

describe('a kops call past its deadline (built CLI, moto, kops stand-in behind a wrapper)', () => {
  it('--kops-timeout update=3s: a hung kops update is stopped with its whole tree, exit 7, lock released, audited', {timeout: 300_000}, async () =>
    slot(async () => {
      const t = moto.track(sandboxScenario(moto.url, {wrapper: true}))
      const env = {...t.env, ...hang('update-cluster'), KOPS_STANDIN_IGNORE_SIGTERM: '1', KOPS_WRAPPER_SIDEKICK: 'update'}
      const r = await runBuiltCli([...create, '--kops-timeout', 'update=3s'], {cwd: t.dir, env})
      expect(r.exitCode, r.stdout + r.stderr).toBe(7)
      expect(r.json).toMatchObject({error: {code: 'timeout', message: 'kops update cluster did not finish within 3s and was stopped'}})
      expect(recordedKopsProcesses(t).filter((p) => isAlive(p.pid))).toEqual([])
      expect(await listKeys(moto.url, t.bucket, lockKey(t.name))).toEqual([])
      expect(await audits(t)).toEqual([expect.objectContaining({outcome: 'failure', exitCode: 7, lock: {released: true}})])
    }),
  )
})
