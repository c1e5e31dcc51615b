import {describe, expect, it} from 'vitest'

import {CliError, KopsError} from '../../../src/core/errors.js'
import {isKopsNoise} from '../../../src/core/kops/kops-output.js'
import {type Plan, planExecutionMismatch, type StepRecord} from '../../../src/core/plan.js'
import {summariseRun} from '../../../src/core/run-summary.js'
import {type StepAct, StepRun} from '../../../src/services/step-run.js'
import {formatRunSummary} from '../../../src/ui/run-summary.js'
import {ManualClock} from '../aws/manual-clock.js'

const plan = (...ids: string[]): Plan => ({operation: 'create', cluster: 'c.k8s.acme.de', steps: ids.map((id) => ({id, title: `title of ${id}`, action: 'run', reason: 'r'}))})

function runner(p: Plan) {
  const clock = new ManualClock()
  const lines: string[] = []
  const run = new StepRun(p, {display: 'plain', clock, write: (l) => lines.push(l)})
  const tick = (ms: number): StepAct => async () => {
    clock.advance(ms)
    return `took ${ms}`
  }
  return {run, clock, lines, tick}
}

describe('StepRun: the plan, executed step for step', () => {
  it('runs the acts in plan order, stops at a step it has no act for, and records each step under its id', async () => {
    const {run, lines, tick} = runner(plan('a:one', 'b:two', 'lock:acquire', 'c:three', 'lock:release'))
    await run.run({'b:two': tick(2000), 'a:one': tick(500)})
    expect(run.nextId).toBe('lock:acquire')
    run.mark('lock:acquire', 'done', 'taken')
    await run.run({'c:three': async () => ({status: 'skipped', outcome: '--skip three'})})
    run.finish('lock:release', 'done', 'released')
    expect(run.records.map((r) => [r.id, r.status, r.outcome, r.durationMs])).toEqual([
      ['a:one', 'done', 'took 500', 500],
      ['b:two', 'done', 'took 2000', 2000],
      ['lock:acquire', 'done', 'taken', 0],
      ['c:three', 'skipped', '--skip three', 0],
      ['lock:release', 'done', 'released', 0],
    ])
    expect(planExecutionMismatch(run.currentPlan, run.records, true)).toEqual([])
    expect(lines[0]).toBe('2026-05-02T03:00:00.000Z start [1/5] a:one: title of a:one')
    expect(lines[1]).toBe('2026-05-02T03:00:00.500Z done  [1/5] a:one: title of a:one (took 500) (500ms)')
    expect(lines[3]).toBe('2026-05-02T03:00:02.500Z done  [2/5] b:two: title of b:two (took 2000) (2.0s)')
    expect(lines).toContain('2026-05-02T03:00:02.500Z done  [4/5] c:three: title of c:three (skipped: --skip three) (0ms)')
  })

  it('Ctrl-C between two steps: the step that would have run next is recorded interrupted, the rest not-run', async () => {
    const controller = new AbortController()
    const clock = new ManualClock()
    const run = new StepRun(plan('a:one', 'b:two', 'c:three'), {display: 'plain', clock, write: () => {}, signal: controller.signal})
    let ranB = false
    const error = await run
      .run({
        'a:one': async () => {
          controller.abort(new Error('SIGINT'))
          return 'finished just before the signal'
        },
        'b:two': async () => ((ranB = true), 'x'),
        'c:three': async () => 'y',
      })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect(ranB).toBe(false)
    expect(run.records.map((r) => [r.id, r.status, r.outcome])).toEqual([
      ['a:one', 'done', 'finished just before the signal'],
      ['b:two', 'interrupted', 'stopped before it started'],
      ['c:three', 'not-run', undefined],
    ])
    expect(planExecutionMismatch(run.currentPlan, run.records, false)).toEqual([])
  })

  it('refuses an act for a step the plan does not show (exit 10), before running anything', async () => {
    const {run} = runner(plan('a:one'))
    let ran = false
    const error = await run.run({'a:one': async () => ((ran = true), 'x'), 'z:hidden': async () => 'y'}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CliError)
    expect((error as CliError).exitCode).toBe(10)
    expect((error as CliError).message).toContain('would run step(s) the plan does not show: z:hidden')
    expect(ran).toBe(false)
  })

  it('refuses to mark a step out of its turn, and a refined plan with other steps', async () => {
    const {run} = runner(plan('a:one', 'lock:acquire'))
    expect(() => run.mark('lock:acquire', 'done', 'taken')).toThrow('step lock:acquire would run where the plan shows a:one')
    expect(() => run.refine(plan('a:one', 'a:other'))).toThrow('other steps than the one shown')
    run.refine({...plan('a:one', 'lock:acquire'), steps: plan('a:one', 'lock:acquire').steps.map((s) => ({...s, title: `live ${s.id}`}))})
    expect(run.records.map((r) => r.title)).toEqual(['live a:one', 'live lock:acquire'])
  })

  it('a failing step is recorded as failed with its message, the rest stays not-run', async () => {
    const {run, lines} = runner(plan('a:one', 'b:two', 'c:three', 'lock:release'))
    const error = await run.run({'a:one': async () => 'ok', 'b:two': async () => Promise.reject(new CliError('kops update cluster failed: boom\n  command: kops update')), 'c:three': async () => 'never'}).catch((e: unknown) => e)
    expect((error as Error).message).toContain('boom')
    run.finish('lock:release', 'done', 'released')
    expect(run.records.map((r) => [r.id, r.status, r.outcome])).toEqual([
      ['a:one', 'done', 'ok'],
      ['b:two', 'failed', 'kops update cluster failed: boom'],
      ['c:three', 'not-run', undefined],
      ['lock:release', 'done', 'released'],
    ])
    expect(planExecutionMismatch(run.currentPlan, run.records, false)).toEqual([])
    expect(planExecutionMismatch(run.currentPlan, run.records, true)).toEqual(['step b:two is failed, yet the run finished', 'step c:three is not-run, yet the run finished'])
    expect(lines.filter((l) => /fail {2}\[2\/4\] b:two/.test(l))).toHaveLength(1)
  })

  it('leaves kops noise out of the progress lines', async () => {
    const {run, lines} = runner(plan('k:update'))
    await run.run({
      'k:update': async (r) => {
        for (const line of ['I0822 10:00:01.000000   4242 executor.go:113] Tasks: 3 done / 84 total', 'kOps has set your kubectl context to c', 'Cluster is starting.', 'Error: boom']) r.output(line)
        return 'done'
      },
    })
    expect(lines.filter((l) => / {7}/.test(l)).map((l) => l.slice(31))).toEqual(['Cluster is starting.'])
  })
})

