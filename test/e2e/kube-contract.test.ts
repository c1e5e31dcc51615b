import {describe, expect, it} from 'vitest'

import {ClientNodeKube} from '../../src/adapters/kube/client-node-kube.js'
import {SystemClock} from '../../src/adapters/system-clock.js'
import {namespaceSetOwnerLabels} from '../../src/core/apply/ownership.js'
import {renderNamespaceSet} from '../../src/core/namespaces/render.js'
import {namespaceSetSchema} from '../../src/core/namespaces/schema.js'
import {applyManifests} from '../../src/services/apply-manifests.js'
import {e2eKubeconfig, uniquePrefix} from './support.js'

/**
 * The Kube adapter and the apply engine against a REAL API server (see support.ts). Everything lives
 * under a unique prefix and is deleted at the end.
 */
describe('Kubernetes contract (real API server)', () => {
  const kubeconfig = e2eKubeconfig()
  const prefix = uniquePrefix('ns')
  const setName = prefix
  const set = (names: string[]) =>
    namespaceSetSchema.parse({
      apiVersion: 'kopsmith/v1alpha1',
      kind: 'NamespaceSet',
      namespaces: names.map((n) => ({name: `${prefix}-${n}`, team: `${prefix}-devs`, quota: {cpu: '1', memory: '1Gi', pods: 5}, limits: {cpu: '100m', memory: '64Mi'}, ingress: true, egress: [{cidr: '10.30.0.0/16', ports: [5432]}], deployer: true})),
    })

  it('applies a namespace set, re-applies without change, prunes a removed namespace, cleans up', async () => {
    const kube = new ClientNodeKube(kubeconfig)
    const clock = new SystemClock()
    const owner = namespaceSetOwnerLabels(setName)
    try {
      const two = renderNamespaceSet(set(['a', 'b']), {setName})
      const first = await applyManifests(kube, two, {force: false, timeoutMs: 120_000, clock})
      expect(first.applied).toHaveLength(two.length)
      const ns = await kube.get({apiVersion: 'v1', kind: 'Namespace', name: `${prefix}-a`})
      expect(ns?.metadata.labels).toMatchObject({'pod-security.kubernetes.io/enforce': 'restricted', ...owner})
      const quota = await kube.get({apiVersion: 'v1', kind: 'ResourceQuota', name: 'quota', namespace: `${prefix}-a`})
      expect(quota?.spec).toMatchObject({hard: {pods: '5'}})
      expect(((quota?.metadata.managedFields as Array<{manager: string}>) ?? []).some((m) => m.manager === 'kopsmith')).toBe(true)

      // Idempotent: the same apply again succeeds.
      await applyManifests(kube, two, {force: false, timeoutMs: 120_000, clock})

      const one = renderNamespaceSet(set(['a']), {setName})
      const pruned = await applyManifests(kube, one, {force: false, timeoutMs: 120_000, clock, prune: {scopes: [owner]}})
      expect(pruned.pruned.map((r) => `${r.kind} ${r.name}`)).toContain(`Namespace ${prefix}-b`)
      expect((await kube.list('v1', 'Namespace', owner)).map((n) => n.metadata.name)).toContain(`${prefix}-a`)
    } finally {
      for (const ns of await kube.list('v1', 'Namespace', owner)) await kube.delete({apiVersion: 'v1', kind: 'Namespace', name: ns.metadata.name})
      kube.close()
    }
  }, 300_000)
})

