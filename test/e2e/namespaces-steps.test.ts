import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'

import {ClientNodeKube} from '../../src/adapters/kube/client-node-kube.js'
import {FsUserFiles} from '../../src/adapters/fs-user-files.js'
import {SystemClock} from '../../src/adapters/system-clock.js'
import {InterruptedError} from '../../src/core/errors.js'
import {planExecutionMismatch, type StepRecord} from '../../src/core/plan.js'
import {FakeInterrupts} from '../fakes/fake-interrupts.js'
import {bootstrapNamespaces, type BootstrapNamespacesInput, type NamespacesPorts} from '../../src/services/namespaces.js'
import {e2eKubeconfig, uniquePrefix} from './support.js'

/**
 * `namespaces bootstrap` through the step runner against a REAL kube-apiserver (v1.20.2): the steps
 * that ran are the plan's; Ctrl-C in the middle leaves the interrupted step recorded as such and the
 * run failing with exit 130; the next run resumes, and a run after that finds every step in place.
 * The set has a name of its own (its prune scope), its namespaces a unique prefix; they are deleted at
 * the end.
 */
const STEPS = ['namespaces:apply-namespaces', 'namespaces:apply-rbac', 'namespaces:apply-config']

describe('namespaces bootstrap, step by step, on a real API server', () => {
  const prefix = uniquePrefix('nssteps')
  const names = [`${prefix}-a`, `${prefix}-b`]
  const dir = mkdtempSync(join(tmpdir(), 'kopsmith-nssteps-'))
  const file = join(dir, 'namespaces.yaml')
  let kube: ClientNodeKube
  let input: BootstrapNamespacesInput
  const interrupts = new FakeInterrupts()
  let ports: NamespacesPorts

  beforeAll(() => {
    const kubeconfig = e2eKubeconfig()
    kube = new ClientNodeKube(kubeconfig)
    const entry = (name: string) => [`  - name: ${name}`, `    team: ${prefix}-devs`, '    quota: {cpu: "2", memory: 2Gi, pods: 10}', '    limits: {cpu: 100m, memory: 64Mi}', '    deployer: true'].join('\n')
    writeFileSync(file, ['apiVersion: kopsmith/v1alpha1', 'kind: NamespaceSet', 'namespaces:', ...names.map(entry), ''].join('\n'))
    const context = String((parse(readFileSync(kubeconfig, 'utf8')) as {'current-context'?: string})['current-context'])
    ports = {files: new FsUserFiles(), clock: new SystemClock(), kube: async (target) => new ClientNodeKube(target.kubeconfig!), interrupts}
    input = {file, kubeconfig, context, setName: prefix, prune: true, force: false, dryRun: false, timeoutMs: 60_000}
  })

  afterAll(async () => {
    if (!kube) return
    for (const name of names) await kube.delete({apiVersion: 'v1', kind: 'Namespace', name}).catch(() => undefined)
    kube.close()
  })

  it('Ctrl-C after the namespaces: RBAC interrupted, config not run, exit 130; the re-run resumes and runs exactly the plan; the next finds it all in place', async () => {
    const lines: string[] = []
    const error = await bootstrapNamespaces(ports, {...input, display: 'plain', write: (l) => lines.push(l), onProgress: (e) => e.type === 'phase' && e.phase === 'rbac' && interrupts.press()}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InterruptedError)
    expect((error as InterruptedError).exitCode).toBe(130)
    const interrupted = (error as InterruptedError).details!.steps as StepRecord[]
    expect(interrupted.map((s) => [s.id, s.status])).toEqual([[STEPS[0], 'done'], [STEPS[1], 'interrupted'], [STEPS[2], 'not-run'], ['namespaces:prune', 'not-run']])
    expect(lines.filter((l) => / stop {2}\[2\/4\] namespaces:apply-rbac:/.test(l))).toHaveLength(1)
    expect(interrupts.handlers.size).toBe(0)
    expect(await kube.get({apiVersion: 'v1', kind: 'Namespace', name: names[0]!})).toBeDefined()
    expect(await kube.get({apiVersion: 'v1', kind: 'ResourceQuota', name: 'quota', namespace: names[0]!}).catch(() => undefined)).toBeUndefined()

    const resumed = await bootstrapNamespaces(ports, input)
    expect(resumed.steps!.map((s) => [s.id, s.status])).toEqual([[STEPS[0], 'unchanged'], [STEPS[1], 'done'], [STEPS[2], 'done'], ['namespaces:prune', 'unchanged']])
    expect(planExecutionMismatch(resumed.plan, resumed.steps!, true)).toEqual([])
    expect(resumed.summary).toMatchObject({outcome: 'success', steps: {total: 4, done: 2, unchanged: 2}})

    const again = await bootstrapNamespaces(ports, input)
    expect(again.steps!.map((s) => s.status)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged'])
    expect(again.applied).toBe(0)
  }, 180_000)
})
