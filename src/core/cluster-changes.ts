import type {ClusterConfig} from './config/types.js'
import {RefusedError} from './errors.js'
import {arrayAt, isJson, type KopsSpecInput, stringAt, viewOf} from './hardening/spec-view.js'
import {minorOf} from './kops/versions.js'
import {LABELS} from './naming.js'

/**
 * Changes `cluster create` never makes to an existing cluster on its own: each can lose the
 * cluster or its data (a production cluster re-labelled as a sandbox is reaped; an etcd member
 * removed from the spec takes its data with it; kops cannot move a cluster to another region,
 * network or zone in place; another Kubernetes minor skips `cluster upgrade`'s one-minor-at-a-time
 * path, validation and window, and a lower one can leave etcd unreadable). `--allow-change
 * NAME,…` names the ones the user means.
 */
export const GUARDED_CHANGES = ['profile', 'protected', 'control-plane', 'etcd', 'region', 'network-cidr', 'zones', 'kubernetes-version'] as const
export type GuardedChangeKind = (typeof GUARDED_CHANGES)[number]

export interface GuardedChange {
  change: GuardedChangeKind
  /** Where the current value was read: kopsmith's record (metadata.json) or the stored kops spec. */
  source: 'kopsmith record' | 'kops spec'
  /** The field, as found in that source. */
  field: string
  from: unknown
  to: unknown
}

/** What exists of a cluster before `cluster create` touches it. */
export interface ExistingCluster {
  metadata: {state: 'ok'; value: {profile: string; protected: boolean}} | {state: 'missing'} | {state: 'invalid'; problem: string}
  /** The kops spec in the state store; undefined when kops has none. */
  spec: KopsSpecInput | undefined
}

/** Marker for a protection kopsmith cannot read: it counts as protected. */
const UNKNOWN_PROTECTED = 'unknown (counted as protected)'

/**
 * Every guarded change applying `config` (rendered as `rendered`) would make to `existing`,
 * compared against both kopsmith's record and the stored kops spec — the record says what the
 * cluster was created as, the spec what it really is; either can show the change. A cluster that
 * does not exist yet has nothing to change.
 */
export function findGuardedChanges(config: ClusterConfig, rendered: KopsSpecInput, existing: ExistingCluster): GuardedChange[] {
  const changes: GuardedChange[] = []
  const metadata = existing.metadata
  const stored = existing.spec ? viewOf(existing.spec) : undefined
  const labels = stored && isJson(stored.spec.cloudLabels) ? stored.spec.cloudLabels : {}
  const labelProfile = typeof labels[LABELS.profile] === 'string' ? labels[LABELS.profile] : undefined

  if (metadata.state === 'ok' && metadata.value.profile !== config.profile) {
    changes.push({change: 'profile', source: 'kopsmith record', field: 'profile', from: metadata.value.profile, to: config.profile})
  }
  if (labelProfile !== undefined && labelProfile !== config.profile) {
    changes.push({change: 'profile', source: 'kops spec', field: `spec.cloudLabels["${LABELS.profile}"]`, from: labelProfile, to: config.profile})
  }

  if (!config.protected) {
    if (metadata.state === 'ok' && metadata.value.protected) changes.push({change: 'protected', source: 'kopsmith record', field: 'protected', from: true, to: false})
    if (metadata.state === 'invalid') changes.push({change: 'protected', source: 'kopsmith record', field: `protected (the record is unreadable: ${metadata.problem})`, from: UNKNOWN_PROTECTED, to: false})
    // No record but a spec: only a sandbox label says the cluster was unprotected.
    if (metadata.state === 'missing' && stored && labelProfile !== 'sandbox') {
      changes.push({change: 'protected', source: 'kops spec', field: `no kopsmith record; spec.cloudLabels["${LABELS.profile}"] is ${labelProfile ?? 'missing'}`, from: UNKNOWN_PROTECTED, to: false})
    }
  }
  if (!stored) return changes

  const desired = viewOf(rendered)
  const storedControlPlanes = stored.instanceGroups.filter((ig) => isEtcdControlPlane(ig.role)).map((ig) => ig.name).sort()
  const desiredControlPlanes = desired.instanceGroups.filter((ig) => isEtcdControlPlane(ig.role)).map((ig) => ig.name).sort()
  if (storedControlPlanes.some((name) => !desiredControlPlanes.includes(name))) {
    changes.push({change: 'control-plane', source: 'kops spec', field: 'control-plane instance groups', from: storedControlPlanes, to: desiredControlPlanes})
  }

  const desiredEtcd = etcdMembers(desired.spec)
  for (const [cluster, members] of etcdMembers(stored.spec)) {
    const wanted = desiredEtcd.get(cluster) ?? []
    if (members.some((m) => !wanted.includes(m))) {
      changes.push({change: 'etcd', source: 'kops spec', field: `spec.etcdClusters[${cluster}].etcdMembers`, from: members, to: wanted})
    }
  }

  const storedZones = [...new Set((arrayAt(stored.spec, 'subnets') ?? []).flatMap((s) => stringAt(s, 'zone') ?? []))].sort()
  const storedRegions = [...new Set(storedZones.map(regionOfZone))].sort()
  if (storedRegions.some((r) => r !== config.region)) {
    changes.push({change: 'region', source: 'kops spec', field: 'region of spec.subnets[].zone', from: storedRegions, to: config.region})
  }
  const networkCidr = stringAt(stored.spec, 'networkCIDR')
  if (networkCidr !== undefined && networkCidr !== config.network.cidr) {
    changes.push({change: 'network-cidr', source: 'kops spec', field: 'spec.networkCIDR', from: networkCidr, to: config.network.cidr})
  }
  const removed = storedZones.filter((z) => !config.zones.includes(z))
  if (removed.length > 0) changes.push({change: 'zones', source: 'kops spec', field: 'spec.subnets[].zone', from: storedZones, to: [...config.zones].sort()})
  const version = stringAt(stored.spec, 'kubernetesVersion')
  if (version !== undefined && minorOf(version) !== minorOf(config.kubernetesVersion)) {
    changes.push({change: 'kubernetes-version', source: 'kops spec', field: 'spec.kubernetesVersion', from: version, to: config.kubernetesVersion})
  }
  return changes
}

