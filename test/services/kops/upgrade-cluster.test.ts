import {describe, expect, it} from 'vitest'

import {FsPackageFiles} from '../../../src/adapters/package-files.js'

import type {CliError} from '../../../src/core/errors.js'
import {KopsError, PreconditionError, RefusedError, UnhealthyError, UsageError} from '../../../src/core/errors.js'
import {upgradeCluster, type UpgradeInput} from '../../../src/services/upgrade-cluster.js'
import {FakeKops} from '../../fakes/fake-kops.js'
import {FakeStateStore} from '../../fakes/fake-state-store.js'
import {FakeClock, MemoryWorkspace, operationContext, productionConfig} from './helpers.js'
import {type AuditRecord, auditPrefix, lockKey} from '../../../src/core/aws/lock.js'
import {planExecutionMismatch} from '../../../src/core/plan.js'

const BUCKET = 'acme-kops-state'
const NAME = 'prod.k8s.acme.de'
// Saturday 16 May 2026, 03:00 in Berlin: inside "Sat 02:00-06:00 Europe/Berlin".
const IN_WINDOW = '2026-05-16T01:00:00Z'
// Wednesday 13 May 2026, noon in Berlin.
const OUTSIDE_WINDOW = '2026-05-13T10:00:00Z'

function setup(options: {kops?: string; stored?: string; now?: string; drainTimeout?: string} = {}) {
  const kops = new FakeKops(options.kops ?? '1.35.2').withCluster(NAME, {kubernetesVersion: options.stored ?? '1.33.13', maxSurge: 1})
  const store = new FakeStateStore().withBucket(BUCKET)
  const clock = new FakeClock(options.now ?? IN_WINDOW)
  const workspace = new MemoryWorkspace()
  const config = productionConfig({upgrade: {drainTimeout: options.drainTimeout ?? '15m'}})
  const ports = {kops, clock, workspace, operation: async () => operationContext(store, clock)}
  const input = (over: Partial<UpgradeInput> = {}): UpgradeInput => ({
    config,
    file: 'clusters/prod.yaml',
    dryRun: false,
    yes: true,
    interactive: false,
    ignoreWindow: false,
    command: ['kopsmith', 'cluster', 'upgrade', '-f', 'clusters/prod.yaml', '--yes'],
    validate: {waitMs: 600_000, intervalMs: 10_000, count: 2},
    ...over,
  })
  const objects = () => [...(store.buckets.get(BUCKET)?.objects.keys() ?? [])]
  const audits = () => objects().filter((k) => k.startsWith(auditPrefix(NAME))).map((k) => JSON.parse(store.object(BUCKET, k)?.body ?? '{}') as Record<string, unknown>)
  /** The calls that change something, as one line each. */
  const changes = () =>
    kops.calls
      .filter((c) => c.method === 'replaceFromContent' || c.options?.yes === true)
      .map((c) => [c.method, c.kubernetesVersion, (c.options?.roles as string[] | undefined)?.join(','), c.options?.drainTimeout, c.options?.prune ? 'prune' : undefined].filter(Boolean).join(' '))
  return {kops, store, clock, ports, input, objects, audits, changes}
}

