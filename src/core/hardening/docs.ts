import {withGeneratedBlock} from '../markdown.js'
import {HARDENING_CHECKS} from './checks.js'

export const TABLE_START = '<!-- hardening-table:start (generated from src/core/hardening/checks.ts; a test keeps it in sync) -->'
export const TABLE_END = '<!-- hardening-table:end -->'

/** The baseline as the Markdown table of docs/hardening.md, between its markers. */
export function hardeningTableMarkdown(): string {
  const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ')
  const rows = HARDENING_CHECKS.map((c) => `| ${c.id} | **${cell(c.title)}.** ${cell(c.risk)} | ${cell(c.field)} | ${cell(c.expected)} | ${cell(c.fix)} |`)
  return [TABLE_START, '| id | risk | kops field (v1alpha2) | expected value | how to fix |', '| --- | --- | --- | --- | --- |', ...rows, TABLE_END].join('\n')
}

/** Replaces the table between the markers of a docs page (for regenerating docs/hardening.md). */
export function withHardeningTable(page: string): string {
  return withGeneratedBlock(page, TABLE_START, TABLE_END, hardeningTableMarkdown())
}
