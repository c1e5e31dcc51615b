import {CliError, isCliError} from '../core/errors.js'
import {isKopsNoise} from '../core/kops/kops-output.js'
import type {Plan, PlanStep, StepRecord, StepStatus} from '../core/plan.js'
import type {Clock} from '../ports.js'
import {runTasks, showStepDone, type TaskDisplay, type TaskReporter} from '../ui/tasks.js'

/**
 * What one step does when it runs: a short outcome ("created", "exists, not rotated"), or the
 * outcome of a step that found nothing to do (`unchanged`) or was left out on purpose (`skipped`).
 */
export type StepResult = string | {status: 'unchanged' | 'skipped'; outcome: string}
export type StepAct = (report: TaskReporter) => Promise<StepResult>

export interface StepRunOptions {
  display: TaskDisplay
  clock: Clock
  signal?: AbortSignal
  /** Where plain progress lines go (default: standard output). */
  write?: (line: string) => void
}

/**
 * One operation's plan, executed: the runner walks `plan.steps` in order and runs, for each, the
 * act registered under the step's id — nothing else, so what runs is what was shown. Steps the
 * operation performs itself (taking and releasing the lock) are `mark`ed in their place. Every step
 * gets a record (status, outcome, start, duration) under its id, for the audit record and the
 * end-of-run summary; a step with no act, or an act with no step, is a bug (exit 10).
 *
 * The plan may be refined while the run goes on (a live preflight replaces a step with what it
 * found), but only step for step: same ids, same order.
 */
export class StepRun {
  readonly records: StepRecord[]
  private next = 0

  constructor(
    private plan: Plan,
    private readonly options: StepRunOptions,
  ) {
    this.records = plan.steps.map((s) => ({id: s.id, title: s.title, status: 'not-run' as StepStatus}))
  }

  get currentPlan(): Plan {
    return this.plan
  }

  /** The id of the step that runs next, or undefined once every step has run. */
  get nextId(): string | undefined {
    return this.plan.steps[this.next]?.id
  }

  /** Replaces the plan with a refined one: the same steps (ids, order), better titles and reasons. */
  refine(plan: Plan): void {
    const ids = (p: Plan) => p.steps.map((s) => s.id).join(',')
    if (ids(plan) !== ids(this.plan)) throw new CliError(`the refined ${plan.operation} plan has other steps than the one shown: ${ids(plan)} vs ${ids(this.plan)}`)
    this.plan = plan
    plan.steps.forEach((s, i) => (this.records[i]!.title = s.title))
  }

  /**
   * Runs the plan's next steps, in order, while `acts` has an act for them: returns at the first
   * step it has none for (one the caller performs itself), or at the end of the plan.
   */
  async run(acts: Record<string, StepAct>, signal = this.options.signal): Promise<void> {
    const known = new Set(this.plan.steps.map((s) => s.id))
    const stray = Object.keys(acts).filter((id) => !known.has(id))
    if (stray.length > 0) throw new CliError(`${this.plan.operation} would run step(s) the plan does not show: ${stray.join(', ')}`)
    const first = this.next
    const steps: PlanStep[] = []
    for (let i = first; i < this.plan.steps.length && acts[this.plan.steps[i]!.id]; i++) steps.push(this.plan.steps[i]!)
    if (steps.length === 0) return
    try {
      await this.runSteps(steps, acts, first, signal)
    } catch (error) {
      // Stopped between two steps: the one that would have run next is where the run stopped.
      if (signal?.aborted && !this.records.some((r) => r.status === 'interrupted') && this.records[this.next]?.status === 'not-run') {
        const record = this.begin(this.plan.steps[this.next]!.id)
        this.end(record, 'interrupted', 'stopped before it started')
      }
      throw error
    }
  }

  private async runSteps(steps: PlanStep[], acts: Record<string, StepAct>, first: number, signal: AbortSignal | undefined): Promise<void> {
    await runTasks(
      steps.map((step) => ({
        id: step.id,
        title: step.title,
        run: async (report) => {
          const record = this.begin(step.id)
          // kops' "Error:" line comes back once, in the failure message: not also as progress.
          const quiet: TaskReporter = {output: (line) => (isKopsNoise(line) || line.startsWith('Error: ') ? undefined : report.output(line))}
          try {
            const result = await acts[step.id]!(quiet)
            const {status, outcome} = typeof result === 'string' ? {status: 'done' as const, outcome: result} : result
            this.end(record, status, outcome)
            return `(${status === 'done' ? outcome : `${status}: ${outcome}`})`
          } catch (error) {
            this.end(record, signal?.aborted ? 'interrupted' : 'failed', isCliError(error) ? error.message.split('\n')[0] : undefined)
            throw error
          }
        },
      })),
      this.options.display,
      {
        ...(signal ? {signal} : {}),
        now: () => this.options.clock.now(),
        position: {first: first + 1, total: this.plan.steps.length},
        ...(this.options.write ? {write: this.options.write} : {}),
      },
    )
  }

  /** A step the caller performed itself (the lock): it must be the next one. */
  mark(id: string, status: StepStatus, outcome: string): void {
    this.end(this.begin(id), status, outcome)
    showStepDone(this.options.display, `[${this.next}/${this.plan.steps.length}] ${id}: ${this.records[this.next - 1]!.title}`, outcome, {
      now: () => this.options.clock.now(),
      ...(this.options.write ? {write: this.options.write} : {}),
    })
  }

  /** The plan's last step, recorded whatever ran before it (e.g. the lock, released also after a failure). */
  finish(id: string, status: StepStatus, outcome: string): void {
    const last = this.plan.steps.length - 1
    if (this.plan.steps[last]?.id !== id) throw new CliError(`${this.plan.operation}: ${id} is not the plan's last step`)
    this.next = last
    this.mark(id, status, outcome)
  }

  private begin(id: string): StepRecord {
    const expected = this.plan.steps[this.next]?.id
    if (expected !== id) throw new CliError(`${this.plan.operation}: step ${id} would run where the plan shows ${expected ?? 'no further step'}`)
    const record = this.records[this.next]!
    record.startedAt = this.options.clock.now().toISOString()
    this.next++
    return record
  }

  private end(record: StepRecord, status: StepStatus, outcome: string | undefined): void {
    record.status = status
    if (outcome !== undefined) record.outcome = outcome
    record.durationMs = this.options.clock.now().getTime() - new Date(record.startedAt!).getTime()
  }
}
