import type {Plan, PlanStep, StepRecord} from '../core/plan.js'

const SYMBOL: Record<PlanStep['action'], string> = {
  create: '+',
  update: '~',
  delete: '-',
  noop: '=',
  check: '?',
  run: '>',
}

/** The plan as people read it: one line per step, its reason underneath, changes indented. */
export function formatPlan(plan: Plan, options: {title?: string} = {}): string {
  const lines = [options.title ?? `Plan: ${plan.operation} ${plan.cluster} (${plan.steps.length} steps)`]
  plan.steps.forEach((s, i) => {
    lines.push(`  ${String(i + 1).padStart(2)}. ${SYMBOL[s.action]} ${s.title}`)
    lines.push(`        ${s.reason}`)
    for (const c of s.changes ?? []) {
      lines.push(c.from === undefined && c.to === undefined ? `        ${c.field}` : `        ${c.field}: ${show(c.from)} → ${show(c.to)}`)
    }
  })
  lines.push('', '  + create/ensure   ~ update   - delete   > run   ? check   = nothing to do')
  return lines.join('\n')
}

function show(value: unknown): string {
  if (value === undefined) return '(unset)'
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** What each step of a dry run found, under the plan it ran: reads and comparisons only. */
export function formatDryRunSteps(records: readonly StepRecord[]): string {
  return ['Dry run, compared with the cluster:', ...records.map((r, i) => `  ${String(i + 1).padStart(2)}. ${r.id}: ${r.status === 'done' ? '' : `${r.status}: `}${r.outcome ?? ''}`)].join('\n')
}
