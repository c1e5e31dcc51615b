import {describe, expect, it} from 'vitest'

import {LABELS} from '../../../../src/core/naming.js'
import type {ClusterMetadata} from '../../../../src/core/sandbox/metadata.js'
import {decideReap, parseInstant, type ReapCandidate} from '../../../../src/core/sandbox/reap.js'

const at = new Date('2026-05-10T12:00:00Z')
const PAST = '2026-05-09T12:00:00Z'
const FUTURE = '2026-05-11T12:00:00Z'

function meta(over: Partial<ClusterMetadata> = {}): ReapCandidate['metadata'] {
  return {state: 'ok', value: {name: 'a.sandbox.k8s.acme.de', profile: 'sandbox', owner: 'a@acme.de', protected: false, expiresAt: PAST, createdAt: '2026-05-01T00:00:00Z', ...over}}
}
function labels(over: Record<string, string> = {}): Record<string, string> {
  return {[LABELS.profile]: 'sandbox', [LABELS.expiresAt]: PAST, [LABELS.managedBy]: 'kopsmith', ...over}
}
const c = (metadata: ReapCandidate['metadata'], l: ReapCandidate['labels']): ReapCandidate => ({name: 'a.sandbox.k8s.acme.de', metadata, labels: l})

describe('decideReap', () => {
  it.each([
    {case: 'expired sandbox', candidate: c(meta(), labels()), action: 'reap', reason: /expired 24h ago/},
    {case: 'unexpired sandbox', candidate: c(meta({expiresAt: FUTURE}), labels({[LABELS.expiresAt]: FUTURE})), action: 'keep', reason: /expires in 24h/},
    {case: 'production per metadata, forged sandbox + expired labels', candidate: c(meta({profile: 'production', expiresAt: null}), labels()), action: 'skip', reason: /profile production .*whatever the labels say/},
    {case: 'production per metadata with a forged expiry in metadata too', candidate: c(meta({profile: 'production'}), labels()), action: 'skip', reason: /profile production/},
    {case: 'protected sandbox', candidate: c(meta({protected: true}), labels()), action: 'skip', reason: /protected/},
    {case: 'no metadata.json, labels claim an expired sandbox', candidate: c({state: 'missing'}, labels()), action: 'skip', reason: /no kopsmith metadata/},
    {case: 'unreadable metadata.json', candidate: c({state: 'invalid', problem: 'not JSON'}, labels()), action: 'skip', reason: /unreadable/},
    {case: 'metadata says sandbox, spec label says production', candidate: c(meta(), labels({[LABELS.profile]: 'production'})), action: 'skip', reason: /both metadata and spec must say sandbox/},
    {case: 'metadata says sandbox, spec has no profile label', candidate: c(meta(), {}), action: 'skip', reason: /label is missing/},
    {case: 'no stored kops spec', candidate: c(meta(), undefined), action: 'skip', reason: /kops has no spec/},
    {case: 'metadata copied from another cluster', candidate: c(meta({name: 'other.sandbox.k8s.acme.de'}), labels()), action: 'skip', reason: /names another cluster/},
    {case: 'sandbox without expiry', candidate: c(meta({expiresAt: null}), labels()), action: 'keep', reason: /without a recorded expiry/},
    {case: 'a later expiry label postpones (extended, metadata behind)', candidate: c(meta(), labels({[LABELS.expiresAt]: FUTURE})), action: 'keep', reason: /2026-05-11T12:00:00Z/},
    {case: 'an earlier (forged) expiry label never hastens', candidate: c(meta({expiresAt: FUTURE}), labels({[LABELS.expiresAt]: '2020-01-01T00:00:00Z'})), action: 'keep', reason: /expires in 24h/},
    {case: 'an unparseable expiry label changes nothing', candidate: c(meta(), labels({[LABELS.expiresAt]: 'never'})), action: 'reap', reason: /expired/},
  ])('$case → $action', ({candidate, action, reason}) => {
    const d = decideReap(candidate, at)
    expect(d.action).toBe(action)
    expect(d.reason).toMatch(reason)
    expect(d.name).toBe('a.sandbox.k8s.acme.de')
  })

  it('warns about a sandbox that would never be reaped and about disagreeing sources', () => {
    expect(decideReap(c(meta({expiresAt: null}), labels()), at).warning).toMatch(/sandbox extend/)
    expect(decideReap(c(meta(), labels({[LABELS.profile]: 'production'})), at).warning).toMatch(/metadata says sandbox/)
    expect(decideReap(c(meta(), labels()), at).warning).toBeUndefined()
  })

  it('reaps strictly after the expiry, and reports the expiry it used', () => {
    expect(decideReap(c(meta({expiresAt: '2026-05-10T12:00:00Z'}), labels({[LABELS.expiresAt]: '2026-05-10T12:00:00Z'})), at).action).toBe('keep')
    const d = decideReap(c(meta({expiresAt: '2026-05-10T11:59:59Z'}), labels({[LABELS.expiresAt]: '2026-05-10T11:59:59Z'})), at)
    expect(d).toMatchObject({action: 'reap', expiresAt: '2026-05-10T11:59:59Z'})
  })
})

describe('parseInstant', () => {
  it.each([
    ['2026-05-10T12:00:00Z', '2026-05-10T12:00:00.000Z'],
    ['2026-05-10T14:00:00+02:00', '2026-05-10T12:00:00.000Z'],
    ['2026-05-10T12:00Z', '2026-05-10T12:00:00.000Z'],
  ])('%s', (text, iso) => {
    expect(parseInstant(text)?.toISOString()).toBe(iso)
  })

  it.each(['2026-05-10', 'tomorrow', '2026-05-10T12:00:00', '2026-13-10T12:00:00Z'])('refuses %s (no zone, or not a date-time)', (text) => {
    expect(parseInstant(text)).toBeUndefined()
  })
})
