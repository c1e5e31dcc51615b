import type {RunSummary} from '../core/run-summary.js'
import {formatElapsed} from './tasks.js'

/**
 * The last thing a mutating run prints: what happened, where the time went, what was left out and
 * why, where the log and the audit record are, how to use the result and what to run next.
 */
export function formatRunSummary(headline: string, summary: RunSummary): string {
  const {steps} = summary
  const lines = [
    '',
    `${headline} in ${formatElapsed(summary.durationMs)}: ${steps.total} steps, ${steps.done} done, ${steps.unchanged} already in place, ${steps.skipped} skipped`,
  ]
  if (summary.slowest.length > 0) lines.push(`  longest:  ${summary.slowest.map((s) => `${s.id} ${formatElapsed(s.durationMs)}`).join(', ')}`)
  for (const s of summary.skipped) lines.push(`  skipped:  ${s.id} (${s.reason})`)
  if (summary.logFile) lines.push(`  log:      ${summary.logFile}`)
  if (summary.auditRecord) lines.push(`  audit:    ${summary.auditRecord}`)
  if (summary.use.length > 0) lines.push('', 'Use it:', ...summary.use.map((u) => `  ${u}`))
  if (summary.next) lines.push('', `Next: ${summary.next}`)
  return lines.join('\n')
}
