import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {type ExistingCluster, findGuardedChanges, guardedChangeRefusal, refusedChanges, removedInstanceGroups} from '../../../src/core/cluster-changes.js'
import type {ClusterConfig} from '../../../src/core/config/types.js'
import {validateClusterFile} from '../../../src/core/config/validate.js'
import {RefusedError} from '../../../src/core/errors.js'
import {renderKopsSpec, type KopsTemplates} from '../../../src/core/render/kops-spec.js'
import {ROOT} from '../../golden/cases.js'

const TEMPLATES: KopsTemplates = {
  cluster: readFileSync(`${ROOT}templates/cluster.yaml`, 'utf8'),
  instanceGroup: readFileSync(`${ROOT}templates/instancegroup.yaml`, 'utf8'),
  auditPolicy: readFileSync(`${ROOT}templates/audit-policy.yaml`, 'utf8'),
}
const EXPIRES = '2026-09-04T09:30:00Z'

/** An example cluster file with text replaced, through the real validator (profile defaults included). */
function example(file: string, edits: Array<[string | RegExp, string]>): ClusterConfig {
  const text = edits.reduce((t, [from, to]) => t.replace(from, to), readFileSync(`${ROOT}${file}`, 'utf8'))
  return validateClusterFile(text, file, {now: new Date('2026-09-01T09:30:00Z')})
}
/** The production example as created, and a sandbox file reusing its name (the reported attack). */
const production = (...edits: Array<[string | RegExp, string]>): ClusterConfig => example('examples/production.yaml', edits)
const sandbox = (...edits: Array<[string | RegExp, string]>): ClusterConfig => example('examples/sandbox.yaml', [['alice.sandbox.k8s.acme.de', 'prod.k8s.acme.de'], ['zone: sandbox.k8s.acme.de', 'zone: k8s.acme.de'], ...edits])
const unprotected: [string, string] = ['protected: true ', 'protected: false']
const twoZones: [string, string] = ['zones: [eu-central-1a]', 'zones: [eu-central-1a, eu-central-1b]']
const render = (config: ClusterConfig) => renderKopsSpec(config, TEMPLATES, {expiresAt: EXPIRES})

/** A cluster as kopsmith left it after creating it from `config`. */
function existing(config: ClusterConfig, metadata: ExistingCluster['metadata'] = {state: 'ok', value: {profile: config.profile, protected: config.protected}}): ExistingCluster {
  return {metadata, spec: render(config)}
}

const kinds = (config: ClusterConfig, current: ExistingCluster) => findGuardedChanges(config, render(config), current).map((c) => `${c.change} (${c.source})`)

