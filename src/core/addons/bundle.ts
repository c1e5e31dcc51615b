import semver from 'semver'

import type {KubeObject, KubeResourceRef} from '../../ports.js'
import {refOf} from '../apply/phases.js'

/**
 * Upstream bundles an addon ships verbatim (the Gateway API CRDs and their `safe-upgrades`
 * ValidatingAdmissionPolicy). Each object says which release it belongs to; a cluster may already
 * hold a release of its own — installed by another tool, or a newer one — so every object is
 * compared with what the cluster has before anything is applied: installed when missing, upgraded
 * when older, never downgraded.
 */
export const BUNDLE_VERSION_ANNOTATION = 'gateway.networking.k8s.io/bundle-version'
export const BUNDLE_CHANNEL_ANNOTATION = 'gateway.networking.k8s.io/channel'

export type BundleAction =
  /** absent from the cluster: applied */
  | 'install'
  /** the cluster's release is older (or carries no release at all): applied, taking over its fields */
  | 'upgrade'
  /** the cluster has our release: applied like any other object (a converged one is left alone) */
  | 'unchanged'
  /** the cluster's release is newer: left as it is */
  | 'keep-newer'
  /** the cluster runs another channel (experimental): left as it is; we ship the standard channel */
  | 'keep-channel'

export interface BundleDecision {
  ref: KubeResourceRef
  action: BundleAction
  /** Our release, e.g. `v1.6.1`. */
  version: string
  /** The cluster's release, when the object exists and says. */
  installed?: string
  installedChannel?: string
  /** One line for plans and results, e.g. `upgraded v1.4.0→v1.6.1`. */
  summary: string
}

/** Whether the action applies the object. */
export function isAppliedAction(action: BundleAction): boolean {
  return action === 'install' || action === 'upgrade' || action === 'unchanged'
}

/** What to do with one bundle object, given the object of the same name in the cluster (or none). */
export function decideBundleObject(desired: KubeObject, live: KubeObject | undefined): BundleDecision {
  const ref = refOf(desired)
  const version = desired.metadata.annotations?.[BUNDLE_VERSION_ANNOTATION] ?? ''
  const channel = desired.metadata.annotations?.[BUNDLE_CHANNEL_ANNOTATION]
  if (!live) return {ref, action: 'install', version, summary: `installed ${version}`}
  const installed = live.metadata.annotations?.[BUNDLE_VERSION_ANNOTATION]
  const installedChannel = live.metadata.annotations?.[BUNDLE_CHANNEL_ANNOTATION]
  const base = {ref, version, ...(installed ? {installed} : {}), ...(installedChannel ? {installedChannel} : {})}
  if (installedChannel && channel && installedChannel !== channel) {
    return {...base, action: 'keep-channel', summary: `kept ${installedChannel} channel ${installed ?? '(no version)'}; kopsmith ships ${channel} ${version}`}
  }
  const ours = semver.clean(version)
  const theirs = installed ? semver.clean(installed) : null
  // An object without a readable release predates release annotations or was written by hand: replace it.
  if (!theirs || !ours) return {...base, action: 'upgrade', summary: `upgraded ${installed ?? '(no version)'}→${version}`}
  const order = semver.compare(theirs, ours)
  if (order < 0) return {...base, action: 'upgrade', summary: `upgraded ${installed}→${version}`}
  if (order > 0) return {...base, action: 'keep-newer', summary: `kept newer ${installed}`}
  return {...base, action: 'unchanged', summary: `unchanged ${version}`}
}

const ACTION_ORDER: readonly BundleAction[] = ['install', 'upgrade', 'unchanged', 'keep-newer', 'keep-channel']

/** `10 installed v1.6.1`, `2 upgraded v1.4.0→v1.6.1, 1 kept newer v1.7.0` — one line per bundle, applied first. */
export function summarizeBundle(decisions: readonly BundleDecision[]): string {
  const counts = new Map<string, number>()
  const sorted = [...decisions].sort((a, b) => ACTION_ORDER.indexOf(a.action) - ACTION_ORDER.indexOf(b.action))
  for (const d of sorted) counts.set(d.summary, (counts.get(d.summary) ?? 0) + 1)
  return [...counts].map(([summary, n]) => `${n} ${summary}`).join(', ')
}
