import {describe, expect, it} from 'vitest'

import {groupByNamespace, renderNamespaceSet} from '../../../../src/core/namespaces/render.js'
import {namespaceSetSchema, type NamespaceSet} from '../../../../src/core/namespaces/schema.js'

function namespaceSet(count: number): NamespaceSet {
  return namespaceSetSchema.parse({
    apiVersion: 'kopsmith/v1alpha1',
    kind: 'NamespaceSet',
    namespaces: Array.from({length: count}, (_, i) => ({name: `app-${i}`, team: `team-${i}`, quota: {cpu: '8', memory: '16Gi', pods: 50}, limits: {cpu: '250m', memory: '256Mi'}, ingress: true, deployer: true})),
  })
}

/** Fastest of a few runs, in ms: the least disturbed by whatever else the machine is doing. */
function fastest(run: () => void, trials = 5): number {
  let best = Infinity
  for (let i = 0; i < trials; i++) {
    const start = performance.now()
    run()
    best = Math.min(best, performance.now() - start)
  }
  return best
}

describe('groupByNamespace', () => {
  it('puts each namespace with exactly what lives in it, in the file order', () => {
    const set = namespaceSet(3)
    const objects = renderNamespaceSet(set)
    const groups = groupByNamespace(set, objects)
    expect(groups.map((g) => g.namespace)).toEqual(['app-0', 'app-1', 'app-2'])
    for (const group of groups) {
      expect(group.objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual([group.namespace])
      expect(group.objects.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === group.namespace)).toBe(true)
    }
    expect(groups.flatMap((g) => g.objects)).toHaveLength(objects.length)
  })

  it('grows linearly: 4,000 namespaces once cost about what 500 namespaces eight times do (quadratic would be 8x)', () => {
    const small = namespaceSet(500)
    const smallObjects = renderNamespaceSet(small)
    const large = namespaceSet(4000)
    const largeObjects = renderNamespaceSet(large)
    const eightSmall = fastest(() => {
      for (let i = 0; i < 8; i++) groupByNamespace(small, smallObjects)
    })
    const oneLarge = fastest(() => groupByNamespace(large, largeObjects))
    // Same number of objects handled on both sides; a per-namespace pass over all objects would
    // make the large side 8x slower, a linear one keeps it near 1x.
    expect(oneLarge / eightSmall).toBeLessThan(3)
  })
})
