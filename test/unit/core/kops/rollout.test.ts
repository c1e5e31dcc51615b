import {describe, expect, it} from 'vitest'

import {describeRoll, describeSurge, instanceGroupRole, previewRollout} from '../../../../src/core/kops/rollout.js'
import type {RollingUpdateGroup} from '../../../../src/ports.js'

const row = (name: string, target: number, needUpdate = 0, nodes: number | null = target): RollingUpdateGroup => ({
  name,
  status: needUpdate > 0 ? 'NeedsUpdate' : 'Ready',
  needUpdate,
  ready: target - needUpdate,
  min: target,
  target,
  max: target,
  nodes,
})
const ig = (name: string, role: string) => ({apiVersion: 'kops.k8s.io/v1alpha2', kind: 'InstanceGroup', metadata: {name}, spec: {role}})

describe('instanceGroupRole', () => {
  it.each([
    ['Master', 'control-plane'],
    ['ControlPlane', 'control-plane'],
    ['APIServer', 'apiserver'],
    ['Node', 'node'],
    ['Bastion', 'bastion'],
    ['Wizard', undefined],
  ])('%s → %s', (role, expected) => {
    expect(instanceGroupRole(ig('g', role))).toBe(expected)
  })

  it('is undefined without a spec', () => {
    expect(instanceGroupRole({metadata: {name: 'g'}})).toBeUndefined()
  })
})

describe('previewRollout', () => {
  // kops sorts its table by name; the roll goes control plane, apiserver, then bastions before nodes.
  const rows = [row('bastions', 1, 0, 0), row('control-plane-eu-central-1b', 1), row('control-plane-eu-central-1a', 1), row('api-eu-central-1a', 2), row('nodes-eu-central-1a', 3, 3), row('nodes-eu-central-1b', 3, 1)]
  const groups = [
    ig('nodes-eu-central-1b', 'Node'),
    ig('nodes-eu-central-1a', 'Node'),
    ig('api-eu-central-1a', 'APIServer'),
    ig('control-plane-eu-central-1b', 'ControlPlane'),
    ig('control-plane-eu-central-1a', 'Master'),
    ig('bastions', 'Bastion'),
  ]

  it('orders the groups as they roll: control plane, apiserver, bastion, nodes; by name within a role', () => {
    const p = previewRollout(rows, groups)
    expect(p.groups.map((g) => `${g.role} ${g.name}`)).toEqual([
      'control-plane control-plane-eu-central-1a',
      'control-plane control-plane-eu-central-1b',
      'apiserver api-eu-central-1a',
      'bastion bastions',
      'node nodes-eu-central-1a',
      'node nodes-eu-central-1b',
    ])
  })

  it('counts every instance (what a hop replaces) and those kops marks NeedsUpdate now', () => {
    const p = previewRollout(rows, groups)
    expect(p.instances).toBe(11)
    expect(p.needUpdate).toBe(4)
    expect(p.groups.find((g) => g.name === 'nodes-eu-central-1b')).toEqual({name: 'nodes-eu-central-1b', role: 'node', status: 'NeedsUpdate', needUpdate: 1, target: 3, nodes: 3})
  })

  it('keeps a group kops lists without a stored object, last and without a role', () => {
    const p = previewRollout([row('zz-orphan', 2), row('nodes', 1)], [ig('nodes', 'Node')])
    expect(p.groups.map((g) => [g.name, g.role])).toEqual([
      ['nodes', 'node'],
      ['zz-orphan', null],
    ])
  })

  it('is empty when kops printed no table', () => {
    expect(previewRollout([], groups)).toEqual({groups: [], instances: 0, needUpdate: 0})
  })
})

describe('describeRoll', () => {
  const p = previewRollout([row('control-plane-eu-central-1a', 1), row('nodes-eu-central-1a', 3, 2), row('nodes-eu-central-1b', 3)], [ig('control-plane-eu-central-1a', 'ControlPlane'), ig('nodes-eu-central-1a', 'Node'), ig('nodes-eu-central-1b', 'Node')])

  it('names each group with its instances and the total', () => {
    expect(describeRoll(p.groups, (g) => g.target)).toBe('rolls control-plane-eu-central-1a (1 instance), nodes-eu-central-1a (3), nodes-eu-central-1b (3): 7 instances')
  })

  it('leaves out groups with nothing to roll', () => {
    expect(describeRoll(p.groups, (g) => g.needUpdate)).toBe('rolls nodes-eu-central-1a (2 instances): 2 instances')
  })

  it('is undefined when nothing rolls', () => {
    expect(describeRoll(p.groups, () => 0)).toBeUndefined()
  })
})

describe('describeSurge', () => {
  it.each([
    [0, 'one instance at a time, each drained before its replacement starts (maxSurge 0)'],
    [1, "one instance at a time: a node's replacement starts before it is drained (maxSurge 1); control-plane instances cannot surge and are drained first"],
    [3, 'nodes up to 3 at a time after a first one alone, replacements started before draining (maxSurge 3); control-plane instances cannot surge and are drained first, one at a time'],
  ])('maxSurge %i', (surge, text) => {
    expect(describeSurge(surge)).toBe(text)
  })
})
