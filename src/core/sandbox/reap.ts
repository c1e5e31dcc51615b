import {LABELS} from '../naming.js'
import type {ClusterMetadata} from './metadata.js'
import {describeRelative, effectiveExpiry} from './expiry.js'

/** What the reaper knows about one cluster in the state store. */
export interface ReapCandidate {
  name: string
  /** kopsmith's metadata.json: a record, absent, or present but unreadable (with why). */
  metadata: {state: 'ok'; value: ClusterMetadata} | {state: 'missing'} | {state: 'invalid'; problem: string}
  /** `spec.cloudLabels` of the stored kops Cluster; undefined when kops has no spec for it. */
  labels: Record<string, string> | undefined
}

export type ReapAction = 'reap' | 'keep' | 'skip'

export interface ReapDecision {
  name: string
  action: ReapAction
  reason: string
  /** The expiry the decision used (RFC 3339), when there is one. */
  expiresAt: string | null
  /** Something an operator should look at, even though nothing is wrong enough to fail. */
  warning?: string
}

/**
 * Whether `cluster reap` deletes a cluster at time `at`. Deleting is the one thing that cannot be
 * undone, so every doubt resolves to "do not delete". Which source wins:
 *
 * - **Eligibility needs both sources to agree.** The cluster is a reap candidate only when
 *   kopsmith's metadata.json says `profile: sandbox` and `protected: false` AND the stored kops
 *   spec's `kopsmith.dev/profile` cloud label says `sandbox`. Cloud labels become EC2 tags that
 *   anyone with tagging rights can edit, so a label can only veto, never qualify: a production
 *   cluster (per metadata) is skipped whatever its labels say, and so is a cluster without
 *   metadata.json.
 * - **Expiry comes from metadata.json**; a `kopsmith.dev/expires-at` label can only postpone it:
 *   the effective expiry is the later of the two. A sandbox without a recorded expiry is kept,
 *   with a warning.
 */
export function decideReap(c: ReapCandidate, at: Date): ReapDecision {
  const skip = (reason: string, warning?: string): ReapDecision => ({name: c.name, action: 'skip', reason, expiresAt: null, ...(warning ? {warning} : {})})
  if (c.metadata.state === 'missing') {
    return skip('no kopsmith metadata.json: not a sandbox kopsmith created, so never reaped')
  }
  if (c.metadata.state === 'invalid') {
    return skip(`metadata.json is unreadable (${c.metadata.problem}); never reaped on a guess`, `${c.name}: kopsmith/${c.name}/metadata.json is unreadable: ${c.metadata.problem}`)
  }
  const m = c.metadata.value
  if (m.name !== c.name) return skip(`metadata.json names another cluster (${m.name}); never reaped on a guess`, `${c.name}: kopsmith/metadata.json names ${m.name}`)
  if (m.profile !== 'sandbox') return skip(`profile ${m.profile} (kopsmith metadata): only sandboxes are reaped, whatever the labels say`)
  if (m.protected) return skip('protected (kopsmith metadata)')
  if (c.labels === undefined) return skip('kops has no spec for it in the state store')
  const labelProfile = c.labels[LABELS.profile]
  if (labelProfile !== 'sandbox') {
    return skip(
      `the stored spec's ${LABELS.profile} label is ${labelProfile === undefined ? 'missing' : `"${labelProfile}"`}; both metadata and spec must say sandbox`,
      `${c.name}: metadata says sandbox but the stored spec's ${LABELS.profile} label is ${labelProfile ?? 'missing'}`,
    )
  }
  if (m.expiresAt === null) {
    return {name: c.name, action: 'keep', reason: 'sandbox without a recorded expiry', expiresAt: null, warning: `${c.name}: sandbox has no expiry in metadata.json; set one with \`kopsmith sandbox extend ${c.name} --ttl 24h\``}
  }
  const effective = effectiveExpiry(m.expiresAt, c.labels[LABELS.expiresAt])
  const relative = describeRelative(effective, at)
  if (Date.parse(effective) < at.getTime()) {
    return {name: c.name, action: 'reap', reason: `expired ${relative} (${effective})`, expiresAt: effective}
  }
  return {name: c.name, action: 'keep', reason: `expires ${relative} (${effective})`, expiresAt: effective}
}

/** `--at`: an RFC 3339 / ISO 8601 instant with a zone (`2026-05-01T12:00:00Z`, `…+02:00`). */
export function parseInstant(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(text.trim())) return undefined
  const ms = Date.parse(text.trim())
  return Number.isNaN(ms) ? undefined : new Date(ms)
}
