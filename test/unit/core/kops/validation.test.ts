import {describe, expect, it} from 'vitest'

import {deletionProtection} from '../../../../src/core/kops/protection.js'
import {classifyClusterStateKeys, isRefusalOverKopsmithFiles} from '../../../../src/core/kops/state-layout.js'
import {isHealthyValidation, nextConsecutive, summariseValidation} from '../../../../src/core/kops/validation.js'

describe('validation judgement', () => {
  const node = (name: string, status: string) => ({name, role: 'node', status})

  it('is healthy exactly when kops reports no failures', () => {
    expect(isHealthyValidation({failures: [], nodes: [node('a', 'True')]})).toBe(true)
    expect(isHealthyValidation({failures: [{type: 'Pod', name: 'p', message: 'pending'}], nodes: []})).toBe(false)
  })

  it('summarises nodes and the first failures', () => {
    expect(summariseValidation({failures: [], nodes: [node('a', 'True'), node('b', 'True')]})).toBe('healthy: 2/2 nodes ready')
    const failures = Array.from({length: 5}, (_, i) => ({type: 'Node', name: `n${i}`, message: 'not ready'}))
    expect(summariseValidation({failures, nodes: [node('a', 'False')]})).toBe(
      '5 failure(s), 0/1 nodes ready: Node n0: not ready; Node n1: not ready; Node n2: not ready; and 2 more',
    )
  })

  it('counts consecutive successes and resets on any failure', () => {
    const seq = [true, true, false, true, true]
    let consecutive = 0
    const passed: boolean[] = []
    for (const healthy of seq) {
      const v = nextConsecutive(consecutive, healthy, 3)
      consecutive = v.consecutive
      passed.push(v.passed)
    }
    expect(consecutive).toBe(2)
    expect(passed).toEqual([false, false, false, false, false])
    expect(nextConsecutive(2, true, 3)).toEqual({consecutive: 3, passed: true})
    expect(nextConsecutive(0, true, 0)).toEqual({consecutive: 1, passed: true})
  })
})

describe('kops state layout', () => {
  it('separates kops files, kopsmith files and strangers, with config last', () => {
    const keys = [
      'prod/config',
      'prod/cluster-completed.spec',
      'prod/instancegroup/nodes',
      'prod/kopsmith/audit/20260101-create.json',
      'prod/kopsmith/lock.json',
      'prod/pki/private/kubernetes-ca/keyset.yaml',
      'prod/notes.txt',
      'prod-2/config',
    ]
    expect(classifyClusterStateKeys('prod', keys)).toEqual({
      kops: ['prod/cluster-completed.spec', 'prod/instancegroup/nodes', 'prod/pki/private/kubernetes-ca/keyset.yaml', 'prod/config'],
      kopsmith: ['prod/kopsmith/audit/20260101-create.json', 'prod/kopsmith/lock.json'],
      unknown: ['prod/notes.txt'],
    })
  })

  it("recognises kops' refusal over kopsmith's own files only", () => {
    const ours = 'Error: error removing cluster from state store: refusing to delete: unknown file found: s3://b/prod/kopsmith/lock.json'
    const theirs = 'Error: error removing cluster from state store: refusing to delete: unknown file found: s3://b/prod/notes.txt'
    expect(isRefusalOverKopsmithFiles(ours, 'prod')).toBe(true)
    expect(isRefusalOverKopsmithFiles(theirs, 'prod')).toBe(false)
    expect(isRefusalOverKopsmithFiles(ours, 'other')).toBe(false)
  })
})

describe('deletion protection', () => {
  it.each([
    [{fileProtected: true, metadata: {protected: false, profile: 'sandbox'}}, true, 'cluster file'],
    [{fileProtected: false, metadata: {protected: true, profile: 'production'}}, true, "kopsmith's record"],
    [{fileProtected: false, metadata: {protected: false, profile: 'production'}}, false, "kopsmith's record"],
    [{cloudLabels: {'kopsmith.dev/profile': 'sandbox', 'kopsmith.dev/managed-by': 'kopsmith'}}, false, 'sandbox'],
    [{cloudLabels: {'kopsmith.dev/profile': 'production', 'kopsmith.dev/managed-by': 'kopsmith'}}, true, 'production'],
    [{cloudLabels: {}}, true, 'unknown'],
    [{}, true, 'unknown'],
    // An unreadable record never falls back to labels: a sandbox label must not unprotect it.
    [{unreadableMetadata: {location: 's3://b/k/metadata.json', problem: 'not JSON'}, cloudLabels: {'kopsmith.dev/profile': 'sandbox', 'kopsmith.dev/managed-by': 'kopsmith'}}, true, 's3://b/k/metadata.json is unreadable (not JSON)'],
    [{fileProtected: false, unreadableMetadata: {location: 's3://b/k/metadata.json', problem: 'protected: expected boolean'}}, true, 'unreadable'],
  ])('%j → protected %s', (input, expected, reason) => {
    const v = deletionProtection(input)
    expect(v.protected).toBe(expected)
    expect(v.reason).toContain(reason)
  })
})
