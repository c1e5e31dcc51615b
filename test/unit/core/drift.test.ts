import {beforeAll, describe, expect, it} from 'vitest'

import {diffSpecs} from '../../../src/core/drift.js'
import type {RenderedSpec} from '../../../src/core/render/kops-spec.js'
import {goldenCase, renderCase} from '../../golden/cases.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any -- editing arbitrary kops fields
interface Spec {
  cluster: Json
  instanceGroups: Json[]
}

let desired: RenderedSpec

beforeAll(async () => {
  desired = await renderCase(goldenCase('production'))
})

/** What kops hands back after `kops create -f`: its own metadata, completed-spec stores, omitempty. */
function storedByKops(): Spec {
  const live = structuredClone({cluster: desired.cluster, instanceGroups: desired.instanceGroups}) as Spec
  live.cluster.metadata.creationTimestamp = '2026-08-30T10:00:00Z'
  live.cluster.metadata.generation = 3
  live.cluster.spec.configStore = {base: 's3://acme-kops-state/prod.k8s.acme.de'}
  live.cluster.spec.keyStore = 's3://acme-kops-state/prod.k8s.acme.de/pki'
  live.cluster.spec.secretStore = 's3://acme-kops-state/prod.k8s.acme.de/secrets'
  delete live.cluster.spec.topology.masters
  delete live.cluster.spec.topology.nodes
  delete live.cluster.spec.nodePortAccess
  delete live.cluster.spec.sshAccess
  for (const ig of live.instanceGroups) {
    ig.metadata.creationTimestamp = '2026-08-30T10:00:01Z'
    ig.spec.image = '099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20260714'
  }
  return live
}

const ig = (spec: Spec, name: string): Json => spec.instanceGroups.find((g) => g.metadata.name === name)!

describe('diffSpecs', () => {
  it('finds no drift between a spec and itself', () => {
    expect(diffSpecs(desired, desired)).toEqual([])
  })

  it('ignores what kops fills in itself and the omitempty round trip', () => {
    expect(diffSpecs(desired, storedByKops())).toEqual([])
  })

  it('names each field edited behind the tool\'s back, Cluster first, in key order', () => {
    const live = storedByKops()
    live.cluster.spec.kubeAPIServer.anonymousAuth = true
    live.cluster.spec.api.loadBalancer.type = 'Public'
    ig(live, 'nodes-general').spec.maxSize = 30
    expect(diffSpecs(desired, live)).toEqual([
      {path: 'spec.api.loadBalancer.type', desired: 'Internal', live: 'Public'},
      {path: 'spec.kubeAPIServer.anonymousAuth', desired: false, live: true},
      {path: 'instanceGroups[nodes-general].spec.maxSize', desired: 12, live: 30},
    ])
  })

  it('matches named list items by name: subnets, etcd members, IRSA grants', () => {
    const live = storedByKops()
    live.cluster.spec.subnets.reverse()
    live.cluster.spec.subnets.find((s: Json) => s.name === 'eu-central-1b').cidr = '10.20.96.0/19'
    live.cluster.spec.etcdClusters[0].etcdMembers[0].encryptedVolume = false
    const fluentBit = live.cluster.spec.iam.serviceAccountExternalPermissions.pop()
    expect(diffSpecs(desired, live)).toEqual([
      {path: 'spec.etcdClusters[main].etcdMembers[a].encryptedVolume', desired: true, live: false},
      {path: 'spec.iam.serviceAccountExternalPermissions[logging/fluent-bit]', desired: fluentBit, live: undefined},
      {path: 'spec.subnets[eu-central-1b].cidr', desired: '10.20.32.0/19', live: '10.20.96.0/19'},
    ])
  })

  it('compares lists of plain values as sets and reports a changed list whole', () => {
    const reordered = storedByKops()
    reordered.cluster.spec.kubernetesApiAccess = ['10.0.0.0/8']
    ig(reordered, 'nodes-general').spec.subnets.reverse()
    expect(diffSpecs(desired, reordered)).toEqual([])
    const widened = storedByKops()
    widened.cluster.spec.kubernetesApiAccess = ['10.0.0.0/8', '0.0.0.0/0']
    widened.cluster.spec.sshAccess = ['203.0.113.0/24']
    expect(diffSpecs(desired, widened)).toEqual([
      {path: 'spec.kubernetesApiAccess', desired: ['10.0.0.0/8'], live: ['10.0.0.0/8', '0.0.0.0/0']},
      {path: 'spec.sshAccess', desired: [], live: ['203.0.113.0/24']},
    ])
  })

  it('reports a missing and an extra InstanceGroup whole, sorted by name', () => {
    const live = storedByKops()
    live.instanceGroups = live.instanceGroups.filter((g) => g.metadata.name !== 'control-plane-eu-central-1c')
    live.instanceGroups.push({apiVersion: 'kops.k8s.io/v1alpha2', kind: 'InstanceGroup', metadata: {name: 'adhoc-gpu'}, spec: {role: 'Node'}})
    const drift = diffSpecs(desired, live)
    expect(drift.map((d) => d.path)).toEqual(['instanceGroups[adhoc-gpu]', 'instanceGroups[control-plane-eu-central-1c]'])
    expect(drift[0]).toMatchObject({desired: undefined, live: {metadata: {name: 'adhoc-gpu'}}})
    expect(drift[1]).toMatchObject({desired: {metadata: {name: 'control-plane-eu-central-1c'}}, live: undefined})
  })

  it('reports fields added live that the rendered spec does not have, and an image we do pin', () => {
    const live = storedByKops()
    live.cluster.spec.sshKeyName = 'ops'
    const pinned = structuredClone({cluster: desired.cluster, instanceGroups: desired.instanceGroups}) as Spec
    ig(pinned, 'nodes-general').spec.image = 'ami-1'
    expect(diffSpecs(desired, live)).toEqual([{path: 'spec.sshKeyName', desired: undefined, live: 'ops'}])
    expect(diffSpecs(pinned, storedByKops())).toEqual([
      {path: 'instanceGroups[nodes-general].spec.image', desired: 'ami-1', live: '099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20260714'},
    ])
  })

  it('is stable: the same inputs give the same order every time', () => {
    const live = storedByKops()
    live.cluster.spec.nodeTerminationHandler.enabled = false
    live.cluster.spec.encryptionConfig = false
    ig(live, 'control-plane-eu-central-1a').spec.rootVolumeEncryption = false
    const first = diffSpecs(desired, live)
    expect(first.map((d) => d.path)).toEqual([
      'spec.encryptionConfig',
      'spec.nodeTerminationHandler.enabled',
      'instanceGroups[control-plane-eu-central-1a].spec.rootVolumeEncryption',
    ])
    expect(diffSpecs(desired, live)).toEqual(first)
  })
})