describe('planExecutionMismatch: a step that ran unshown, or shown and never run, or out of order', () => {
  const rec = (id: string, status: StepRecord['status'] = 'done'): StepRecord => ({id, title: id, status})
  it.each<[string, StepRecord[], boolean, string[]]>([
    ['the same steps, all done', [rec('a'), rec('b')], true, []],
    ['a step the plan did not show', [rec('a'), rec('x'), rec('b')], true, ['step x ran but the plan did not show it', 'steps ran in another order than shown: a, x, b']],
    ['a shown step missing from a finished run', [rec('a')], true, ['step b was shown but never ran']],
    ['the other order', [rec('b'), rec('a')], true, ['steps ran in another order than shown: b, a']],
    ['a failed run that stopped early', [rec('a', 'failed')], false, []],
  ])('%s', (_name, records, finished, expected) => {
    expect(planExecutionMismatch(plan('a', 'b'), records, finished)).toEqual(expected)
  })
})

describe('isKopsNoise', () => {
  it.each([
    ['I0822 10:00:01.000000   4242 executor.go:113] Tasks: 3 done / 84 total; 81 can run', true],
    ['W1129 17:12:20.000000       1 vfs_castore.go:38] unable to read', true],
    ['kOps has set your kubectl context to prod.k8s.acme.de', true],
    ['Suggestions:', true],
    [' * validate cluster: kops validate cluster --wait 10m', true],
    ['To deploy these resources, run: kops update cluster --name c --yes', true],
    ['', true],
    ['Cluster is starting.  It should be ready in a few minutes.', false],
    ['Error: error running tasks: deadline exceeded', false],
    ['Will create resources:', false],
  ])('%j → %s', (line, noise) => {
    expect(isKopsNoise(line)).toBe(noise)
  })
})

describe('a kops failure as people read it', () => {
  it('kops\' error once (in the headline), further lines it said, no klog, then command, exit code, log', () => {
    const stderr = [...Array.from({length: 3}, (_, i) => `I0822 10:00:0${i}.000000   4242 executor.go:113] Tasks: ${i} done`), 'W0822 10:00:04.000000   4242 executor.go:139] error running task "AutoscalingGroup/nodes"', 'Error: error running tasks: deadline exceeded'].join('\n')
    const e = new KopsError('kops update cluster failed: error running tasks: deadline exceeded', {argv: ['kops', 'update', 'cluster'], exitCode: 1, stderrTail: stderr, logFile: '/state/logs/c/x-create.log'})
    expect(e.message).toBe('kops update cluster failed: error running tasks: deadline exceeded\n  command: kops update cluster\n  exit code: 1\n  full log: /state/logs/c/x-create.log')
    const more = new KopsError('kops create failed: x', {argv: ['kops', 'create'], exitCode: 1, stderrTail: 'Error: x\nW: a hint kops gives', logFile: '/l'})
    expect(more.message).toContain('  kops said:\n    W: a hint kops gives\n')
  })
})

describe('the end-of-run summary', () => {
  it('counts, the longest steps, what was skipped and why, where the log and the audit record are', () => {
    const records: StepRecord[] = [
      {id: 'a:one', title: 'one', status: 'done', durationMs: 61_000},
      {id: 'b:two', title: 'two', status: 'unchanged', durationMs: 200},
      {id: 'addons:install', title: 'addons', status: 'skipped', outcome: '--skip addons', durationMs: 0},
    ]
    const summary = summariseRun(records, {started: new Date(0), ended: new Date(125_000), logFile: '/log', auditRecord: 's3://b/k', use: ['export KUBECONFIG=/k'], next: 'kopsmith cluster validate -f c.yaml'})
    expect(summary).toMatchObject({outcome: 'success', durationMs: 125_000, steps: {total: 3, done: 1, unchanged: 1, skipped: 1}, skipped: [{id: 'addons:install', reason: '--skip addons'}]})
    expect(summary.slowest.map((s) => s.id)).toEqual(['a:one', 'b:two', 'addons:install'])
    expect(formatRunSummary('Cluster c is ready', summary).split('\n')).toEqual([
      '',
      'Cluster c is ready in 2m05s: 3 steps, 1 done, 1 already in place, 1 skipped',
      '  longest:  a:one 1m01s, b:two 200ms, addons:install 0ms',
      '  skipped:  addons:install (--skip addons)',
      '  log:      /log',
      '  audit:    s3://b/k',
      '',
      'Use it:',
      '  export KUBECONFIG=/k',
      '',
      'Next: kopsmith cluster validate -f c.yaml',
    ])
  })
})
