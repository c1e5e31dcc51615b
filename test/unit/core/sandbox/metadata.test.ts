import {describe, expect, it} from 'vitest'

import {clusterMetadataKey, metadataFromConfig, parseClusterMetadata, serializeClusterMetadata} from '../../../../src/core/sandbox/metadata.js'

const now = new Date('2026-05-01T10:00:00Z')

describe('cluster metadata', () => {
  it('lives next to the kops state of the cluster', () => {
    expect(clusterMetadataKey('a.sandbox.k8s.acme.de')).toBe('kopsmith/a.sandbox.k8s.acme.de/metadata.json')
  })

  it('is built from a config: a sandbox gets now + ttl, production no expiry', () => {
    const sandbox = metadataFromConfig({name: 'a.sandbox.k8s.acme.de', profile: 'sandbox', owner: 'a@acme.de', protected: false, ttl: '48h', expiresAt: null}, now)
    expect(sandbox).toEqual({name: 'a.sandbox.k8s.acme.de', profile: 'sandbox', owner: 'a@acme.de', protected: false, expiresAt: '2026-05-03T10:00:00Z', createdAt: '2026-05-01T10:00:00Z'})
    const prod = metadataFromConfig({name: 'prod.k8s.acme.de', profile: 'production', owner: 'p@acme.de', protected: true, ttl: null, expiresAt: null}, now)
    expect(prod.expiresAt).toBeNull()
    expect(prod.protected).toBe(true)
  })

  it('round-trips through JSON and tolerates fields a newer kopsmith adds', () => {
    const m = metadataFromConfig({name: 'a.sandbox.k8s.acme.de', profile: 'sandbox', owner: 'a@acme.de', protected: false, ttl: '1h', expiresAt: null}, now)
    expect(parseClusterMetadata(serializeClusterMetadata(m))).toEqual({ok: true, metadata: m})
    const newer = parseClusterMetadata(JSON.stringify({...m, team: 'payments'}))
    expect(newer.ok).toBe(true)
  })

  it.each([
    ['not json', 'not JSON'],
    [JSON.stringify({name: 'x', profile: 'staging', owner: 'o', protected: false, expiresAt: null, createdAt: '2026-05-01T10:00:00Z'}), 'profile'],
    [JSON.stringify({name: 'x', profile: 'sandbox', owner: 'o', protected: 'no', expiresAt: null, createdAt: '2026-05-01T10:00:00Z'}), 'protected'],
    [JSON.stringify({name: 'x', profile: 'sandbox', owner: 'o', protected: false, expiresAt: 'tomorrow', createdAt: '2026-05-01T10:00:00Z'}), 'expiresAt'],
  ])('rejects %s', (body, problem) => {
    const verdict = parseClusterMetadata(body)
    expect(verdict.ok).toBe(false)
    if (!verdict.ok) expect(verdict.problem).toContain(problem)
  })
})
