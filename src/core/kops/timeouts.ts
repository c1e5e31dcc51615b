import {parseDuration} from '../config/duration.js'

/**
 * Every kops call has a deadline, so a hung kops (an API that never answers, a drain blocked by a
 * PodDisruptionBudget) cannot hold the cluster lock forever. Steps are kops commands; the defaults
 * are generous next to what kops takes for a healthy cluster, and `--kops-timeout STEP=DURATION`
 * (KOPSMITH_KOPS_TIMEOUT) overrides them.
 */
export const KOPS_TIMEOUT_DEFAULTS_MS = {
  /** `kops version` */
  version: 60_000,
  /** `kops get clusters|cluster|instancegroups|secrets` (reads of the state store) */
  get: 2 * 60_000,
  /** `kops create -f` */
  create: 5 * 60_000,
  /** `kops replace -f` */
  replace: 5 * 60_000,
  /** `kops create secret encryptionconfig` */
  'create-secret': 2 * 60_000,
  /** `kops update cluster` (creates or converges every cloud resource) */
  update: 45 * 60_000,
  /** one `kops validate cluster` attempt; kopsmith's own loop has its own --wait */
  validate: 5 * 60_000,
  /** `kops export kubeconfig` */
  'export-kubeconfig': 2 * 60_000,
  /** `kops rolling-update cluster` (drains and replaces every outdated instance) */
  'rolling-update': 6 * 60 * 60_000,
  /** `kops reconcile cluster` (update + rolling updates, control plane then nodes) */
  reconcile: 6 * 60 * 60_000,
  /** `kops delete cluster` (the cloud resources, then the state) */
  delete: 60 * 60_000,
} as const

const MAX_KOPS_TIMEOUT_MS = 7 * 24 * 60 * 60_000

export type KopsStep = keyof typeof KOPS_TIMEOUT_DEFAULTS_MS
export type KopsTimeouts = Partial<Record<KopsStep, number>>

export const KOPS_STEPS = Object.keys(KOPS_TIMEOUT_DEFAULTS_MS) as KopsStep[]

/** The step a kops argv belongs to: `['create', 'secret', …]` → `create-secret`, `['get', 'clusters']` → `get`. */
export function kopsStepOf(argv: readonly string[]): KopsStep | undefined {
  const [verb, noun] = argv
  if (verb === 'create') return noun === 'secret' ? 'create-secret' : 'create'
  if (verb === 'export') return noun === 'kubeconfig' ? 'export-kubeconfig' : undefined
  return KOPS_STEPS.includes(verb as KopsStep) ? (verb as KopsStep) : undefined
}

/** The deadline of one call: the user's override, else what the caller asked for, else the step's default. */
export function kopsTimeoutMs(argv: readonly string[], options: {requested?: number; overrides?: KopsTimeouts}): number | undefined {
  const step = kopsStepOf(argv)
  if (step && options.overrides?.[step] !== undefined) return options.overrides[step]
  if (options.requested !== undefined) return options.requested
  return step ? KOPS_TIMEOUT_DEFAULTS_MS[step] : undefined
}

/** `update=45m,rolling-update=8h` → overrides; a problem names the entry and the known steps. */
export function parseKopsTimeouts(text: string): {ok: true; timeouts: KopsTimeouts} | {ok: false; problem: string} {
  const timeouts: KopsTimeouts = {}
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [step, duration, ...rest] = entry.split('=').map((p) => p.trim())
    if (!step || duration === undefined || rest.length > 0) return {ok: false, problem: `"${entry}" is not STEP=DURATION (e.g. update=45m)`}
    if (!KOPS_STEPS.includes(step as KopsStep)) return {ok: false, problem: `"${step}" is not a kops step; steps: ${KOPS_STEPS.join(', ')}`}
    const ms = parseDuration(duration)
    if (ms === undefined || ms <= 0) return {ok: false, problem: `"${duration}" (for ${step}) is not a duration such as 90s, 15m or 2h`}
    // Timers hold at most ~24.8 days; a kops call that may take longer than a week is hung.
    if (ms > MAX_KOPS_TIMEOUT_MS) return {ok: false, problem: `"${duration}" (for ${step}) is longer than 7d`}
    timeouts[step as KopsStep] = ms
  }
  if (Object.keys(timeouts).length === 0) return {ok: false, problem: 'no STEP=DURATION given (e.g. update=45m)'}
  return {ok: true, timeouts}
}
