import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import type * as Interfaces from '@oclif/core/interfaces'

import {formatDuration, parseDuration} from './core/config/duration.js'
import {UsageError} from './core/errors.js'
import {KOPS_STEPS, type KopsTimeouts, parseKopsTimeouts} from './core/kops/timeouts.js'
import {bucketOfStateStore, clusterNameProblem} from './core/naming.js'

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
    if (!bucket) {
      throw new UsageError(`${JSON.stringify(input)} is not an S3 state store: expected s3://BUCKET (or BUCKET) with a bucket name S3 accepts — 3-63 lowercase letters, digits, dots and hyphens, no ".." — e.g. s3://acme-kops-state`)
    }
    return bucket
  },
})

/**
 * Every cluster name given on the command line (`--name`, a NAME argument) passes through here: a
 * DNS-1123 name, as the cluster file's metadata.name must be, or exit 2 before anything runs. Names
 * end up in local paths (run logs) and S3 keys (lock, audit), so `../x` or `$(id)` never get that far.
 */
export function parseClusterName(input: string, what: string): string {
  const name = input.trim()
  const problem = clusterNameProblem(name)
  if (problem) throw new UsageError(`${what} ${JSON.stringify(input)} is not a cluster name: ${problem}`, {suggestions: ['kopsmith cluster list --state s3://BUCKET   (the names in a state store)']})
  return name
}

/** A DNS zone from a flag (`sandbox create --zone`): the same DNS-1123 rule, as cluster names are built under it. */
export function parseDnsZone(input: string, what: string): string {
  const zone = input.trim()
  if (clusterNameProblem(zone)) throw new UsageError(`${what} ${JSON.stringify(input)} is not a DNS zone name: lowercase letters, digits, hyphens and dots, e.g. sandbox.k8s.acme.de`)
  return zone
}

/** `--name NAME`: a cluster named without its cluster file; validated by parseClusterName. */
export const clusterNameFlag = Flags.custom<string>({
  description: 'Cluster name, e.g. prod.k8s.acme.de',
  helpValue: 'NAME',
  parse: async (input) => parseClusterName(input, '--name'),
})

/** A cluster name as a positional argument (`sandbox extend NAME`); validated by parseClusterName. */
export const clusterNameArg = Args.custom<string>({
  parse: async (input) => parseClusterName(input, 'NAME'),
})

/**
 * `--kubeconfig PATH`: exactly that file, as kubectl's flag. Without it the KUBECONFIG list is merged
 * by kubectl's rules, else the admin kubeconfig `cluster create` exported, else ~/.kube/config.
 * (KUBECONFIG is read as the list it is, not as this flag.)
 */
export const kubeconfigFlag = Flags.string({
  description: "kubeconfig file (default: the KUBECONFIG list, else the admin kubeconfig cluster create exported to kopsmith's state directory, else ~/.kube/config)",
  helpValue: 'PATH',
})

/** `--context NAME`: the user's explicit choice of context, used even when its server is not the cluster's api.NAME. */
export const contextFlag = Flags.string({
  description: "kubeconfig context to use (default: the current context, which must point at the cluster's API)",
  helpValue: 'NAME',
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

/** Per-step deadlines of kops calls (core/kops/timeouts.ts has the defaults), e.g. `update=45m,rolling-update=8h`. */
export const kopsTimeoutFlag = Flags.custom<KopsTimeouts>({
  description: `Deadline of kops calls per step, STEP=DURATION,… (steps: ${KOPS_STEPS.join(', ')}); a call past it is stopped, exit 7`,
  env: 'KOPSMITH_KOPS_TIMEOUT',
  helpValue: 'STEP=DURATION,…',
  parse: async (input) => {
    const verdict = parseKopsTimeouts(input)
    if (!verdict.ok) throw new UsageError(`--kops-timeout ${input}: ${verdict.problem}`, {suggestions: ['e.g. --kops-timeout update=45m,rolling-update=8h']})
    return verdict.timeouts
  },
})()

export const yesFlag = Flags.boolean({
  char: 'y',
  description: 'Apply without asking (required when not interactive)',
  default: false,
})

export const dryRunFlag = Flags.boolean({
  description: 'Show the plan; change nothing anywhere',
  default: false,
})

const MAX_WAIT_MS = 24 * 24 * 60 * 60_000

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
    // Node's timers hold at most 2^31-1 ms (24.8 days); a longer wait would fire at once.
    if (ms > MAX_WAIT_MS) throw new UsageError(`"${input}" is longer than kopsmith waits: at most 24d`)
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