/** The changes `--allow-change` does not name; `cluster create` refuses when there are any. */
export function refusedChanges(changes: readonly GuardedChange[], allowed: ReadonlySet<string>): GuardedChange[] {
  return changes.filter((c) => !allowed.has(c.change))
}

/** Exit 9, listing each refused change with its source and the flag that would allow them. */
export function guardedChangeRefusal(cluster: string, refused: readonly GuardedChange[], command: string): RefusedError {
  const kinds = [...new Set(refused.map((c) => c.change))]
  const lines = refused.map((c) => `  ${c.change}: ${describeValue(c.from)} → ${describeValue(c.to)} (${c.source}: ${c.field})`)
  return new RefusedError(`${cluster} exists, and this cluster file would change what it is; nothing was changed:\n${lines.join('\n')}`, {
    suggestions: [
      'If the cluster file names the wrong cluster or the wrong values, fix the file',
      ...(kinds.includes('kubernetes-version') ? [`Another Kubernetes minor goes through kopsmith cluster upgrade -f FILE (one minor at a time, validated, in the window)`] : []),
      `If you mean these changes, name them: ${command} --allow-change ${kinds.join(',')} (the override is recorded in the audit record)`,
    ],
    details: {cluster, refused, allowChange: kinds},
  })
}

export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(', ')
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/**
 * Instance groups the state store holds that the file no longer names. `kops replace -f` keeps
 * them (it never deletes an instance group), and `kops update` then refuses a control-plane group
 * without an etcd member — after the spec was replaced. So a run that would drop groups stops
 * before changing anything; removing a group is `kops delete instancegroup`, which drains it.
 */
export function removedInstanceGroups(rendered: KopsSpecInput, existing: ExistingCluster): string[] {
  if (!existing.spec) return []
  const desired = new Set(viewOf(rendered).instanceGroups.map((ig) => ig.name))
  return viewOf(existing.spec).instanceGroups.map((ig) => ig.name).filter((name) => !desired.has(name)).sort()
}

/** Groups that run etcd: kops' control-plane role (`Master`, or `ControlPlane`), not `APIServer`. */
function isEtcdControlPlane(role: string): boolean {
  return role === 'Master' || role === 'ControlPlane'
}

function etcdMembers(spec: Record<string, unknown>): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const etcd of arrayAt(spec, 'etcdClusters') ?? []) {
    const name = stringAt(etcd, 'name') ?? '?'
    out.set(name, (arrayAt(etcd, 'etcdMembers') ?? []).map((m) => stringAt(m, 'name') ?? '?').sort())
  }
  return out
}

/** `eu-central-1a` → `eu-central-1`. */
function regionOfZone(zone: string): string {
  return /^(.*\d)[a-z]+$/.exec(zone)?.[1] ?? zone
}
