import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {CreateBucketCommand} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, it} from 'vitest'

import {S3StateStore} from '../../../src/adapters/aws/s3-state-store.js'
import type {AwsClients} from '../../../src/adapters/aws/clients.js'
import {auditPrefix, lockKey} from '../../../src/core/aws/lock.js'
import type {UpgradeResult} from '../../../src/services/upgrade-cluster.js'
import {runCli} from '../../helpers/cli.js'
import {motoClients, motoEnv, uniqueBucket} from '../../helpers/moto.js'
import {cliWorkDir, clusterFile, normalise, readCallLog, seedCluster, STANDIN} from '../../integration/kops/standin.js'

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const ALWAYS = 'Mon-Sun 00:00-24:00 UTC'
/** A one-hour window three days from now: certainly not open while the test runs. */
const notNow = () => `${DAYS[(new Date().getUTCDay() + 3) % 7]} 02:00-03:00 UTC`
const ZONES = ['eu-central-1a', 'eu-central-1b', 'eu-central-1c']

let clients: AwsClients
let store: S3StateStore
let bucket: string

beforeAll(async () => {
  clients = motoClients()
  store = new S3StateStore(clients)
  bucket = uniqueBucket('upgrade')
  await clients.s3.send(new CreateBucketCommand({Bucket: bucket, CreateBucketConfiguration: {LocationConstraint: 'eu-central-1'}}))
})

/** A running cluster at `stored` (seeded through the stand-in) and a cluster file asking for `wanted`. */
function cluster(name: string, stored: string, wanted: string, options: {window?: string | null; kopsForSeed?: string; nodes?: number} = {}) {
  seedCluster(`s3://${bucket}`, {name, kubernetesVersion: stored, zones: ZONES, ...(options.nodes ? {nodes: options.nodes} : {})}, {...motoEnv(), ...(options.kopsForSeed ? {KOPS_STANDIN_VERSION: options.kopsForSeed} : {})})
  const dir = cliWorkDir('kopsmith-upgrade-')
  writeFileSync(join(dir, 'cluster.yaml'), clusterFile({name, bucket, kubernetesVersion: wanted, window: options.window === undefined ? ALWAYS : options.window}))
  const callLog = join(dir, 'calls.jsonl')
  const upgrade = (args: string[], env: Record<string, string> = {}) =>
    runCli(['cluster', 'upgrade', '-f', 'cluster.yaml', ...args], {cwd: dir, env: {...motoEnv(), KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: callLog, CI: '1', ...env}, timeoutMs: 180_000})
  const calls = () => readCallLog(callLog)
  /** The stand-in itself, on the same store, outside kopsmith (and its call log). */
  const kops = (...args: string[]) => execFileSync(STANDIN, args, {env: {...process.env, ...motoEnv(), KOPS_STATE_STORE: `s3://${bucket}`, KOPS_STANDIN_LOG: ''}, stdio: 'pipe'}).toString()
  const storedVersion = () => (JSON.parse(kops('get', 'cluster', name, '-o', 'json')) as {spec: {kubernetesVersion: string}}).spec.kubernetesVersion
  /** The rows of the stand-in's own rolling-update preview: NAME, STATUS, NEEDUPDATE, READY, MIN, TARGET, MAX, NODES. */
  const previewRows = () =>
    kops('rolling-update', 'cluster', '--name', name)
      .split('\n\n')[0]!
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\t+/))
  return {dir, upgrade, calls, kops, storedVersion, previewRows}
}

