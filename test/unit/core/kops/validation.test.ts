import {describe, expect, it} from 'vitest'

import {deletionProtection} from '../../../../src/core/kops/protection.js'
import {auditKey, auditPrefix, legacyLockKey, lockKey} from '../../../../src/core/aws/lock.js'
import {migratedRecordKey} from '../../../../src/core/kops/state-layout.js'
import {clusterMetadataKey} from '../../../../src/core/sandbox/metadata.js'
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

describe("kopsmith's records beside kops' state", () => {
  const C = 'prod.k8s.acme.de'
  const keys = (cluster: string) => [lockKey(cluster), clusterMetadataKey(cluster), auditKey(cluster, new Date('2026-05-02T03:15:00Z'), 'create', 'ab12cd34'), auditPrefix(cluster)]

  it('live under kopsmith/CLUSTER/, outside every kops cluster folder', () => {
    for (const key of keys(C)) {
      expect(key.startsWith(`kopsmith/${C}/`), key).toBe(true)
      expect(key.startsWith(`${C}/`), key).toBe(false)
    }
  })

  it.each(['prod.k8s.acme.de', 'config', 'a.config', 'x/config'])('no key of cluster %s ends in /config, so kops get clusters never lists one', (cluster) => {
    for (const key of keys(cluster)) expect(key.endsWith('/config'), key).toBe(false)
  })

  it('maps the records an older version left in CLUSTER/kopsmith/ to their new keys; the old lock and strangers stay', () => {
    expect(migratedRecordKey(C, `${C}/kopsmith/metadata.json`)).toBe(clusterMetadataKey(C))
    expect(migratedRecordKey(C, `${C}/kopsmith/audit/20260101T000000.000Z-create-abcd1234.json`)).toBe(`kopsmith/${C}/audit/20260101T000000.000Z-create-abcd1234.json`)
    expect(migratedRecordKey(C, legacyLockKey(C))).toBeUndefined()
    expect(migratedRecordKey(C, `${C}/kopsmith/config`)).toBeUndefined()
    expect(migratedRecordKey(C, `${C}/kopsmith/audit/nested/x.json`)).toBeUndefined()
    expect(migratedRecordKey(C, `${C}/config`)).toBeUndefined()
    expect(migratedRecordKey(C, `other.k8s.acme.de/kopsmith/metadata.json`)).toBeUndefined()
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
  ])('%j → protected %s', (input, expected, reason) => {
    const v = deletionProtection(input)
    expect(v.protected).toBe(expected)
    expect(v.reason).toContain(reason)
  })
})
