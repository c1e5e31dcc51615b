import type {KopsResource, KopsValidationFailure, KopsValidationNode} from '../ports.js'
import {formatTable} from './table.js'

/** `cluster validate`'s human output: nodes, then failures, then the verdict. */
export function formatValidation(r: {cluster: string; healthy: boolean; attempts: number; failures: KopsValidationFailure[]; nodes: KopsValidationNode[]}): string {
  const lines = [
    `NODES (${r.nodes.filter((n) => n.status === 'True').length}/${r.nodes.length} ready)`,
    formatTable(['NAME', 'ROLE', 'ZONE', 'READY'], r.nodes.map((n) => [n.name, n.role, n.zone, n.status])),
  ]
  if (r.failures.length > 0) {
    lines.push('', 'FAILURES', formatTable(['TYPE', 'NAME', 'MESSAGE'], r.failures.map((f) => [f.type, f.name, f.message])))
  }
  lines.push('', r.healthy ? `${r.cluster} is healthy (${r.attempts} attempt(s))` : `${r.cluster} is NOT healthy`)
  return lines.join('\n')
}

/** What `kops delete cluster` would remove, as `cluster delete` shows it before asking. */
export function formatResources(resources: KopsResource[]): string {
  if (resources.length === 0) return 'kops lists no cloud resources (only the state store entries remain)'
  return `kops would delete ${resources.length} cloud resource(s):\n${formatTable(['TYPE', 'NAME', 'ID'], resources.map((r) => [r.type, r.name, r.id]))}`
}