describe('kopsmith cluster upgrade (moto + kops stand-in)', () => {
  it('upgrades 1.33 → 1.35 in two hops, each set, reconciled and validated in order (--json pinned)', {timeout: 240_000}, async () => {
    const name = 'two-hops.k8s.acme.de'
    const t = cluster(name, '1.33.13', '1.35.7')
    const r = await t.upgrade(['--yes', '--json', '--interval', '200ms', '--skip', 'addons'])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(normalise(r.json, {[bucket]: '<bucket>'})).toMatchSnapshot()
    expect(t.storedVersion()).toBe('1.35.7')

    // The call log, after the read-only planning: validate, then per hop replace → reconcile → validate ×2.
    const changing = t.calls().filter((c) => ['replace', 'reconcile-cluster', 'validate-cluster'].includes(c.command))
    expect(changing.map((c) => (c.command === 'replace' ? `replace ${c.detail?.kubernetesVersion}` : c.command))).toEqual([
      'validate-cluster',
      'replace 1.34.10',
      'reconcile-cluster',
      'validate-cluster',
      'validate-cluster',
      'replace 1.35.7',
      'reconcile-cluster',
      'validate-cluster',
      'validate-cluster',
    ])
    expect(t.calls().filter((c) => c.command === 'reconcile-cluster').map((c) => c.argv.join(' '))).toEqual([`reconcile cluster --name ${name} --yes`, `reconcile cluster --name ${name} --yes`])
    expect(t.calls().every((c) => c.exitCode === 0)).toBe(true)

    // Locked and audited: the lock is gone, one audit record says what happened.
    expect(await store.getObject(bucket, lockKey(name))).toBeUndefined()
    const audits = await store.listKeys(bucket, auditPrefix(name))
    expect(audits).toHaveLength(1)
    expect(JSON.parse((await store.getObject(bucket, audits[0] ?? ''))?.body ?? '{}')).toMatchObject({operation: 'upgrade', outcome: 'success', cluster: name, exitCode: 0})
  })

  it('--dry-run --detailed-exitcode: exit 20 when an upgrade is due, 0 when the cluster is on the target', {timeout: 120_000}, async () => {
    const due = cluster('due.k8s.acme.de', '1.34.10', '1.35.7')
    const r = await due.upgrade(['--dry-run', '--detailed-exitcode', '--json'])
    expect(r.exitCode, r.stderr).toBe(20)
    expect(normalise(r.json, {[bucket]: '<bucket>'})).toMatchSnapshot()
    expect(due.calls().some((c) => c.argv.includes('--yes') || c.command === 'replace')).toBe(false)
    expect(due.storedVersion()).toBe('1.34.10')

    const current = cluster('current.k8s.acme.de', '1.35.7', '1.35.7')
    const none = await current.upgrade(['--dry-run', '--detailed-exitcode', '--json'])
    expect(none.exitCode, none.stderr).toBe(0)
    expect((none.json as {result: {status: string}}).result.status).toBe('up-to-date')
    const human = await current.upgrade(['--dry-run', '--detailed-exitcode'])
    expect(human.exitCode).toBe(0)
    expect(human.stdout).toContain('current.k8s.acme.de is on Kubernetes 1.35.7: nothing to upgrade')
  })

  it("--dry-run shows per hop the groups and instances kops' rolling-update preview lists, in the order they roll (--json: rollout)", {timeout: 120_000}, async () => {
    const t = cluster('preview.k8s.acme.de', '1.34.10', '1.35.7', {nodes: 3})
    const rows = t.previewRows()
    expect(rows.map((r) => r[0])).toEqual(['control-plane-eu-central-1a', 'control-plane-eu-central-1b', 'control-plane-eu-central-1c', 'nodes-general'])

    const json = await t.upgrade(['--dry-run', '--json'])
    expect(json.exitCode, json.stderr).toBe(0)
    const result = (json.json as {result: UpgradeResult}).result
    expect(result.rollout?.groups.map((g) => [g.name, g.status, String(g.needUpdate), String(g.target), String(g.nodes)])).toEqual(rows.map((r) => [r[0], r[1], r[2], r[5], r[7]]))
    expect(result.rollout?.groups.map((g) => g.role)).toEqual(['control-plane', 'control-plane', 'control-plane', 'node'])
    expect(result.rollout?.instances).toBe(rows.reduce((n, r) => n + Number(r[5]), 0))
    const rolls = 'rolls control-plane-eu-central-1a (1 instance), control-plane-eu-central-1b (1), control-plane-eu-central-1c (1), nodes-general (3): 6 instances'
    const surge = "one instance at a time: a node's replacement starts before it is drained (maxSurge 1); control-plane instances cannot surge and are drained first"
    expect(result.plan?.steps.find((s) => s.id === 'upgrade:hop-1.35.7')?.changes).toContainEqual({field: rolls})

    const human = await t.upgrade(['--dry-run'])
    expect(human.exitCode, human.stderr).toBe(0)
    const lines = human.stdout.split('\n')
    const hop = lines.findIndex((l) => /^ +\d+\. ~ Kubernetes 1\.34\.10 → 1\.35\.7$/.test(l))
    expect(hop, human.stdout).toBeGreaterThan(-1)
    expect(lines.slice(hop + 1, hop + 6)).toEqual([
      '        one minor at a time; kops reconcile cluster --yes (control plane, then nodes)',
      '        spec.kubernetesVersion: 1.34.10 → 1.35.7',
      '        spec.rollingUpdate.maxSurge: (unset) → 1',
      `        ${rolls}`,
      `        ${surge}`,
    ])
    expect(t.calls().some((c) => c.argv.includes('--yes') || c.command === 'replace')).toBe(false)
  })

  it('--dry-run of an interrupted rollout names only the groups kops marks NeedsUpdate, with their counts', {timeout: 120_000}, async () => {
    const t = cluster('pending.k8s.acme.de', '1.34.10', '1.35.7', {nodes: 3})
    // An earlier run set 1.35.7, updated everything and rolled the control plane, then stopped.
    t.kops('upgrade', 'cluster', '--name', 'pending.k8s.acme.de', '--yes')
    t.kops('update', 'cluster', '--name', 'pending.k8s.acme.de', '--yes', '--create-kube-config=false')
    t.kops('rolling-update', 'cluster', '--name', 'pending.k8s.acme.de', '--yes', '--instance-group-roles', 'control-plane')
    const rows = t.previewRows()
    expect(rows.filter((r) => r[1] === 'NeedsUpdate').map((r) => [r[0], r[2]])).toEqual([['nodes-general', '3']])

    const r = await t.upgrade(['--dry-run', '--json'])
    expect(r.exitCode, r.stderr).toBe(0)
    const result = (r.json as {result: UpgradeResult}).result
    expect(result).toMatchObject({status: 'planned', from: '1.35.7', resumed: true, hops: [], rollout: {needUpdate: 3, instances: 6}})
    const finish = result.plan?.steps.find((s) => s.id === 'upgrade:finish-1.35.7')
    expect(finish?.reason).toMatch(/^kops marks 3 instance\(s\) NeedsUpdate \(an earlier run stopped mid-hop\)/)
    expect(finish?.changes).toEqual([{field: 'rolls nodes-general (3 instances): 3 instances'}])
    expect(t.storedVersion()).toBe('1.35.7')
  })

  it('refuses a target beyond the kops binary (exit 4), naming the range it supports', {timeout: 120_000}, async () => {
    const t = cluster('beyond.k8s.acme.de', '1.35.7', '1.36.3')
    const r = await t.upgrade(['--yes', '--json'])
    expect(r.exitCode).toBe(4)
    const error = (r.json as {error: {message: string; suggestions: string[]}}).error
    expect(error.message).toBe('kops 1.35.2 supports Kubernetes 1.29–1.35; upgrading to 1.36.3 needs kops 1.36 or newer')
    expect(error.suggestions.join('\n')).toContain('--kops')
    expect(t.calls().some((c) => c.command === 'replace' || c.argv.includes('--yes'))).toBe(false)
  })

  it('refuses to skip minors the kops binary can no longer drive (exit 4), changing nothing', {timeout: 120_000}, async () => {
    const t = cluster('skip.k8s.acme.de', '1.30.5', '1.33.13', {kopsForSeed: '1.30.2'})
    const r = await t.upgrade(['--yes', '--json'], {KOPS_STANDIN_VERSION: '1.37.0'})
    expect(r.exitCode).toBe(4)
    expect((r.json as {error: {message: string}}).error.message).toContain('cannot perform the hop(s) to Kubernetes 1.31; kopsmith never skips a minor')
    expect(t.storedVersion()).toBe('1.30.5')
  })

  it('outside the maintenance window a scheduled run exits 0 as skipped, without calling kops (--json pinned)', {timeout: 120_000}, async () => {
    const t = cluster('window.k8s.acme.de', '1.34.10', '1.35.7', {window: notNow()})
    const r = await t.upgrade(['--yes', '--json'])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(normalise(r.json, {[notNow()]: '<window>'})).toMatchSnapshot()
    const next = (r.json as {result: {nextWindow: {start: string}}}).result.nextWindow.start
    expect(new Date(next).getUTCDay()).toBe((new Date().getUTCDay() + 3) % 7)
    expect(t.calls()).toEqual([])

    // Forced: the hop runs; re-applying the addons then needs the cluster's API, which the stand-in's
    // kubeconfig (placeholder certificates) cannot reach: an API error (exit 6), never a bug.
    const forced = await t.upgrade(['--yes', '--json', '--ignore-window', '--interval', '100ms', '--count', '1'])
    expect(t.storedVersion()).toBe('1.35.7')
    expect(forced.exitCode, forced.stdout).toBe(6)
    expect((forced.json as {error: {message: string}}).error.message).toContain("Cannot use the kubeconfig's credentials")
  })

  it('needs --yes when not interactive (exit 2), and refuses a downgrade (exit 9)', {timeout: 120_000}, async () => {
    const t = cluster('down.k8s.acme.de', '1.35.7', '1.34.10')
    const noYes = await t.upgrade(['--json'])
    expect(noYes.exitCode).toBe(2)
    expect((noYes.json as {error: {message: string}}).error.message).toContain('pass --yes')
    const down = await t.upgrade(['--yes', '--json'])
    expect(down.exitCode).toBe(9)
    expect((down.json as {error: {message: string}}).error.message).toBe('Kubernetes cannot be downgraded: the cluster runs 1.35.7 and the target is 1.34.10')
    expect(t.storedVersion()).toBe('1.35.7')
  })
})
