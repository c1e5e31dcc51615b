import {LABELS, MANAGED_BY} from '../naming.js'

/**
 * Whether `cluster delete` must refuse a cluster. Three sources, and protection wins whenever any
 * of them asks for it:
 *
 * 1. the cluster file (`-f`), when given: it can add protection, never remove it on its own;
 * 2. kopsmith's metadata record (`kopsmith/CLUSTER/metadata.json`, written by `cluster create`):
 *    the authority, because only kopsmith writes it — clearing protection means setting
 *    `protected: false` in the file and applying it with `cluster create`;
 * 3. without a metadata record, the stored spec's cloud labels: a `sandbox` profile label is
 *    unprotected, anything else — a production label, or no kopsmith labels at all — is treated
 *    as protected, because deleting by mistake cannot be undone.
 */
export interface ProtectionInput {
  fileProtected?: boolean
  metadata?: {protected: boolean; profile: string} | undefined
  cloudLabels?: Record<string, unknown> | undefined
}

export interface ProtectionVerdict {
  protected: boolean
  /** Why, in words for the error message. */
  reason: string
}

export function deletionProtection(input: ProtectionInput): ProtectionVerdict {
  if (input.fileProtected) return {protected: true, reason: 'the cluster file says protected: true'}
  if (input.metadata) {
    return input.metadata.protected
      ? {protected: true, reason: "kopsmith's record of the cluster says protected: true"}
      : {protected: false, reason: "kopsmith's record of the cluster says protected: false"}
  }
  const labels = input.cloudLabels ?? {}
  if (labels[LABELS.managedBy] !== MANAGED_BY && labels[LABELS.profile] === undefined) {
    return {protected: true, reason: 'the cluster has no kopsmith record or labels, so its protection is unknown'}
  }
  if (labels[LABELS.profile] === 'sandbox') return {protected: false, reason: 'the cluster is labelled as a sandbox'}
  return {protected: true, reason: `the cluster is labelled profile ${String(labels[LABELS.profile] ?? 'unknown')} and has no kopsmith record saying otherwise`}
}