describe('findGuardedChanges', () => {
  it.each<[string, ClusterConfig, ExistingCluster, string[]]>([
    ['the same production file again', production(), existing(production()), []],
    ['a new cluster (no record, no spec)', sandbox(), {metadata: {state: 'missing'}, spec: undefined}, []],
    [
      'a protected production cluster re-created as a one-zone sandbox',
      sandbox(),
      existing(production()),
      ['profile (kopsmith record)', 'profile (kops spec)', 'protected (kopsmith record)', 'control-plane (kops spec)', 'etcd (kops spec)', 'etcd (kops spec)', 'zones (kops spec)'],
    ],
    ['protection switched off in the file', production(unprotected), existing(production()), ['protected (kopsmith record)']],
    ['protection switched on (never guarded)', production(), existing(production(unprotected)), []],
    ['an unreadable record counts as protected', production(unprotected), existing(production(), {state: 'invalid', problem: 'not JSON'}), ['protected (kopsmith record)']],
    ['no record, a production-labelled spec: protection unknown', production(unprotected), existing(production(), {state: 'missing'}), ['protected (kops spec)']],
    ['no record, a sandbox-labelled spec, a sandbox file', sandbox(), existing(sandbox(), {state: 'missing'}), []],
    ['another network CIDR', production(['cidr: 10.20.0.0/16', 'cidr: 10.30.0.0/16']), existing(production()), ['network-cidr (kops spec)']],
    ['a zone removed', sandbox(), existing(sandbox(twoZones)), ['zones (kops spec)']],
    ['a zone added (growth is not guarded)', sandbox(twoZones), existing(sandbox()), []],
    ['another Kubernetes minor (that is cluster upgrade\'s job)', production(['kubernetesVersion: 1.35.7', 'kubernetesVersion: 1.34.10']), existing(production()), ['kubernetes-version (kops spec)']],
    ['another Kubernetes patch of the same minor', production(['kubernetesVersion: 1.35.7', 'kubernetesVersion: 1.35.6']), existing(production()), []],
  ])('%s', (_name, config, current, expected) => {
    expect(kinds(config, current)).toEqual(expected)
  })

  it('reads the region from the stored subnets: a cluster in eu-west-1 is never "moved"', () => {
    const stored = render(production())
    const spec = stored.cluster.spec as {subnets: Array<{zone: string}>}
    for (const s of spec.subnets) s.zone = s.zone.replace('eu-central-1', 'eu-west-1')
    const changes = findGuardedChanges(production(), render(production()), {metadata: {state: 'ok', value: {profile: 'production', protected: true}}, spec: stored})
    expect(changes.find((c) => c.change === 'region')).toEqual({change: 'region', source: 'kops spec', field: 'region of spec.subnets[].zone', from: ['eu-west-1'], to: 'eu-central-1'})
  })

  it('says what each change is, from where', () => {
    const changes = findGuardedChanges(sandbox(), render(sandbox()), existing(production()))
    expect(changes).toContainEqual({change: 'protected', source: 'kopsmith record', field: 'protected', from: true, to: false})
    expect(changes).toContainEqual({change: 'etcd', source: 'kops spec', field: 'spec.etcdClusters[main].etcdMembers', from: ['a', 'b', 'c'], to: ['a']})
    expect(changes).toContainEqual({change: 'control-plane', source: 'kops spec', field: 'control-plane instance groups', from: ['control-plane-eu-central-1a', 'control-plane-eu-central-1b', 'control-plane-eu-central-1c'], to: ['control-plane-eu-central-1a']})
  })
})

describe('removedInstanceGroups: groups kops replace would keep', () => {
  it.each<[string, ClusterConfig, ExistingCluster, string[]]>([
    ['the same file again', production(), existing(production()), []],
    ['a new cluster', production(), {metadata: {state: 'missing'}, spec: undefined}, []],
    ['a zone added: groups are only added', sandbox(twoZones), existing(sandbox()), []],
    ['the production cluster as a one-zone sandbox', sandbox(), existing(production()), ['control-plane-eu-central-1b', 'control-plane-eu-central-1c']],
  ])('%s', (_name, config, current, expected) => {
    expect(removedInstanceGroups(render(config), current).filter((n) => n.startsWith('control-plane'))).toEqual(expected)
  })

  it('names node groups too: a group left out of the file is never silently kept', () => {
    const withBatch: [string, string] = ['    - {name: general,', '    - {name: batch, instanceType: m7i.xlarge, minSize: 0, maxSize: 4, spot: true}\n    - {name: general,']
    const removed = removedInstanceGroups(render(production()), existing(production(withBatch)))
    expect(removed).toEqual(['nodes-batch'])
  })
})

describe('refusedChanges and the refusal', () => {
  const changes = findGuardedChanges(production(unprotected), render(production(unprotected)), existing(production()))

  it('refuses what --allow-change does not name', () => {
    expect(refusedChanges(changes, new Set())).toEqual(changes)
    expect(refusedChanges(changes, new Set(['profile']))).toEqual(changes)
    expect(refusedChanges(changes, new Set(['protected']))).toEqual([])
  })

  it('is exit 9, names each change and the flag that allows them', () => {
    const error = guardedChangeRefusal('prod.k8s.acme.de', changes, 'kopsmith cluster create -f prod.yaml --yes')
    expect(error).toBeInstanceOf(RefusedError)
    expect(error.exitCode).toBe(9)
    expect(error.message).toBe('prod.k8s.acme.de exists, and this cluster file would change what it is; nothing was changed:\n  protected: true → false (kopsmith record: protected)')
    expect(error.suggestions).toContain('If you mean these changes, name them: kopsmith cluster create -f prod.yaml --yes --allow-change protected (the override is recorded in the audit record)')
  })
})
