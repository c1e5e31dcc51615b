import {describe, expect, it} from 'vitest'

import {auditPrefix, type AuditRecord, lockKey} from '../../../src/core/aws/lock.js'
import {motoEnv} from '../../helpers/moto.js'
import {killRecorded, listKeys, motoForFile, readObject, recordedKopsProcesses, runBuiltCli, sandboxScenario, type Scenario, startBuiltCli, until} from './support.js'

/**
 * A `cluster create --yes` killed with SIGKILL (OOM killer, `kill -9`, a cancelled CI job) leaves
 * its lock behind. The built CLI against moto and the kops stand-in: the recovery command kopsmith
 * prints works exactly as printed, and on the same host a lock whose holder is gone is taken over
 * at once.
 */
const moto = motoForFile()
const scenario = (): Scenario => moto.track(sandboxScenario(moto.url, {wrapper: true}))

const create = ['cluster', 'create', '-f', 'cluster.yaml', '--yes', '--json', '--skip', 'addons,namespaces']

/** Starts a create that hangs in `kops update cluster`, and resolves once kops is running it. */
async function hungCreate(t: Scenario) {
  const run = startBuiltCli(create, {cwd: t.dir, env: {...t.env, KOPS_STANDIN_SLEEP_MS: 'update-cluster:600000'}})
  await until(() => recordedKopsProcesses(t).some((p) => p.role === 'kops' && p.argv.startsWith('update cluster')) || run.child.exitCode !== null, 'kops update cluster to start')
  expect(run.child.exitCode, run.stdout() + run.stderr()).toBeNull()
  return run
}

async function audits(t: Scenario): Promise<AuditRecord[]> {
  const keys = await listKeys(moto.url, t.bucket, auditPrefix(t.name))
  return Promise.all(keys.map(async (k) => JSON.parse(await readObject(moto.url, t.bucket, k)) as AuditRecord))
}

describe('a create killed with SIGKILL (built CLI, moto, kops stand-in)', () => {
  it('prints a recovery command that works exactly as printed', {timeout: 300_000}, async () => {
    const t = scenario()
    const killed = await hungCreate(t)
    const locked = await runBuiltCli(create, {cwd: t.dir, env: t.env})
    expect(locked.exitCode, locked.stdout).toBe(8)
    const printed = ((locked.json as {error: {suggestions: string[]}}).error.suggestions.join('\n').match(/kopsmith cluster unlock [^\n`]+/) ?? [''])[0]
    expect(printed).toBe(`kopsmith cluster unlock --name ${t.name} --state s3://${t.bucket} --force`)

    killed.child.kill('SIGKILL')
    await killed.done
    killRecorded(t)
    // As typed by a person: no KOPS_STATE_STORE, no cluster file, just the printed words.
    const unlock = await runBuiltCli([...printed.split(' ').slice(1), '--json'], {cwd: t.dir, env: motoEnv(moto.url)})
    expect(unlock.exitCode, unlock.stdout + unlock.stderr).toBe(0)
    expect(unlock.json).toMatchObject({status: 'ok', result: {released: true, previousHolder: {pid: killed.child.pid, operation: 'create'}}})
    expect(await listKeys(moto.url, t.bucket, lockKey(t.name))).toEqual([])

    const again = await runBuiltCli(create, {cwd: t.dir, env: t.env})
    expect(again.exitCode, again.stdout).toBe(0)
    expect((await audits(t)).map((a) => a.operation).sort()).toEqual(['create', 'unlock'])
  })

  it('on the same host, a lock whose holder was killed is taken over at once and audited as such', {timeout: 300_000}, async () => {
    const t = scenario()
    const killed = await hungCreate(t)
    killed.child.kill('SIGKILL')
    await killed.done
    killRecorded(t)
    expect(await listKeys(moto.url, t.bucket, lockKey(t.name))).toEqual([lockKey(t.name)])

    const again = await runBuiltCli(create, {cwd: t.dir, env: t.env})
    expect(again.exitCode, again.stdout + again.stderr).toBe(0)
    expect((again.json as {warnings: string[]}).warnings.join('\n')).toContain(`from pid ${killed.child.pid} on this host, which is no longer running`)
    const [audit, ...more] = await audits(t)
    expect(more).toEqual([])
    expect(audit).toMatchObject({operation: 'create', outcome: 'success', lock: {tookOverFrom: {pid: killed.child.pid, operation: 'create'}, takeoverReason: 'holder-gone', released: true}})
    expect(await listKeys(moto.url, t.bucket, lockKey(t.name))).toEqual([])
  })
})
