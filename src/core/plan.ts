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
