import {Flags} from '@oclif/core'

/**
 * Flags shared by several commands, built once so names, env vars and help text agree everywhere.
 * Env vars reuse the names people already have (AWS_PROFILE, KOPS_STATE_STORE), never renamed.
 */
export const CLUSTER_FILE_FLAG_OPTIONS = {
  char: 'f',
  description: 'Cluster file (kopsmith/v1alpha1 Cluster)',
  env: 'KOPSMITH_CLUSTER_FILE',
  helpValue: 'FILE',
} as const

/** `-f FILE`, required. Commands where it is optional spread CLUSTER_FILE_FLAG_OPTIONS themselves. */
export const clusterFileFlag = Flags.string({...CLUSTER_FILE_FLAG_OPTIONS, required: true})

export const awsProfileFlag = Flags.string({
  description: 'AWS profile from your shared config (default credential chain otherwise)',
  env: 'AWS_PROFILE',
  helpGroup: 'AWS',
})

export const kopsBinaryFlag = Flags.string({
  description: 'kops binary to run (default: kops on PATH)',
  env: 'KOPSMITH_KOPS',
  helpValue: 'PATH',
})

export const yesFlag = Flags.boolean({
  char: 'y',
  description: 'Apply without asking (required when not interactive)',
  default: false,
})

export const dryRunFlag = Flags.boolean({
  description: 'Show the plan; change nothing anywhere',
  default: false,
})

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/
const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}

/** Parses `15m`, `90s`, `1h30m` into milliseconds; used for every wait/timeout flag. */
export function parseDurationMs(input: string): number {
  let total = 0
  let rest = input.trim()
  if (rest === '') throw new Error('empty duration')
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/.exec(rest)
    if (!m || !m[1] || !m[2]) throw new Error(`"${input}" is not a duration; use e.g. 90s, 15m, 1h30m`)
    total += Number(m[1]) * (UNIT_MS[m[2]] ?? 0)
    rest = rest.slice(m[0].length)
  }
  return total
}

export const durationFlag = Flags.custom<number>({
  parse: async (input) => parseDurationMs(input),
  helpValue: 'DURATION',
})

export {DURATION}
