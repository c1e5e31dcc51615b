import type {KopsValidation} from '../../ports.js'

/**
 * Judgement of one `kops validate cluster` result. kops' own rule: a cluster is healthy exactly
 * when there are no failures (it exits 0 then). We keep that rule and add a readable summary.
 */
export function isHealthyValidation(result: KopsValidation): boolean {
  return result.failures.length === 0
}

/** One line for progress output and error messages, e.g. `3 nodes; 2 failures: Node i-0a…: not ready; …`. */
export function summariseValidation(result: KopsValidation): string {
  const ready = result.nodes.filter((n) => n.status === 'True').length
  const nodes = `${ready}/${result.nodes.length} nodes ready`
  if (result.failures.length === 0) return `healthy: ${nodes}`
  const shown = result.failures.slice(0, 3).map((f) => `${f.type} ${f.name}: ${f.message}`)
  const more = result.failures.length > 3 ? `; and ${result.failures.length - 3} more` : ''
  return `${result.failures.length} failure(s), ${nodes}: ${shown.join('; ')}${more}`
}

/**
 * The consecutive-success counter of the validation loop. Any failed attempt (unhealthy or
 * unreachable) resets it, so a flapping cluster never passes on accumulated luck (kops #8707,
 * PR #11049). Returns the new count and whether the gate is met.
 */
export function nextConsecutive(previous: number, healthy: boolean, required: number): {consecutive: number; passed: boolean} {
  const consecutive = healthy ? previous + 1 : 0
  return {consecutive, passed: consecutive >= Math.max(1, required)}
}
