import {describe, expect, it} from 'vitest'

import {mapLimit} from '../../../../src/core/apply/concurrency.js'
import {addonOwnerLabels, pruneKinds, selectPrunable} from '../../../../src/core/apply/ownership.js'
import {buildApplyPhases, phaseOf} from '../../../../src/core/apply/phases.js'
import {isEstablished, rolloutState} from '../../../../src/core/apply/rollout.js'
import type {KubeObject} from '../../../../src/ports.js'

const o = (apiVersion: string, kind: string, name: string, namespace?: string, labels?: Record<string, string>): KubeObject => ({apiVersion, kind, metadata: {name, ...(namespace ? {namespace} : {}), ...(labels ? {labels} : {})}})

describe('apply phases', () => {
  it.each([
    ['Namespace', 'namespaces'],
    ['CustomResourceDefinition', 'crds'],
    ['ServiceAccount', 'rbac'],
    ['ClusterRoleBinding', 'rbac'],
    ['ConfigMap', 'config'],
    ['NetworkPolicy', 'config'],
    ['GatewayClass', 'config'],
    ['DaemonSet', 'workloads'],
    ['MutatingWebhookConfiguration', 'webhooks'],
  ])('%s → %s', (kind, phase) => expect(phaseOf({kind})).toBe(phase))

  it('groups in phase order, keeps order inside a phase, drops empty phases', () => {
    const phases = buildApplyPhases([o('apps/v1', 'Deployment', 'd', 'x'), o('v1', 'ConfigMap', 'b', 'x'), o('v1', 'Namespace', 'x'), o('v1', 'ConfigMap', 'a', 'x')])
    expect(phases.map((p) => [p.phase, p.objects.map((x) => x.metadata.name)])).toEqual([
      ['namespaces', ['x']],
      ['config', ['b', 'a']],
      ['workloads', ['d']],
    ])
  })
})

describe('prune selection', () => {
  const mine = addonOwnerLabels('ingress')
  it('selects only owned objects that are no longer desired, namespaced first and Namespaces last', () => {
    const live = [
      o('v1', 'Namespace', 'gone', undefined, mine),
      o('v1', 'ConfigMap', 'kept', 'traefik', mine),
      o('v1', 'ConfigMap', 'stale', 'traefik', mine),
      o('rbac.authorization.k8s.io/v1', 'ClusterRole', 'stale-role', undefined, mine),
      o('v1', 'ConfigMap', 'foreign', 'traefik', {app: 'x'}),
      o('v1', 'ConfigMap', 'other-addon', 'traefik', addonOwnerLabels('logging')),
    ]
    const desired = [o('v1', 'ConfigMap', 'kept', 'traefik')]
    expect(selectPrunable(live, desired, mine).map((r) => `${r.kind}/${r.name}`)).toEqual(['ConfigMap/stale', 'ClusterRole/stale-role', 'Namespace/gone'])
  })

  it('never lists CRDs for prune', () => {
    expect(pruneKinds([o('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'x')]).some((k) => k.kind === 'CustomResourceDefinition')).toBe(false)
  })
})

describe('rollout state (kubectl rollout status rules)', () => {
  const deploy = (generation: number, status: Record<string, number>, replicas = 2): KubeObject => ({apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'd', generation}, spec: {replicas}, status})
  it.each([
    [deploy(2, {observedGeneration: 1, updatedReplicas: 2, replicas: 2, availableReplicas: 2}), false, 'observe'],
    [deploy(1, {observedGeneration: 1, updatedReplicas: 1, replicas: 2, availableReplicas: 2}), false, '1 of 2 replicas updated'],
    [deploy(1, {observedGeneration: 1, updatedReplicas: 2, replicas: 3, availableReplicas: 2}), false, 'old replicas'],
    [deploy(1, {observedGeneration: 1, updatedReplicas: 2, replicas: 2, availableReplicas: 1}), false, '1 of 2 updated replicas are available'],
    [deploy(1, {observedGeneration: 1, updatedReplicas: 2, replicas: 2, availableReplicas: 2}), true, '2 of 2'],
  ])('deployment %#', (object, done, message) => {
    const state = rolloutState(object)
    expect(state.done).toBe(done)
    expect(state.message).toContain(message)
  })

  it('daemonset waits for every scheduled pod to be updated and available', () => {
    const ds = (s: Record<string, number>): KubeObject => ({apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: {name: 'f', generation: 1}, status: {observedGeneration: 1, ...s}})
    expect(rolloutState(ds({desiredNumberScheduled: 3, updatedNumberScheduled: 2, numberAvailable: 3})).done).toBe(false)
    expect(rolloutState(ds({desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2})).done).toBe(false)
    expect(rolloutState(ds({desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3})).done).toBe(true)
  })

  it('a CRD is established only with Established=True', () => {
    expect(isEstablished({apiVersion: 'x', kind: 'CustomResourceDefinition', metadata: {name: 'c'}, status: {conditions: [{type: 'Established', status: 'False'}]}})).toBe(false)
    expect(isEstablished({apiVersion: 'x', kind: 'CustomResourceDefinition', metadata: {name: 'c'}, status: {conditions: [{type: 'Established', status: 'True'}]}})).toBe(true)
    expect(isEstablished(undefined)).toBe(false)
  })
})

describe('mapLimit', () => {
  it('never exceeds the limit and keeps input order', async () => {
    let inFlight = 0
    let peak = 0
    const out = await mapLimit([5, 1, 4, 2, 3, 6, 7], 3, async (n) => {
      inFlight++
      peak = Math.max(peak, inFlight)
      await new Promise((r) => setTimeout(r, n))
      inFlight--
      return n * 10
    })
    expect(peak).toBe(3)
    expect(out.map((r) => (r.ok ? r.value : 'x'))).toEqual([50, 10, 40, 20, 30, 60, 70])
  })

  it('stops starting new work after an error that stopOnError accepts', async () => {
    const started: number[] = []
    const out = await mapLimit([1, 2, 3, 4], 1, async (n) => {
      started.push(n)
      if (n === 2) throw new Error('boom')
      return n
    })
    expect(started).toEqual([1, 2])
    expect(out.filter((r) => !r.ok)).toHaveLength(1)
  })
})
