import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ClientNodeKube} from '../../../src/adapters/kube/client-node-kube.js'
import {FsPackageFiles} from '../../../src/adapters/package-files.js'
import {FsUserFiles} from '../../../src/adapters/fs-user-files.js'
import {SystemClock} from '../../../src/adapters/system-clock.js'
import {checkClusterFile} from '../../../src/core/config/validate.js'
import type {ClusterConfig} from '../../../src/core/config/types.js'
import {InterruptedError} from '../../../src/core/errors.js'
import {type Plan, planExecutionMismatch, type StepRecord} from '../../../src/core/plan.js'
import {FakeInterrupts} from '../../fakes/fake-interrupts.js'
import {installAddons, type AddonsPorts} from '../../../src/services/addons.js'
import {bootstrapNamespaces} from '../../../src/services/namespaces.js'
import {cliEnv, collectCli, ROOT, runCli} from '../../helpers/cli.js'
import {FakeKubeApi} from '../../helpers/fake-kube-api.js'

/**
 * `addons install` and `namespaces bootstrap` run their plan through the one step runner: what
 * ran is what the plan shows, in its order; without a TTY each step prints one timestamped line
 * when it starts and one when it ends, and the run ends with its summary; Ctrl-C stops the step
 * that runs, records it as interrupted and exits 130 — never a success.
 */
