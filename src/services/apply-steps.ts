import {applyStageId, type ApplyStage} from '../core/apply/apply-plan.js'
import {describeRef} from '../core/apply/phases.js'
import {InterruptedError} from '../core/errors.js'
import type {StepRecord} from '../core/plan.js'
import type {Interrupts} from '../ports.js'
import type {TaskReporter} from '../ui/tasks.js'
import type {ApplyProgress, ManifestApply, StageOutcome} from './apply-manifests.js'
import type {StepAct, StepResult} from './step-run.js'

/**
 * The acts of an apply's stages, one per plan step (`applyStageId`): each runs its stage of the one
 * `ManifestApply`, created by `apply()` when the first of them runs, and shows the engine's
 * progress under its step. A dry run reads and compares only: it does not wait for rollouts.
 */
export function applyStageActs(area: string, stages: readonly ApplyStage[], apply: (progress: (event: ApplyProgress) => void) => ManifestApply, options: {dryRun: boolean; onProgress?: ((event: ApplyProgress) => void) | undefined}): Record<string, StepAct> {
  let engine: ManifestApply | undefined
  let reporter: TaskReporter | undefined
  const lines = progressLines()
  const progress = (event: ApplyProgress) => {
    const line = lines(event)
    if (line !== undefined) reporter?.output(line)
    options.onProgress?.(event)
  }
  return Object.fromEntries(
    stages.map((stage) => [
      applyStageId(area, stage),
      async (r: TaskReporter): Promise<StepResult> => {
        if (stage.kind === 'rollout' && options.dryRun) return {status: 'skipped', outcome: 'a dry run does not wait for rollouts'}
        reporter = r
        engine ??= apply(progress)
        return stageResult(stage, await engine.run(stage), options.dryRun)
      },
    ]),
  )
}

function stageResult(stage: ApplyStage, outcome: StageOutcome, dryRun: boolean): StepResult {
  const would = dryRun ? 'would be ' : ''
  if (stage.kind === 'rollout') return outcome.changed === 0 ? {status: 'unchanged', outcome: 'nothing rolls out'} : `${outcome.changed} rolled out`
  if (stage.kind === 'prune') return outcome.changed === 0 ? {status: 'unchanged', outcome: 'nothing to prune'} : `${outcome.changed} ${would}deleted`
  const established = stage.phase === 'crds' && !dryRun && outcome.changed + outcome.unchanged > 0 ? ', Established' : ''
  if (outcome.changed === 0) return {status: 'unchanged', outcome: outcome.unchanged === 0 ? 'nothing to apply' : `${outcome.unchanged} already as rendered${established}`}
  return `${outcome.changed} ${would}applied, ${outcome.unchanged} already as rendered${established}`
}

/**
 * The engine's progress as lines under the running step: what became ready, what was pruned, and
 * what a wait is waiting for — once per change, not at every poll. Objects applied or unchanged
 * are counted in the step's outcome instead: a thousand of them would bury the rest.
 */
function progressLines(): (event: ApplyProgress) => string | undefined {
  const waiting = new Map<string, string>()
  return (event) => {
    switch (event.type) {
      case 'ready':
        return `${describeRef(event.ref)}: ${event.message}`
      case 'pruned':
        return `deleted ${describeRef(event.ref)}`
      case 'waiting': {
        const key = describeRef(event.ref)
        if (waiting.get(key) === event.message) return undefined
        waiting.set(key, event.message)
        return `${key}: ${event.message}`
      }
      default:
        return undefined
    }
  }
}

/**
 * The signal a run stops on: the caller's (a run inside another, e.g. `cluster create`, which
 * handles Ctrl-C itself), else its own, aborted on Ctrl-C, SIGTERM or SIGHUP while the run is
 * registered. `dispose` unregisters it.
 */
export function interruptible(interrupts: Interrupts | undefined, outer: AbortSignal | undefined, what: string): {signal: AbortSignal | undefined; dispose(): void} {
  if (outer || !interrupts) return {signal: outer, dispose: () => {}}
  const controller = new AbortController()
  const dispose = interrupts.onInterrupt(() => controller.abort(new InterruptedError(`${what} was interrupted`)), {stopping: `stopping ${what} before its next request; what was applied stays`})
  return {signal: controller.signal, dispose}
}

/** Exit 130 for a run stopped by Ctrl-C, naming the step it stopped in; its steps go along in `details`. */
export function interruptedRunError(what: string, records: readonly StepRecord[], cause: unknown): InterruptedError {
  const at = records.find((r) => r.status === 'interrupted') ?? records.find((r) => r.status === 'not-run')
  return new InterruptedError(`${what} was interrupted${at ? ` at ${at.id}` : ''}; what was applied before stays, nothing after it was applied`, {
    cause,
    suggestions: ['Run the same command again: apply is idempotent, and objects already as rendered are not sent again'],
    details: {steps: records},
  })
}

/**
 * Runs an apply's steps under `stop`: a run stopped by Ctrl-C ends as exit 130 naming its step
 * (`interruptedRunError`), any other failure as itself; the interrupt handler is always released,
 * and `close` (the API client) always called.
 */
export async function runUntilStopped(what: string, run: {records: readonly StepRecord[]}, stop: {signal: AbortSignal | undefined; dispose(): void}, body: () => Promise<void>, close: () => void): Promise<void> {
  try {
    await body()
  } catch (error) {
    if (stop.signal?.aborted) throw interruptedRunError(what, run.records, error)
    throw error
  } finally {
    stop.dispose()
    close()
  }
}
