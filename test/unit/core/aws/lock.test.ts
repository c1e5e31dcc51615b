import {describe, expect, it} from 'vitest'

import {auditKey, buildLockRecord, describeLockHolder, formatAge, isLockExpired, lockKey, parseLockRecord, renewLockRecord} from '../../../../src/core/aws/lock.js'

const started = new Date('2026-05-02T03:15:00.000Z')
const record = buildLockRecord({owner: 'arn:aws:iam::123456789012:user/alice', host: 'laptop', pid: 42, operation: 'upgrade', command: ['cluster', 'upgrade'], started, ttlMs: 2 * 3_600_000, token: 'tok'})

describe('lock keys and records', () => {
  it('names the lock and audit objects under the cluster prefix', () => {
    expect(lockKey('prod.k8s.acme.de')).toBe('kopsmith/prod.k8s.acme.de/lock.json')
    expect(auditKey('prod.k8s.acme.de', started, 'create', 'ab12cd34')).toBe('kopsmith/prod.k8s.acme.de/audit/20260502T031500.000Z-create-ab12cd34.json')
  })

  it('audit keys sort in time order', () => {
    const keys = ['2026-05-02T10:00:00.000Z', '2026-05-02T09:59:59.999Z', '2025-12-31T23:00:00.000Z'].map((t) => auditKey('c', new Date(t), 'x', 'r'))
    expect([...keys].sort()).toEqual([keys[2], keys[1], keys[0]])
  })

  it('holds owner, host, pid, operation, start and expiry in RFC 3339', () => {
    expect(record).toEqual({owner: 'arn:aws:iam::123456789012:user/alice', host: 'laptop', pid: 42, operation: 'upgrade', started: '2026-05-02T03:15:00.000Z', expires: '2026-05-02T05:15:00.000Z', token: 'tok', command: ['cluster', 'upgrade']})
  })

  it('round-trips through parseLockRecord', () => {
    expect(parseLockRecord(JSON.stringify(record))).toEqual({valid: true, record})
  })

  it.each([
    ['not JSON', '{oops', /not JSON/],
    ['missing fields', JSON.stringify({owner: 'x'}), /malformed \(host, pid, operation, started, expires\)/],
    ['a bad date', JSON.stringify({...record, expires: 'tomorrow'}), /malformed \(expires\)/],
  ])('reports an unreadable lock: %s', (_name, body, problem) => {
    const parsed = parseLockRecord(body)
    expect(parsed.valid).toBe(false)
    if (!parsed.valid) expect(parsed.problem).toMatch(problem)
  })

  it.each([
    ['before expiry', '2026-05-02T05:14:59.999Z', false],
    ['at expiry', '2026-05-02T05:15:00.000Z', true],
    ['after expiry', '2026-05-03T00:00:00.000Z', true],
  ])('isLockExpired %s → %s', (_name, now, expired) => {
    expect(isLockExpired(record, new Date(now))).toBe(expired)
  })

  it('renewal moves only the expiry', () => {
    const renewed = renewLockRecord(record, new Date('2026-05-02T04:15:00.000Z'), 2 * 3_600_000)
    expect(renewed).toEqual({...record, expires: '2026-05-02T06:15:00.000Z'})
  })

  it('describes the holder for the exit-8 message', () => {
    expect(describeLockHolder(record, new Date('2026-05-02T03:40:00.000Z'))).toBe('arn:aws:iam::123456789012:user/alice on host laptop (pid 42), running upgrade since 2026-05-02T03:15:00.000Z (25 min ago)')
  })

  it.each([
    [30_000, 'less than a minute'],
    [25 * 60_000, '25 min'],
    [150 * 60_000, '2 h 30 min'],
    [72 * 3_600_000, '3 days'],
  ])('formatAge(%i) = %s', (ms, text) => expect(formatAge(ms)).toBe(text))
})