const production = (): ClusterConfig => checkClusterFile(readFileSync(join(ROOT, 'examples', 'production.yaml'), 'utf8'), 'examples/production.yaml').config
const ADDON_STEPS = ['addons:gateway-api', 'addons:apply-namespaces', 'addons:apply-crds', 'addons:apply-rbac', 'addons:apply-config', 'addons:apply-workloads', 'addons:rollout', 'addons:apply-webhooks', 'addons:prune']
const NAMESPACE_STEPS = ['namespaces:apply-namespaces', 'namespaces:apply-rbac', 'namespaces:apply-config']
const STAMP = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`

/** Exactly one start and one done line per step, in plan order, each with its timestamp and [i/n]. */
function expectOneLinePairPerStep(lines: string[], plan: Plan): void {
  const n = plan.steps.length
  plan.steps.forEach((step, i) => {
    const label = `\\[${i + 1}/${n}\\] ${step.id}: `
    expect(lines.filter((l) => new RegExp(`^${STAMP} start ${label}`).test(l)), `start of ${step.id}`).toHaveLength(1)
    expect(lines.filter((l) => new RegExp(`^${STAMP} done  ${label}`).test(l)), `done of ${step.id}`).toHaveLength(1)
  })
  const order = lines.filter((l) => / (start|done) {1,2}\[/.test(l)).map((l) => l.match(/\] ([a-z-]+:[a-z-]+):/)![1])
  expect(order).toEqual(plan.steps.flatMap((s) => [s.id, s.id]))
}

describe('addons install and namespaces bootstrap: the plan, executed step for step', () => {
  let api: FakeKubeApi
  let kubeconfig: string
  let ports: AddonsPorts

  beforeEach(async () => {
    api = await new FakeKubeApi({crdEstablishDelayMs: 50, rolloutDelayMs: 100}).start()
    // Every cluster has it; cluster-autoscaler lives there.
    api.seed({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'kube-system'}}, 'kube-apiserver')
    kubeconfig = api.writeKubeconfig()
    ports = {packageFiles: new FsPackageFiles(), files: new FsUserFiles(), clock: new SystemClock(), kube: async (target) => new ClientNodeKube(target.kubeconfig!)}
  })
  afterEach(async () => {
    await api.stop()
  })

  it('addons install runs exactly the plan, one start and one done line per step; a re-run finds every apply step in place', async () => {
    const lines: string[] = []
    const input = {config: production(), kubeconfig, context: 'fake', force: false, prune: true, dryRun: false, timeoutMs: 30_000, pollIntervalMs: 20, display: 'plain' as const, write: (l: string) => lines.push(l)}
    const result = await installAddons(ports, input)
    expect(result.plan.steps.map((s) => s.id)).toEqual(ADDON_STEPS)
    expect(result.steps!.map((s) => s.id)).toEqual(ADDON_STEPS)
    expect(planExecutionMismatch(result.plan, result.steps!, true)).toEqual([])
    expectOneLinePairPerStep(lines, result.plan)
    expect(result.steps!.find((s) => s.id === 'addons:rollout')).toMatchObject({status: 'done', outcome: '3 rolled out'})
    expect(result.summary).toMatchObject({outcome: 'success', steps: {total: ADDON_STEPS.length}})
    expect(api.getObject('apps/v1', 'Deployment', 'traefik', 'traefik')).toBeDefined()

    const again = await installAddons(ports, {...input, write: () => {}})
    expect(planExecutionMismatch(again.plan, again.steps!, true)).toEqual([])
    const applySteps = again.steps!.filter((s) => s.id.startsWith('addons:apply-'))
    expect(applySteps.map((s) => s.status)).toEqual(applySteps.map(() => 'unchanged'))
    expect(again.applied).toBe(0)
  }, 60_000)

  it('a dry run executes the same steps, reading only: no rollout wait, nothing written', async () => {
    const result = await installAddons(ports, {config: production(), kubeconfig, context: 'fake', force: false, prune: true, dryRun: true, timeoutMs: 30_000})
    expect(result.steps!.map((s) => s.id)).toEqual(ADDON_STEPS)
    expect(planExecutionMismatch(result.plan, result.steps!, true)).toEqual([])
    expect(result.steps!.find((s) => s.id === 'addons:rollout')).toMatchObject({status: 'skipped', outcome: 'a dry run does not wait for rollouts'})
    expect(result.summary).toBeUndefined()
    expect(api.requests.filter((r) => r.method !== 'GET')).toEqual([])
  })

  it('Ctrl-C during the rollout wait: that step is interrupted, the rest not run, exit 130, nothing reported as success', async () => {
    api.neverReady.add('traefik/traefik')
    const interrupts = new FakeInterrupts()
    const lines: string[] = []
    let rollout = false
    const write = (line: string) => {
      lines.push(line)
      if (/ start \[7\/9\] addons:rollout:/.test(line)) rollout = true
      // The first progress line of the wait: the step is waiting between two status reads.
      else if (rollout && line.includes('Deployment traefik/traefik: ')) interrupts.press()
    }
    const error = await installAddons({...ports, interrupts}, {config: production(), kubeconfig, context: 'fake', force: false, prune: true, dryRun: false, timeoutMs: 30_000, pollIntervalMs: 50, display: 'plain', write}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InterruptedError)
    expect((error as InterruptedError).exitCode).toBe(130)
    expect((error as InterruptedError).message).toBe('addons install on prod.k8s.acme.de was interrupted at addons:rollout; what was applied before stays, nothing after it was applied')
    const steps = (error as InterruptedError).details!.steps as StepRecord[]
    expect(steps.map((s) => [s.id, s.status])).toEqual([...ADDON_STEPS.slice(0, 6).map((id) => [id, expect.stringMatching(/^(done|unchanged)$/)]), ['addons:rollout', 'interrupted'], ['addons:apply-webhooks', 'not-run'], ['addons:prune', 'not-run']])
    expect(lines.filter((l) => / stop {2}\[7\/9\] addons:rollout:/.test(l))).toHaveLength(1)
    expect(lines.some((l) => / done {2}\[7\/9\]/.test(l))).toBe(false)
    expect(interrupts.handlers.size).toBe(0)
    expect(api.getObject('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy', 'safe-upgrades.gateway.networking.k8s.io')).toBeUndefined()
  }, 60_000)

  it('an aborted caller signal (cluster create) stops namespaces bootstrap between requests: interrupted, exit 130', async () => {
    const controller = new AbortController()
    // Slow enough that the abort lands while the first phase's requests are in flight.
    api.latencyMs = 30
    const error = await bootstrapNamespaces(ports, {
      file: join(ROOT, 'examples', 'namespaces.yaml'), kubeconfig, context: 'fake', prune: false, force: false, dryRun: false, timeoutMs: 30_000, signal: controller.signal,
      onProgress: (e) => e.type === 'phase' && e.phase === 'rbac' && controller.abort(new InterruptedError('cluster create was interrupted')),
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InterruptedError)
    const steps = (error as InterruptedError).details!.steps as StepRecord[]
    expect(steps.map((s) => [s.id, s.status])).toEqual([['namespaces:apply-namespaces', 'done'], ['namespaces:apply-rbac', 'interrupted'], ['namespaces:apply-config', 'not-run']])
    expect(api.appliedOrder().filter((o) => /^(RoleBinding|Role|ServiceAccount|ResourceQuota|LimitRange|NetworkPolicy) /.test(o))).toEqual([])
  })
})

describe('the commands without a TTY: timestamped step lines, then the summary; --json carries plan, steps and summary', () => {
  let api: FakeKubeApi
  let kubeconfig: string

  beforeEach(async () => {
    api = await new FakeKubeApi({crdEstablishDelayMs: 50, rolloutDelayMs: 100}).start()
    api.seed({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'kube-system'}}, 'kube-apiserver')
    kubeconfig = api.writeKubeconfig()
  })
  afterEach(async () => {
    await api.stop()
  })

  it('namespaces bootstrap', async () => {
    const r = await runCli(['namespaces', 'bootstrap', '-f', 'examples/namespaces.yaml', '--kubeconfig', kubeconfig, '--context', 'fake', '--yes'])
    expect(r.exitCode, r.stderr).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expectOneLinePairPerStep(lines, {operation: 'namespaces bootstrap', cluster: 'context fake', steps: NAMESPACE_STEPS.map((id) => ({id, title: '', action: 'create', reason: ''}))})
    const summary = lines.findIndex((l) => l.startsWith('Namespaces of examples/namespaces.yaml applied to context fake in '))
    expect(summary).toBeGreaterThan(lines.findLastIndex((l) => l.includes(' done  [3/3] ')))
    expect(lines.slice(summary)).toEqual([
      expect.stringMatching(/: 3 steps, 3 done, 0 already in place, 0 skipped$/),
      expect.stringMatching(/^ {2}longest: {2}namespaces:/),
      '',
      'Use it:',
      '  kubectl get namespaces -l app.kubernetes.io/managed-by=kopsmith,kopsmith.dev/namespace-set=default',
      '',
      'Next: kopsmith namespaces token payments --context fake   (a kubeconfig for its CI deployer)',
    ])

    const json = await runCli(['namespaces', 'bootstrap', '-f', 'examples/namespaces.yaml', '--kubeconfig', kubeconfig, '--context', 'fake', '--yes', '--json'])
    expect(json.exitCode, json.stderr).toBe(0)
    const {result} = json.json as {result: {plan: Plan; steps: StepRecord[]; summary: {outcome: string; steps: {total: number; unchanged: number}}}}
    expect(result.steps.map((s) => s.id)).toEqual(NAMESPACE_STEPS)
    expect(planExecutionMismatch(result.plan, result.steps, true)).toEqual([])
    expect(result.summary).toMatchObject({outcome: 'success', steps: {total: 3, unchanged: 3}})
  }, 60_000)

  it('addons install', async () => {
    const r = await runCli(['addons', 'install', '-f', 'examples/production.yaml', '--kubeconfig', kubeconfig, '--context', 'fake', '--prune', '--yes'])
    expect(r.exitCode, r.stderr).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expectOneLinePairPerStep(lines, {operation: 'addons install', cluster: 'prod.k8s.acme.de', steps: ADDON_STEPS.map((id) => ({id, title: '', action: 'create', reason: ''}))})
    const summary = lines.findIndex((l) => l.startsWith('Addons installed on prod.k8s.acme.de in '))
    expect(summary).toBeGreaterThan(lines.findLastIndex((l) => l.includes(' done  [9/9] ')))
    expect(lines.at(-1)).toBe('Next: kopsmith addons status -f examples/production.yaml')
  }, 60_000)

  it('addons install, Ctrl-C (a real SIGINT) during the rollout wait: exit 130, the step stopped, no summary', async () => {
    api.neverReady.add('traefik/traefik')
    const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}bin/dev.js`, 'addons', 'install', '-f', 'examples/production.yaml', '--kubeconfig', kubeconfig, '--context', 'fake', '--prune', '--yes'], {cwd: ROOT, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe']})
    const cli = collectCli(child, 60_000)
    for (let i = 0; i < 1200 && !/ start \[7\/9\] addons:rollout:/.test(cli.stdout()); i++) await new Promise((r) => setTimeout(r, 25))
    child.kill('SIGINT')
    const r = await cli.done
    expect(r.exitCode, r.stdout + r.stderr).toBe(130)
    expect(r.stderr).toContain('SIGINT received: stopping addons install on prod.k8s.acme.de before its next request; what was applied stays')
    expect(r.stderr).toContain('Error: addons install on prod.k8s.acme.de was interrupted at addons:rollout')
    expect(r.stdout).toMatch(new RegExp(`${STAMP} stop {2}\\[7/9\\] addons:rollout:`))
    expect(r.stdout).not.toContain('Addons installed on')
    expect(api.getObject('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy', 'safe-upgrades.gateway.networking.k8s.io')).toBeUndefined()
  }, 60_000)
})
