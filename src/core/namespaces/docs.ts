import {withGeneratedBlock} from '../markdown.js'
import {DEPLOYER_RULES} from './render.js'

export const DEPLOYER_TABLE_START = '<!-- deployer-rules:start (generated from DEPLOYER_RULES in src/core/namespaces/render.ts; a test keeps it in sync) -->'
export const DEPLOYER_TABLE_END = '<!-- deployer-rules:end -->'

/** The deployer Role as the Markdown table of docs/access.md, between its markers. */
export function deployerRulesMarkdown(): string {
  const code = (items: readonly string[]): string => items.map((i) => `\`${i}\``).join(', ')
  const groups = (items: readonly string[]): string => items.map((g) => (g === '' ? '`""` (core)' : `\`${g}\``)).join(', ')
  const rows = DEPLOYER_RULES.map((r) => `| ${groups(r.apiGroups)} | ${code(r.resources)} | ${code(r.verbs)} |`)
  return [DEPLOYER_TABLE_START, '| API group | resources | verbs |', '| --- | --- | --- |', ...rows, DEPLOYER_TABLE_END].join('\n')
}

/** Replaces the table between the markers of a page (for regenerating docs/access.md). */
export function withDeployerTable(page: string): string {
  return withGeneratedBlock(page, DEPLOYER_TABLE_START, DEPLOYER_TABLE_END, deployerRulesMarkdown())
}
