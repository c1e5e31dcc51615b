import {describe, expect, it} from 'vitest'

import {listedCluster, type StoredMetadata} from '../../../src/core/cluster-listing.js'

const NOW = new Date('2026-05-10T12:00:00Z')

function stored(labels: Record<string, string>, kubernetesVersion = 'v1.35.7'): Record<string, unknown> {
  return {apiVersion: 'kops.k8s.io/v1alpha2', kind: 'Cluster', metadata: {name: 'x'}, spec: {kubernetesVersion, cloudLabels: labels}}
}

const record = (m: Partial<Extract<StoredMetadata, {state: 'ok'}>['metadata']>): StoredMetadata => ({
  state: 'ok',
  metadata: {name: 'x', profile: 'sandbox', owner: 'alice@acme.de', protected: false, expiresAt: '2026-05-11T00:00:00Z', createdAt: '2026-05-01T00:00:00Z', ...m},
})

describe('listedCluster', () => {
  it("kopsmith's record wins over the labels (which anyone with tagging rights can change)", () => {
    const row = listedCluster('x', stored({'kopsmith.dev/profile': 'sandbox', 'kopsmith.dev/owner': 'mallory@evil.example'}), record({profile: 'production', owner: 'platform@acme.de', protected: true, expiresAt: null}), NOW)
    expect(row).toEqual({name: 'x', kubernetesVersion: '1.35.7', profile: 'production', owner: 'platform@acme.de', protected: true, expiresAt: null, expired: false, managedByKopsmith: true})
  })

  it('a later expires-at label postpones the recorded expiry; an earlier one does not advance it', () => {
    expect(listedCluster('x', stored({'kopsmith.dev/expires-at': '2026-06-01T00:00:00Z'}), record({}), NOW).expiresAt).toBe('2026-06-01T00:00:00Z')
    expect(listedCluster('x', stored({'kopsmith.dev/expires-at': '2026-05-01T00:00:00Z'}), record({}), NOW)).toMatchObject({expiresAt: '2026-05-11T00:00:00Z', expired: false})
  })

  it('no record: the labels fill in, protection is unknown', () => {
    const row = listedCluster('x', stored({'kopsmith.dev/profile': 'sandbox', 'kopsmith.dev/owner': 'bob@acme.de', 'kopsmith.dev/managed-by': 'kopsmith', 'kopsmith.dev/expires-at': '2026-05-01T00:00:00Z'}), {state: 'missing'}, NOW)
    expect(row).toMatchObject({profile: 'sandbox', owner: 'bob@acme.de', protected: null, expiresAt: '2026-05-01T00:00:00Z', expired: true, managedByKopsmith: true})
  })

  it('a cluster kopsmith never touched: no labels, no record', () => {
    const row = listedCluster('x', {spec: {}}, {state: 'invalid', problem: 'not JSON'}, NOW)
    expect(row).toEqual({name: 'x', kubernetesVersion: null, profile: null, owner: null, protected: null, expiresAt: null, expired: false, managedByKopsmith: false})
  })
})
