import semver from 'semver'

import type {InstanceGroupRole} from '../../ports.js'
import {compareMinor, KOPS_SUPPORT, minorOf, RECONCILE_SINCE, STABLE_CHANNEL_PATCHES} from './versions.js'

/**
 * Upgrade path planning (kops-contract.md, "Upgrade procedure"): one Kubernetes minor at a time,
 * never skipping one (kops #7673, #8788), intermediate hops on the stable channel's patch, every
 * hop inside what the kops binary in use can drive. Pure: the service supplies the stored version
 * and the kops version, and executes the hops.
 */

export interface UpgradeHop {
  from: string
  to: string
}

export type UpgradeRefusal = 'invalid-version' | 'downgrade' | 'unknown-kops' | 'beyond-kops' | 'below-kops' | 'unknown-patch'

export type UpgradePath =
  | {ok: true; hops: UpgradeHop[]}
  | {ok: false; reason: UpgradeRefusal; message: string; suggestions: string[]}

const FULL_VERSION = /^v?\d+\.\d+\.\d+$/

/**
 * `1.35` → the stable channel's patch for that minor; `1.35.7` stays. Undefined when neither.
 * Lets `--to 1.36` mean "the recommended 1.36".
 */
export function resolveTargetVersion(input: string): string | undefined {
  const v = input.trim().replace(/^v/, '')
  if (FULL_VERSION.test(v)) return v
  if (/^\d+\.\d+$/.test(v)) return STABLE_CHANNEL_PATCHES[v]
  return undefined
}

export function planUpgradePath(current: string, target: string, kopsVersion: string): UpgradePath {
  for (const [what, v] of [['current', current], ['target', target]] as const) {
    if (!FULL_VERSION.test(v)) {
      return refuse('invalid-version', `the ${what} Kubernetes version "${v}" is not a full version such as 1.35.7`, ['Pass --to with a version such as 1.35.7'])
    }
  }
  const cur = current.replace(/^v/, '')
  const tgt = target.replace(/^v/, '')
  if (semver.lt(tgt, cur)) {
    return refuse('downgrade', `Kubernetes cannot be downgraded: the cluster runs ${cur} and the target is ${tgt}`, [
      `Set spec.kubernetesVersion to ${cur} or newer in the cluster file, or pass --to ${cur}`,
    ])
  }
  if (semver.eq(tgt, cur)) return {ok: true, hops: []}

  const kopsMinor = minorOf(kopsVersion)
  const support = KOPS_SUPPORT[kopsMinor]
  if (!support) {
    return refuse('unknown-kops', `kopsmith does not know kops ${kopsVersion}; it supports kops ${knownKopsRange()}`, ['Install a kops release kopsmith supports, or pass --kops PATH'])
  }
  const range = `kops ${kopsVersion} supports Kubernetes ${support.hardFloor}–${support.max}`
  const targetMinor = minorOf(tgt)
  if (compareMinor(targetMinor, support.max) > 0) {
    return refuse('beyond-kops', `${range}; upgrading to ${tgt} needs kops ${targetMinor} or newer`, [
      `Install kops ${targetMinor} (https://kops.sigs.k8s.io/getting_started/install/) and pass it with --kops or KOPSMITH_KOPS`,
      `Or upgrade only as far as ${STABLE_CHANNEL_PATCHES[support.max] ?? support.max}: --to ${STABLE_CHANNEL_PATCHES[support.max] ?? support.max}`,
    ])
  }

  const hops: UpgradeHop[] = []
  const unsupported: string[] = []
  let from = cur
  for (let minor = nextMinor(minorOf(cur)); compareMinor(minor, targetMinor) <= 0; minor = nextMinor(minor)) {
    if (compareMinor(minor, support.hardFloor) < 0) {
      unsupported.push(minor)
      continue
    }
    const to = minor === targetMinor ? tgt : STABLE_CHANNEL_PATCHES[minor]
    if (!to) {
      return refuse('unknown-patch', `no stable-channel patch is known for Kubernetes ${minor}, an intermediate hop from ${cur} to ${tgt}`, [
        `Upgrade to a ${minor} patch first: --to ${minor}.N (see https://github.com/kubernetes/kops/blob/master/channels/stable)`,
      ])
    }
    hops.push({from, to})
    from = to
  }
  if (minorOf(cur) === targetMinor) hops.push({from: cur, to: tgt})

  if (unsupported.length > 0) {
    const minors = unsupported.join(', ')
    return refuse('below-kops', `${range}, so it cannot perform the hop(s) to Kubernetes ${minors}; kopsmith never skips a minor`, [
      `Run the hop(s) to ${minors} with an older kops that supports them: --to ${STABLE_CHANNEL_PATCHES[unsupported.at(-1) ?? ''] ?? `${unsupported.at(-1)}.N`} --kops /path/to/older/kops`,
      `Then run this upgrade again with kops ${kopsVersion}`,
    ])
  }
  return {ok: true, hops}
}

