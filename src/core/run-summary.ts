import type {StepRecord} from './plan.js'

/** How a mutating run ended, for people (ui/run-summary.ts) and for `--json`, from its step records. */
export interface RunSummary {
  outcome: 'success'
  durationMs: number
  steps: {total: number; done: number; unchanged: number; skipped: number}
  /** The slowest steps first, each with its duration: where the time went. */
  slowest: Array<{id: string; title: string; durationMs: number}>
  skipped: Array<{id: string; reason: string}>
  /** The run log with the full kops output. */
  logFile?: string
  /** The audit record, `s3://BUCKET/KEY`. */
  auditRecord?: string
  /** How to use what the run built, e.g. `export KUBECONFIG=…`, `kubectl get nodes`. */
  use: string[]
  /** The command that naturally comes next. */
  next?: string
}

export function summariseRun(
  records: readonly StepRecord[],
  context: {started: Date; ended: Date; logFile?: string; auditRecord?: string | undefined; use?: string[]; next?: string},
): RunSummary {
  const count = (status: StepRecord['status']) => records.filter((r) => r.status === status).length
  return {
    outcome: 'success',
    durationMs: context.ended.getTime() - context.started.getTime(),
    steps: {total: records.length, done: count('done'), unchanged: count('unchanged'), skipped: count('skipped')},
    slowest: records
      .filter((r) => r.durationMs !== undefined)
      .toSorted((a, b) => b.durationMs! - a.durationMs!)
      .slice(0, 3)
      .map((r) => ({id: r.id, title: r.title, durationMs: r.durationMs!})),
    skipped: records.filter((r) => r.status === 'skipped').map((r) => ({id: r.id, reason: r.outcome ?? ''})),
    ...(context.logFile ? {logFile: context.logFile} : {}),
    ...(context.auditRecord ? {auditRecord: context.auditRecord} : {}),
    use: context.use ?? [],
    ...(context.next ? {next: context.next} : {}),
  }
}
