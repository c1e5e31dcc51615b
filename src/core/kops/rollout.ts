import type {InstanceGroupRole, RollingUpdateGroup} from '../../ports.js'
import {KopsError} from '../errors.js'

/**
 * What a rollout replaces, from kops' own preview (`kops rolling-update cluster` without `--yes`)
 * and the stored instance groups' roles. Pure: the service supplies both.
 */

export interface RolloutGroup {
  name: string
  /** From the stored InstanceGroup; null when kops lists a group kopsmith found no object for. */
  role: InstanceGroupRole | null
  /** As kops says now: `Ready` or `NeedsUpdate`. */
  status: string
  /** Instances kops would replace now. */
  needUpdate: number
  /** Instances the group runs (TARGET). */
  target: number
  /** Of those, the ones registered as nodes (NODES); null when kops did not say. */
  nodes: number | null
}

export interface RolloutPreview {
  /** Every group kops lists, in the order they roll. */
  groups: RolloutGroup[]
  /** Instances in all groups: what a version hop replaces, since kops marks every one of them NeedsUpdate. */
  instances: number
  /** Instances kops marks NeedsUpdate now: what finishing an interrupted rollout replaces. */
  needUpdate: number
}

/**
 * Every hop rolls the control plane in a rolling-update of its own (`--instance-group-roles
 * control-plane,apiserver`, or reconcile's first phase) and then the rest, in which kops takes
 * bastions before nodes; within a role kops goes by name. So bastions roll after the control plane
 * here, although a single `kops rolling-update` would take them first.
 */
const ROLL_ORDER: readonly InstanceGroupRole[] = ['control-plane', 'apiserver', 'bastion', 'node']

/** A stored InstanceGroup's `spec.role` (v1alpha2 spells the control plane `Master` or `ControlPlane`). */
export function instanceGroupRole(ig: Record<string, unknown>): InstanceGroupRole | undefined {
  const spec = ig.spec
  const role = typeof spec === 'object' && spec !== null ? (spec as Record<string, unknown>).role : undefined
  switch (typeof role === 'string' ? role.toLowerCase() : '') {
    case 'master':
    case 'controlplane':
    case 'control-plane':
      return 'control-plane'
    case 'apiserver':
      return 'apiserver'
    case 'bastion':
      return 'bastion'
    case 'node':
      return 'node'
    default:
      return undefined
  }
}

/** kops' preview rows with their roles, in roll order; groups of unknown role last. */
export function previewRollout(rows: readonly RollingUpdateGroup[], instanceGroups: ReadonlyArray<Record<string, unknown>>): RolloutPreview {
  const roles = new Map<string, InstanceGroupRole>()
  for (const ig of instanceGroups) {
    const name = (ig.metadata as {name?: unknown} | undefined)?.name
    const role = instanceGroupRole(ig)
    if (typeof name === 'string' && role) roles.set(name, role)
  }
  const rank = (role: InstanceGroupRole | null) => (role === null ? ROLL_ORDER.length : ROLL_ORDER.indexOf(role))
  const groups = rows
    .map((r): RolloutGroup => ({name: r.name, role: roles.get(r.name) ?? null, status: r.status, needUpdate: r.needUpdate, target: r.target, nodes: r.nodes}))
    .sort((a, b) => rank(a.role) - rank(b.role) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return {groups, instances: sum(groups.map((g) => g.target)), needUpdate: sum(groups.map((g) => g.needUpdate))}
}

/**
 * One line for the plan: `rolls a (1 instance), b (3): 4 instances`, each group with `count(g)`
 * instances; groups with none are left out. Undefined when no group has any.
 */
export function describeRoll(groups: readonly RolloutGroup[], count: (g: RolloutGroup) => number): string | undefined {
  const rolling = groups.filter((g) => count(g) > 0)
  if (rolling.length === 0) return undefined
  const listed = rolling.map((g, i) => `${g.name} (${i === 0 ? instances(count(g)) : count(g)})`)
  const total = sum(rolling.map(count))
  return `rolls ${listed.join(', ')}: ${instances(total)}`
}

/**
 * How kops replaces instances for a cluster-wide `spec.rollingUpdate.maxSurge` (kops-contract.md,
 * rolling-update mechanics; pkg/instancegroups): control-plane instances cannot surge (they
 * register through their own apiserver and etcd), so they go one at a time, drained first; with no
 * surge maxUnavailable defaults to 1, so nodes go the same way; with surge the first node goes
 * alone, the rest up to maxSurge at a time, each replacement started before the old one drains.
 */
export function describeSurge(maxSurge: number): string {
  if (maxSurge <= 0) return 'one instance at a time, each drained before its replacement starts (maxSurge 0)'
  const cp = 'control-plane instances cannot surge and are drained first'
  if (maxSurge === 1) return `one instance at a time: a node's replacement starts before it is drained (maxSurge 1); ${cp}`
  return `nodes up to ${maxSurge} at a time after a first one alone, replacements started before draining (maxSurge ${maxSurge}); ${cp}, one at a time`
}

function instances(n: number): string {
  return `${n} instance${n === 1 ? '' : 's'}`
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0)
}

/**
 * kops' rolling-update lists the cluster's nodes before anything else (rolling-update_cluster.go;
 * without `--cloudonly`), so from where the private API is out of reach it stops with "error listing
 * nodes in cluster". That failure, saying what it means for an upgrade and what to do; undefined for
 * any other error.
 */
export function apiOutOfReach(error: unknown, cluster: string): KopsError | undefined {
  if (!(error instanceof KopsError) || !error.failure.stderrTail.includes('error listing nodes in cluster')) return undefined
  return new KopsError(
    `kops cannot reach the Kubernetes API of ${cluster}: its rolling-update preview lists the cluster's nodes first, and an upgrade validates the cluster through that API before and after each hop`,
    error.failure,
    {
      cause: error,
      suggestions: [
        'Run the upgrade from where the API is reachable: on the VPN or from the networks spec.access.api allows (the scheduled job runs inside the VPC)',
        `Check that the API answers: kops validate cluster --name ${cluster}`,
      ],
    },
  )
}
