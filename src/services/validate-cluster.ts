import {KopsError, TimeoutError, UnhealthyError} from '../core/errors.js'
import {nextConsecutive, summariseValidation} from '../core/kops/validation.js'
import type {Clock, Kops, KopsValidation, KopsValidationFailure, KopsValidationNode} from '../ports.js'

export interface ValidateLoopOptions {
  name: string
  /** How long to keep trying. 0: no waiting — at most `count` attempts, stopping at the first failure. */
  waitMs: number
  /** Pause between attempts. */
  intervalMs: number
  /** Consecutive healthy attempts required; any failed attempt resets the count. */
  count: number
  signal?: AbortSignal
  onAttempt?: (attempt: ValidationAttempt) => void
  /** Limit for one `kops validate` call; default 5 minutes. */
  attemptTimeoutMs?: number
}

export interface ValidationAttempt {
  attempt: number
  healthy: boolean
  consecutive: number
  /** kops' result; for an attempt where kops could not validate at all, one `Unreachable` failure. */
  result: KopsValidation
  /** Set when kops failed without a validation result (API unreachable, DNS not yet there…). */
  error?: string
}

export interface ValidationOutcome {
  healthy: boolean
  attempts: number
  consecutive: number
  result: KopsValidation
  elapsedMs: number
}

/**
 * kopsmith's own validation loop (DESIGN.md "kops"): one `kops validate cluster -o json` per
 * attempt — never kops' `--wait`, which writes one JSON document per attempt with no separator —
 * every `intervalMs`, until `count` consecutive healthy attempts (flapping resets the count) or
 * `waitMs` runs out (TimeoutError, exit 7, with the last failures in its details). While waiting,
 * an attempt where kops cannot reach the cluster counts as a failed attempt, as in kops' own loop;
 * without waiting it is a KopsError (exit 5). Time comes from the Clock port, so tests run it on a
 * fake clock.
 */
export async function validateUntilHealthy(kops: Kops, clock: Clock, options: ValidateLoopOptions): Promise<ValidationOutcome> {
  const start = clock.now().getTime()
  const waiting = options.waitMs > 0
  let consecutive = 0
  let attempt = 0
  for (;;) {
    attempt++
    let healthy: boolean
    let result: KopsValidation
    let error: string | undefined
    try {
      const r = await kops.validateCluster(options.name, {signal: options.signal, timeoutMs: options.attemptTimeoutMs ?? 5 * 60_000})
      healthy = r.healthy
      result = r.result
    } catch (e) {
      if (!waiting || !(e instanceof KopsError || e instanceof TimeoutError)) throw e
      healthy = false
      error = firstLine(e.message)
      result = {failures: [{type: 'Unreachable', name: options.name, message: lastKopsError(e) ?? error}], nodes: []}
    }
    const verdict = nextConsecutive(consecutive, healthy, options.count)
    consecutive = verdict.consecutive
    options.onAttempt?.({attempt, healthy, consecutive, result, ...(error ? {error} : {})})
    const elapsedMs = clock.now().getTime() - start
    if (verdict.passed) return {healthy: true, attempts: attempt, consecutive, result, elapsedMs}
    if (!waiting && !healthy) return {healthy: false, attempts: attempt, consecutive, result, elapsedMs}
    if (waiting && elapsedMs >= options.waitMs) {
      throw new TimeoutError(`${options.name} did not pass validation ${options.count} time(s) in a row within ${formatDuration(options.waitMs)} (${attempt} attempts; last: ${summariseValidation(result)})`, {
        suggestions: [`See what fails now: kopsmith cluster validate --name ${options.name}`, 'Wait longer with --wait, e.g. --wait 30m'],
        details: {cluster: options.name, healthy: false, attempts: attempt, failures: result.failures, nodes: result.nodes},
      })
    }
    const pause = waiting ? Math.min(options.intervalMs, options.waitMs - elapsedMs) : options.intervalMs
    await clock.sleep(pause, options.signal)
  }
}

export interface ValidateClusterInput extends Omit<ValidateLoopOptions, 'name'> {
  cluster: string
}

/**
 * What `cluster validate` returns (and its `--json` result). Kept open on purpose: the live
 * hardening audit and addon health are added beside these fields by their own services.
 */
export interface ValidateClusterResult {
  cluster: string
  healthy: boolean
  attempts: number
  failures: KopsValidationFailure[]
  nodes: KopsValidationNode[]
}

/** `cluster validate`: the loop, then exit 0 (healthy) or UnhealthyError (exit 1) carrying the result. */
export async function validateCluster(kops: Kops, clock: Clock, input: ValidateClusterInput): Promise<ValidateClusterResult> {
  const outcome = await validateUntilHealthy(kops, clock, {...input, name: input.cluster})
  const result: ValidateClusterResult = {
    cluster: input.cluster,
    healthy: outcome.healthy,
    attempts: outcome.attempts,
    failures: outcome.result.failures,
    nodes: outcome.result.nodes,
  }
  if (!outcome.healthy) {
    throw new UnhealthyError(`${input.cluster} is not healthy: ${summariseValidation(outcome.result)}`, {
      suggestions: ['Wait for it with --wait 15m, or look at the failing nodes and pods'],
      details: {...result},
    })
  }
  return result
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text
}

/** kops' own last `Error: …` line is the most useful message of a failed attempt. */
function lastKopsError(error: KopsError | TimeoutError): string | undefined {
  const tail = error instanceof KopsError ? error.failure.stderrTail : ''
  const lines = tail.split('\n').filter((l) => l.startsWith('Error: '))
  return lines.at(-1)?.slice('Error: '.length)
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  return `${Math.round(ms / 1000)}s`
}
