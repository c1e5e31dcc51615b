/**
 * One plan, printed or executed (STYLE.md). Services build steps by comparing desired and observed
 * state; `--dry-run` prints them, `--yes` turns the same steps into listr2 tasks.
 */
export type StepAction = 'create' | 'update' | 'delete' | 'noop' | 'check' | 'run'

export interface PlanStep {
  /** Stable id, `<area>:<verb>` e.g. `state-bucket:create`, `kops:update-cluster`. */
  id: string
  title: string
  action: StepAction
  /** Why this step does what it does (or nothing). */
  reason: string
  /** Field-level changes behind an update, for the plan printer and the audit record. */
  changes?: Array<{field: string; from?: unknown; to?: unknown}>
}

export interface Plan {
  operation: string
  cluster: string
  steps: PlanStep[]
}

export function hasPendingChanges(plan: Plan): boolean {
  return plan.steps.some((s) => s.action !== 'noop' && s.action !== 'check')
}

/** What became of one plan step in a run, stored in the audit record under the step's id. */
export type StepStatus = 'done' | 'unchanged' | 'skipped' | 'failed' | 'interrupted' | 'not-run'

export interface StepRecord {
  id: string
  title: string
  status: StepStatus
  /** What the step found or did, e.g. "created", "exists, not rotated", "--skip addons". */
  outcome?: string
  startedAt?: string
  durationMs?: number
}

/**
 * Where a run's step records and its plan disagree: a step that ran but was not shown, a shown step
 * that never ran although the run succeeded, or the same steps in another order. Empty when what was
 * shown is what ran. Steps after a failure or an interrupt may not have run; `finished` says whether
 * the run reached its end.
 */
export function planExecutionMismatch(plan: Plan, records: readonly StepRecord[], finished: boolean): string[] {
  const problems: string[] = []
  const shown = plan.steps.map((s) => s.id)
  const ran = records.map((r) => r.id)
  for (const id of ran) if (!shown.includes(id)) problems.push(`step ${id} ran but the plan did not show it`)
  if (ran.join('\n') !== shown.filter((id) => ran.includes(id)).join('\n')) problems.push(`steps ran in another order than shown: ${ran.join(', ')}`)
  if (finished) {
    for (const r of records) if (r.status === 'not-run' || r.status === 'failed' || r.status === 'interrupted') problems.push(`step ${r.id} is ${r.status}, yet the run finished`)
    for (const id of shown) if (!ran.includes(id)) problems.push(`step ${id} was shown but never ran`)
  }
  return problems
}