// ---------------------------------------------------------------- rolling out one hop

/** kops' default `--drain-timeout`; `reconcile cluster` has no flag for it. */
export const KOPS_DEFAULT_DRAIN_TIMEOUT_SECONDS = 15 * 60

export type RolloutMethod = 'reconcile' | 'staged' | 'legacy'

export type RolloutAction =
  | {kind: 'reconcile'}
  | {kind: 'update'; roles?: InstanceGroupRole[]; prune?: boolean}
  | {kind: 'rolling-update'; roles: InstanceGroupRole[]; drainTimeout: string}

const CONTROL_PLANE: InstanceGroupRole[] = ['control-plane', 'apiserver']
const NODES: InstanceGroupRole[] = ['node', 'bastion']

/**
 * How a hop reaches the machines. kops ≥ 1.31 has `reconcile cluster` (control plane first, then
 * nodes, respecting version skew); it takes no `--drain-timeout`, so a file asking for another
 * drain timeout gets the same sequence spelled out ("staged") with the flag. Older kops:
 * `update --yes`, then `rolling-update` control plane, then nodes ("legacy").
 */
export function chooseRolloutMethod(kopsVersion: string, drainTimeout: string): RolloutMethod {
  if (compareMinor(minorOf(kopsVersion), RECONCILE_SINCE) < 0) return 'legacy'
  return durationSeconds(drainTimeout) === KOPS_DEFAULT_DRAIN_TIMEOUT_SECONDS ? 'reconcile' : 'staged'
}

export function rolloutActions(method: RolloutMethod, drainTimeout: string): RolloutAction[] {
  switch (method) {
    case 'reconcile':
      return [{kind: 'reconcile'}]
    case 'staged':
      return [
        {kind: 'update', roles: CONTROL_PLANE},
        {kind: 'rolling-update', roles: CONTROL_PLANE, drainTimeout},
        {kind: 'update'},
        {kind: 'rolling-update', roles: NODES, drainTimeout},
        {kind: 'update', prune: true},
      ]
    case 'legacy':
      return [
        {kind: 'update'},
        {kind: 'rolling-update', roles: CONTROL_PLANE, drainTimeout},
        {kind: 'rolling-update', roles: NODES, drainTimeout},
      ]
  }
}

/** `15m`, `1h30m`, `900s` → seconds (the cluster file's duration syntax). NaN when unparsable. */
export function durationSeconds(text: string): number {
  const unit: Record<string, number> = {s: 1, m: 60, h: 3600, d: 86_400}
  let total = 0
  let rest = text.trim()
  if (rest === '') return Number.NaN
  while (rest.length > 0) {
    const m = /^(\d+)([smhd])/.exec(rest)
    if (!m?.[1] || !m[2]) return Number.NaN
    total += Number(m[1]) * (unit[m[2]] ?? 0)
    rest = rest.slice(m[0].length)
  }
  return total
}

// ---------------------------------------------------------------- the stored spec

/**
 * A hop changes only what it must in the stored Cluster object: `spec.kubernetesVersion`, and the
 * surge from the cluster file (`spec.rollingUpdate.maxSurge`) so the roll uses it. Everything kops
 * assigned at create time stays as stored. Returns a new object; the input is not modified.
 */
export function setClusterVersion(stored: Record<string, unknown>, version: string, maxSurge?: number): Record<string, unknown> {
  const copy = structuredClone(stored)
  const spec = (isRecord(copy.spec) ? copy.spec : (copy.spec = {})) as Record<string, unknown>
  spec.kubernetesVersion = version
  if (maxSurge !== undefined) {
    const rolling = (isRecord(spec.rollingUpdate) ? spec.rollingUpdate : (spec.rollingUpdate = {})) as Record<string, unknown>
    rolling.maxSurge = maxSurge
  }
  return copy
}

/** `spec.kubernetesVersion` of a stored Cluster object, without a leading `v`. */
export function storedKubernetesVersion(stored: Record<string, unknown>): string | undefined {
  const spec = stored.spec
  if (!isRecord(spec) || typeof spec.kubernetesVersion !== 'string') return undefined
  return spec.kubernetesVersion.replace(/^v/, '')
}

function nextMinor(minor: string): string {
  const [major, m] = minor.split('.').map(Number)
  return `${major}.${(m ?? 0) + 1}`
}

function knownKopsRange(): string {
  const minors = Object.keys(KOPS_SUPPORT).sort(compareMinor)
  return `${minors[0]}–${minors.at(-1)}`
}

function refuse(reason: UpgradeRefusal, message: string, suggestions: string[]): UpgradePath {
  return {ok: false, reason, message, suggestions}
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
