import {Flags, type Interfaces} from '@oclif/core'

import {formatDuration, parseDuration} from './core/config/duration.js'
import {UsageError} from './core/errors.js'
import {bucketOfStateStore} from './core/naming.js'

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

/**
 * `--state`, the one state-store flag of every command (`s3://BUCKET`, or just `BUCKET`), parsed to
 * the bucket name. KOPS_STATE_STORE is reused, as kops users already set it. kopsmith keeps its
 * lock, audit records and metadata beside kops' files, so only an S3 store will do.
 */
export const s3StateFlag = Flags.custom<string>({
  description: 'kops state store on S3',
  env: 'KOPS_STATE_STORE',
  helpValue: 's3://BUCKET',
  parse: async (input) => {
    const bucket = bucketOfStateStore(input)
    if (!bucket) throw new UsageError(`expected an S3 state store such as s3://acme-kops-state, got "${input}"`)
    return bucket
  },
})

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

/**
 * Every wait/timeout flag, parsed exactly as the cluster file's durations (`90s`, `15m`, `1h30m`,
 * `3d`), plus `0` for "do not wait" and milliseconds (`500ms`) for short polling intervals.
 */
const durationFlagBuilder = Flags.custom<number>({
  parse: async (input) => {
    const text = input.trim()
    const ms = text === '0' ? 0 : /^\d+ms$/.test(text) ? Number(text.slice(0, -2)) : parseDuration(text)
    // A CliError, so a bad value is a usage error (exit 2) like any other flag mistake.
    if (ms === undefined) throw new UsageError(`"${input}" is not a duration; use e.g. 90s, 15m, 1h30m or 0`)
    return ms
  },
  helpValue: 'DURATION',
})

/**
 * A duration flag whose default shows in help as people type it (`[default: 30m]`, not
 * `[default: 1800000]`): oclif prints `defaultHelp` when a flag has one, so it is built from the
 * numeric default unless the command gives its own.
 */
export const durationFlag = ((options: Partial<Interfaces.OptionFlag<number>> = {}) => {
  const fallback = options.default
  const build = durationFlagBuilder as (o: Partial<Interfaces.OptionFlag<number>>) => Interfaces.OptionFlag<number>
  return build({...(typeof fallback === 'number' ? {defaultHelp: async () => formatDuration(fallback)} : {}), ...options})
}) as typeof durationFlagBuilder