describe('upgradeCluster', () => {
  it('goes 1.33.13 → 1.35.7 in two hops under the lock, reconciling and validating each, and writes the audit record', async () => {
    const t = setup()
    const result = await upgradeCluster(t.ports, t.input())
    expect(result).toMatchObject({status: 'upgraded', from: '1.33.13', to: '1.35.7', kops: '1.35.2', method: 'reconcile', resumed: false})
    expect(result.hops).toEqual([
      {from: '1.33.13', to: '1.34.10', status: 'done'},
      {from: '1.34.10', to: '1.35.7', status: 'done'},
    ])
    expect(t.kops.storedVersion(NAME)).toBe('1.35.7')
    expect(t.changes()).toEqual(['replaceFromContent 1.34.10', 'reconcileCluster', 'replaceFromContent 1.35.7', 'reconcileCluster'])
    // validate before, then twice after each hop (count 2)
    const validations = t.kops.methods().map((m, i) => [m, i]).filter(([m]) => m === 'validateCluster').map(([, i]) => i as number)
    const replaces = t.kops.methods().map((m, i) => [m, i]).filter(([m]) => m === 'replaceFromContent').map(([, i]) => i as number)
    expect(validations).toHaveLength(5)
    expect(validations[0]).toBeLessThan(replaces[0] ?? 0)
    expect(t.kops.calls.every((c) => c.method === 'version' || c.stateStore === `s3://${BUCKET}`)).toBe(true)
    expect(t.objects()).not.toContain(lockKey(NAME))
    expect(t.audits()).toHaveLength(1)
    expect(t.audits()[0]).toMatchObject({operation: 'upgrade', outcome: 'success', cluster: NAME})
    const audit = t.audits()[0] as unknown as AuditRecord
    expect(audit.plan!.steps.map((s) => s.id)).toEqual([
      'lock:acquire',
      'upgrade:validate-before',
      'upgrade:hop-1.34.10',
      'upgrade:validate-1.34.10',
      'upgrade:hop-1.35.7',
      'upgrade:validate-1.35.7',
      'lock:release',
    ])
    // What was shown (the plan the result and the audit carry) is what ran, step for step.
    expect(audit.steps!.map((s) => `${s.id} ${s.status}`)).toEqual(audit.plan!.steps.map((s) => `${s.id} done`))
    expect(planExecutionMismatch(audit.plan!, audit.steps!, true)).toEqual([])
    expect(result.plan!.steps.map((s) => s.id)).toEqual(audit.plan!.steps.map((s) => s.id))
    expect(audit.steps!.find((s) => s.id === 'upgrade:hop-1.34.10')?.outcome).toBe('set 1.34.10; rolled out')
  })

  it('a cluster that moved on between the plan and the lock is not upgraded along the old plan: exit 4, nothing changed, audited as a failure', async () => {
    const t = setup()
    // Another run finishes the first hop after this one planned, before it takes the lock.
    const ports = {...t.ports, operation: async () => (t.kops.withCluster(NAME, {kubernetesVersion: '1.34.10', maxSurge: 1}), t.ports.operation())}
    const error = await upgradeCluster(ports, t.input()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PreconditionError)
    expect((error as CliError).exitCode).toBe(4)
    expect((error as CliError).message).toBe(`${NAME} moved on since this plan was made (now on 1.34.10); nothing was changed by this run`)
    expect(t.changes()).toEqual([])
    expect(t.audits()).toMatchObject([{operation: 'upgrade', outcome: 'failure'}])
    expect(t.objects()).not.toContain(lockKey(NAME))
  })

  it('spells reconcile out with --drain-timeout when the file asks for a non-default one (control plane first)', async () => {
    const t = setup({stored: '1.34.10', drainTimeout: '30m'})
    const result = await upgradeCluster(t.ports, t.input())
    expect(result.method).toBe('staged')
    expect(t.changes()).toEqual([
      'replaceFromContent 1.35.7',
      'updateCluster control-plane,apiserver',
      'rollingUpdate control-plane,apiserver 30m',
      'updateCluster',
      'rollingUpdate node,bastion 30m',
      'updateCluster prune',
    ])
  })

  it('uses update + rolling-update (control plane, then nodes) with a kops that has no reconcile', async () => {
    const t = setup({kops: '1.30.4', stored: '1.29.8'})
    const result = await upgradeCluster(t.ports, t.input({to: '1.30.9'}))
    expect(result).toMatchObject({status: 'upgraded', method: 'legacy', hops: [{from: '1.29.8', to: '1.30.9', status: 'done'}]})
    expect(t.changes()).toEqual(['replaceFromContent 1.30.9', 'updateCluster', 'rollingUpdate control-plane,apiserver 15m', 'rollingUpdate node,bastion 15m'])
  })

  it('resumes mid-path after a failed run: finishes the interrupted hop, then continues', async () => {
    const t = setup()
    t.kops.failNext('reconcileCluster', new KopsError('kops reconcile cluster failed', {argv: ['kops', 'reconcile'], exitCode: 1, stderrTail: 'Error: RequestLimitExceeded'}))
    const first = await upgradeCluster(t.ports, t.input()).catch((e: unknown) => e)
    expect(first).toBeInstanceOf(KopsError)
    expect(t.kops.storedVersion(NAME)).toBe('1.34.10')
    expect(t.audits().map((a) => a.outcome)).toEqual(['failure'])
    expect(t.objects()).not.toContain(lockKey(NAME))

    t.kops.calls.length = 0
    const second = await upgradeCluster(t.ports, t.input())
    expect(second).toMatchObject({status: 'upgraded', from: '1.34.10', resumed: true, hops: [{from: '1.34.10', to: '1.35.7', status: 'done'}]})
    expect(t.changes()).toEqual(['reconcileCluster', 'replaceFromContent 1.35.7', 'reconcileCluster'])
    expect(second.plan?.steps.map((s) => s.id)).toContain('upgrade:finish-1.34.10')
  })

  it('has nothing to do once the stored version is the target and nothing is pending', async () => {
    const t = setup({stored: '1.35.7'})
    const result = await upgradeCluster(t.ports, t.input())
    expect(result).toMatchObject({status: 'up-to-date', from: '1.35.7', hops: []})
    expect(t.changes()).toEqual([])
    expect(t.audits()).toEqual([]) // no lock taken, nothing to audit
  })

  it('skips a non-interactive run outside the maintenance window, before touching kops', async () => {
    const t = setup({now: OUTSIDE_WINDOW})
    const result = await upgradeCluster(t.ports, t.input())
    expect(result).toMatchObject({
      status: 'skipped',
      reason: 'outside maintenance window',
      // Saturday 02:00-06:00 CEST
      nextWindow: {start: '2026-05-16T00:00:00.000Z', end: '2026-05-16T04:00:00.000Z'},
      window: {spec: 'Sat 02:00-06:00 Europe/Berlin', inside: false},
    })
    expect(t.kops.calls).toEqual([])
  })

  it('runs outside the window with --ignore-window, or when a person runs it interactively', async () => {
    const ignored = setup({now: OUTSIDE_WINDOW})
    expect((await upgradeCluster(ignored.ports, ignored.input({ignoreWindow: true}))).status).toBe('upgraded')
    const person = setup({now: OUTSIDE_WINDOW})
    expect((await upgradeCluster(person.ports, person.input({interactive: true}))).status).toBe('upgraded')
  })

  it('plans without changing anything in a dry run, outside the window too', async () => {
    const t = setup({now: OUTSIDE_WINDOW})
    const result = await upgradeCluster(t.ports, t.input({dryRun: true, yes: false}))
    expect(result).toMatchObject({status: 'planned', from: '1.33.13', to: '1.35.7', hops: [{to: '1.34.10', status: 'pending'}, {to: '1.35.7', status: 'pending'}]})
    expect(t.changes()).toEqual([])
    expect(t.kops.methods()).toEqual(['version', 'getCluster', 'updateCluster', 'rollingUpdate', 'getInstanceGroups'])
    expect(t.audits()).toEqual([])
    expect(result.plan?.steps.find((s) => s.id === 'upgrade:hop-1.34.10')?.changes).toEqual([{field: 'spec.kubernetesVersion', from: '1.33.13', to: '1.34.10'}])
  })

  it("names, per hop, every instance group kops' preview lists, in the order they roll, with their instances", async () => {
    const t = setup()
    t.kops.withInstanceGroups(NAME, [
      {name: 'nodes-eu-central-1b', role: 'node', size: 3},
      {name: 'bastions', role: 'bastion', size: 1},
      {name: 'nodes-eu-central-1a', role: 'node', size: 3},
      {name: 'control-plane-eu-central-1a', role: 'control-plane', size: 1},
    ])
    const result = await upgradeCluster(t.ports, t.input({dryRun: true, yes: false}))
    const rolls = 'rolls control-plane-eu-central-1a (1 instance), bastions (1), nodes-eu-central-1a (3), nodes-eu-central-1b (3): 8 instances'
    const surge = "one instance at a time: a node's replacement starts before it is drained (maxSurge 1); control-plane instances cannot surge and are drained first"
    for (const id of ['upgrade:hop-1.34.10', 'upgrade:hop-1.35.7']) {
      expect(result.plan?.steps.find((s) => s.id === id)?.changes?.slice(-2)).toEqual([{field: rolls}, {field: surge}])
    }
    expect(result.rollout).toEqual({
      groups: [
        {name: 'control-plane-eu-central-1a', role: 'control-plane', status: 'Ready', needUpdate: 0, target: 1, nodes: 1},
        {name: 'bastions', role: 'bastion', status: 'Ready', needUpdate: 0, target: 1, nodes: 0},
        {name: 'nodes-eu-central-1a', role: 'node', status: 'Ready', needUpdate: 0, target: 3, nodes: 3},
        {name: 'nodes-eu-central-1b', role: 'node', status: 'Ready', needUpdate: 0, target: 3, nodes: 3},
      ],
      instances: 8,
      needUpdate: 0,
    })
    expect(t.changes()).toEqual([])
  })

  it('finishing an interrupted rollout names only the groups kops marks NeedsUpdate, with their counts', async () => {
    const t = setup({stored: '1.34.10'})
    t.kops
      .withInstanceGroups(NAME, [
        {name: 'control-plane-eu-central-1a', role: 'control-plane', size: 1},
        {name: 'nodes-eu-central-1a', role: 'node', size: 3},
        {name: 'nodes-eu-central-1b', role: 'node', size: 2},
      ])
      .withPendingRollout(NAME, {roll: ['node']})
    const result = await upgradeCluster(t.ports, t.input({dryRun: true, yes: false}))
    expect(result).toMatchObject({status: 'planned', resumed: true, rollout: {instances: 6, needUpdate: 5}})
    const finish = result.plan?.steps.find((s) => s.id === 'upgrade:finish-1.34.10')
    expect(finish?.reason).toMatch(/^kops marks 5 instance\(s\) NeedsUpdate \(an earlier run stopped mid-hop\); /)
    expect(finish?.changes).toEqual([{field: 'rolls nodes-eu-central-1a (3 instances), nodes-eu-central-1b (2): 5 instances'}])
    // The hop after it rolls every group again, the control plane included.
    expect(result.plan?.steps.find((s) => s.id === 'upgrade:hop-1.35.7')?.changes?.at(-2)).toEqual({field: 'rolls control-plane-eu-central-1a (1 instance), nodes-eu-central-1a (3), nodes-eu-central-1b (2): 6 instances'})
    // Step ids are what the runner executes by: unchanged.
    expect(result.plan?.steps.map((s) => s.id)).toEqual(['lock:acquire', 'upgrade:validate-before', 'upgrade:finish-1.34.10', 'upgrade:validate-1.34.10', 'upgrade:hop-1.35.7', 'upgrade:validate-1.35.7', 'lock:release'])
  })

  it('needs --yes in a non-interactive run (exit 2) and asks a person otherwise', async () => {
    const t = setup()
    const error = await upgradeCluster(t.ports, t.input({yes: false})).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UsageError)
    expect((error as CliError).message).toContain('--yes')
    expect(t.kops.calls).toEqual([])

    let shown: string[] = []
    const declined = await upgradeCluster(t.ports, t.input({yes: false, interactive: true, confirm: async (plan) => ((shown = plan.steps.map((s) => s.id)), false)}))
    expect(declined.status).toBe('cancelled')
    expect(shown).toContain('upgrade:hop-1.35.7')
    expect(t.changes()).toEqual([])
    const accepted = await upgradeCluster(t.ports, t.input({yes: false, interactive: true, confirm: async () => true}))
    expect(accepted.status).toBe('upgraded')
  })

  it('refuses to upgrade an unhealthy cluster: nothing replaced, lock released, failure audited', async () => {
    const t = setup()
    t.kops.withHealth('U')
    const error = await upgradeCluster(t.ports, t.input({validate: {waitMs: 0, intervalMs: 10_000, count: 2}})).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnhealthyError)
    expect(t.changes()).toEqual([])
    expect(t.objects()).not.toContain(lockKey(NAME))
    expect(t.audits()[0]).toMatchObject({outcome: 'failure', exitCode: 1})
  })

  it.each([
    ['a downgrade', {stored: '1.35.7'}, {to: '1.34.10'}, RefusedError, 9],
    ['a target beyond the kops binary', {}, {to: '1.36.3'}, PreconditionError, 4],
    ['minors the kops binary cannot drive', {kops: '1.37.0', stored: '1.30.5'}, {to: '1.33.13'}, PreconditionError, 4],
    ['a malformed --to', {}, {to: 'latest'}, UsageError, 2],
  ] as const)('refuses %s', async (_what, s, i, type, exit) => {
    const t = setup(s)
    const error = await upgradeCluster(t.ports, t.input(i)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(type)
    expect((error as CliError).exitCode).toBe(exit)
    expect(t.changes()).toEqual([])
  })

  it('refuses a kops older than the one that last updated the cluster, before storing any version (exit 4)', async () => {
    const t = setup()
    t.store.withObject(BUCKET, `${NAME}/kops-version.txt`, '1.36.1')
    const error = await upgradeCluster(t.ports, t.input()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PreconditionError)
    expect((error as CliError).message).toContain('last updated by kops 1.36.1')
    expect(t.changes()).toEqual([])
    expect(t.kops.storedVersion(NAME)).toBe('1.33.13')
    expect(t.audits()[0]).toMatchObject({outcome: 'failure', exitCode: 4})
  })

  it("from where the cluster's API is out of reach, the plan stops at kops' preview and says why and what to do (exit 5), changing nothing", async () => {
    const t = setup()
    t.kops.withApiUnreachable()
    const error = await upgradeCluster(t.ports, t.input({dryRun: true, yes: false})).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KopsError)
    expect((error as KopsError).exitCode).toBe(5)
    expect((error as KopsError).message).toContain(`kops cannot reach the Kubernetes API of ${NAME}`)
    expect((error as KopsError).message).toContain('Error: error listing nodes in cluster')
    expect((error as KopsError).suggestions.join(' ')).toContain('VPN')
    expect(t.changes()).toEqual([])
    expect(t.audits()).toEqual([])
  })

  it('refuses a cluster that is not in the state store (exit 4)', async () => {
    const t = setup()
    const error = await upgradeCluster({...t.ports, kops: new FakeKops('1.35.2')}, t.input()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PreconditionError)
    expect((error as CliError).message).toContain(`not in s3://${BUCKET}`)
  })

  it('re-applies the addons that follow the Kubernetes minor once, after the last hop, for the new version', async () => {
    const t = setup()
    const followed: string[] = []
    const ports = {
      ...t.ports,
      followAddons: async (version: string) => {
        followed.push(`${version} after ${t.kops.storedVersion(NAME)}`)
        return ['cluster-autoscaler']
      },
    }
    const result = await upgradeCluster(ports, t.input())
    expect(followed).toEqual(['1.35.7 after 1.35.7'])
    expect(result.addons).toEqual(['cluster-autoscaler'])
    expect(result.plan?.steps.at(-2)).toMatchObject({id: 'upgrade:addons', action: 'run'})
  })

  it('leaves addons alone in a dry run and when there is nothing to upgrade', async () => {
    const calls: string[] = []
    const followAddons = async (version: string) => (calls.push(version), ['cluster-autoscaler'])
    const dry = setup()
    await upgradeCluster({...dry.ports, followAddons}, dry.input({dryRun: true}))
    const upToDate = setup({stored: '1.35.7'})
    const result = await upgradeCluster({...upToDate.ports, followAddons}, upToDate.input())
    expect(result.status).toBe('up-to-date')
    expect(calls).toEqual([])
  })

  it('shows in the plan how the stored spec differs from the cluster file, the version aside', async () => {
    const t = setup()
    const result = await upgradeCluster({...t.ports, packageFiles: new FsPackageFiles()}, t.input({dryRun: true}))
    const drift = result.plan?.steps.find((s) => s.id === 'upgrade:drift')
    expect(drift?.action).toBe('check')
    const fields = (drift?.changes ?? []).map((c) => c.field)
    // The fake's stored spec is a bare kops object: the hardened settings are all missing there.
    expect(fields).toEqual(expect.arrayContaining(['spec.kubeAPIServer', 'spec.encryptionConfig', 'spec.api']))
    expect(fields).not.toContain('spec.kubernetesVersion')
    expect(t.changes()).toEqual([])
  })
})
