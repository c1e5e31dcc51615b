/**
 * Facts of the kops version matrix (kops-contract.md, "Version matrix"): which Kubernetes minors
 * each kops minor accepts, and the stable channel's recommended patches.
 */
export interface KopsSupport {
  /** kops refuses Kubernetes below this minor ("kubernetes upgrade is required"). */
  hardFloor: string
  /** kops warns below this minor. */
  deprecatedBelow: string
  /** Newest Kubernetes minor; ≥ max+1 is refused ("kops upgrade is required"). */
  max: string
}

export const KOPS_SUPPORT: Readonly<Record<string, KopsSupport>> = {
  '1.26': {hardFloor: '1.21', deprecatedBelow: '1.23', max: '1.26'},
  '1.27': {hardFloor: '1.22', deprecatedBelow: '1.24', max: '1.27'},
  '1.28': {hardFloor: '1.23', deprecatedBelow: '1.25', max: '1.28'},
  '1.29': {hardFloor: '1.24', deprecatedBelow: '1.26', max: '1.29'},
  '1.30': {hardFloor: '1.25', deprecatedBelow: '1.27', max: '1.30'},
  '1.31': {hardFloor: '1.25', deprecatedBelow: '1.28', max: '1.31'},
  '1.32': {hardFloor: '1.27', deprecatedBelow: '1.29', max: '1.32'},
  '1.33': {hardFloor: '1.27', deprecatedBelow: '1.29', max: '1.33'},
  '1.34': {hardFloor: '1.29', deprecatedBelow: '1.31', max: '1.34'},
  '1.35': {hardFloor: '1.29', deprecatedBelow: '1.31', max: '1.35'},
  '1.36': {hardFloor: '1.31', deprecatedBelow: '1.33', max: '1.36'},
  '1.37': {hardFloor: '1.32', deprecatedBelow: '1.34', max: '1.37'},
}

/** Stable channel recommended patch per Kubernetes minor. */
export const STABLE_CHANNEL_PATCHES: Readonly<Record<string, string>> = {
  '1.36': '1.36.3',
  '1.35': '1.35.7',
  '1.34': '1.34.10',
  '1.33': '1.33.13',
  '1.32': '1.32.13',
  '1.31': '1.31.14',
}

/** `kops reconcile cluster` exists from this kops minor on (PR #16980). */
export const RECONCILE_SINCE = '1.31'

/** `1.35.7` → `1.35`. */
export function minorOf(version: string): string {
  const [major, minor] = version.replace(/^v/, '').split('.')
  return `${major}.${minor}`
}

/** Compares `1.9` < `1.10` numerically. */
export function compareMinor(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number)
  const [bm = 0, bn = 0] = b.split('.').map(Number)
  return am - bm || an - bn
}

export type SupportVerdict =
  | {ok: true; deprecated: boolean; support: KopsSupport}
  | {ok: false; reason: 'kops-too-old' | 'kubernetes-too-old' | 'unknown-kops'; support?: KopsSupport}

/** Whether a kops binary of `kopsVersion` can drive Kubernetes `kubernetesVersion`. */
export function kopsSupports(kopsVersion: string, kubernetesVersion: string): SupportVerdict {
  const support = KOPS_SUPPORT[minorOf(kopsVersion)]
  if (!support) return {ok: false, reason: 'unknown-kops'}
  const k8s = minorOf(kubernetesVersion)
  if (compareMinor(k8s, support.max) > 0) return {ok: false, reason: 'kops-too-old', support}
  if (compareMinor(k8s, support.hardFloor) < 0) return {ok: false, reason: 'kubernetes-too-old', support}
  return {ok: true, deprecated: compareMinor(k8s, support.deprecatedBelow) < 0, support}
}
