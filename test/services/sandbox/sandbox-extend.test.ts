import {describe, expect, it} from 'vitest'

import {LockedError, PreconditionError, RefusedError, UsageError} from '../../../src/core/errors.js'
import {LABELS} from '../../../src/core/naming.js'
import {extendSandbox, type SandboxExtendInput} from '../../../src/services/sandbox-extend.js'
import {FakeKops} from '../../fakes/fake-kops.js'
import {FakeStateStore} from '../../fakes/fake-state-store.js'
import {FakeClock, operationContext} from '../kops/helpers.js'
import {BUCKET, auditRecords, labelsOf, metadataOf, seed, type SeedOptions} from './seed.js'
import {MemoryFiles} from './support.js'
import {lockKey} from '../../../src/core/aws/lock.js'

const NAME = 'alice.sandbox.k8s.acme.de'
const NOW = '2026-05-10T12:00:00Z'

function setup() {
  const store = new FakeStateStore().withBucket(BUCKET)
  const kops = new FakeKops('1.35.2')
  const clock = new FakeClock(NOW)
  const files = new MemoryFiles()
  const logs: string[] = []
  const run = (input: Partial<SandboxExtendInput> = {}) =>
    extendSandbox(operationContext(store, clock), {kops: kops.withStateStore(`s3://${BUCKET}`), files, log: (l) => logs.push(l)}, {name: NAME, bucket: BUCKET, ttl: '24h', command: ['kopsmith', 'sandbox', 'extend', NAME, '--ttl', '24h'], ...input})
  return {store, kops, files, logs, run}
}

describe('sandbox extend', () => {
  it('adds the ttl to the current expiry in metadata.json and the stored spec label, under the lock, audited', async () => {
    const t = setup()
    seed(t.kops, t.store, NAME, {expiresAt: '2026-05-11T12:00:00Z'})
    const result = await t.run()

    expect(metadataOf(t.store, NAME)?.expiresAt).toBe('2026-05-12T12:00:00Z')
    expect(labelsOf(t.kops, NAME)?.[LABELS.expiresAt]).toBe('2026-05-12T12:00:00Z')
    expect(labelsOf(t.kops, NAME)?.[LABELS.profile]).toBe('sandbox') // the other labels survive
    expect(result).toMatchObject({cluster: NAME, previous: '2026-05-11T12:00:00Z', expiresAt: '2026-05-12T12:00:00Z', capped: false, updated: {kopsSpec: true, file: null}})
    expect(result.note).toContain('kops update cluster')

    const audits = auditRecords(t.store, NAME)
    expect(audits).toHaveLength(1)
    expect(audits[0]).toMatchObject({operation: 'extend', outcome: 'success', cluster: NAME})
    expect(t.store.object(BUCKET, lockKey(NAME))).toBeUndefined()
    expect(t.kops.methods()).toEqual(['getCluster', 'getCluster', 'replaceFromContent'])
  })

  it('an expired sandbox gets the ttl from now, not from its past expiry', async () => {
    const t = setup()
    seed(t.kops, t.store, NAME, {expiresAt: '2026-05-01T00:00:00Z'})
    await expect(t.run({ttl: '6h'})).resolves.toMatchObject({expiresAt: '2026-05-10T18:00:00Z'})
  })

  it('caps at 14 days from now and says so', async () => {
    const t = setup()
    seed(t.kops, t.store, NAME, {expiresAt: '2026-05-20T12:00:00Z'})
    const result = await t.run({ttl: '10d'})
    expect(result).toMatchObject({capped: true, requested: '2026-05-30T12:00:00Z', expiresAt: '2026-05-24T12:00:00Z', latestAllowed: '2026-05-24T12:00:00Z'})
    expect(metadataOf(t.store, NAME)?.expiresAt).toBe('2026-05-24T12:00:00Z')
    expect(t.logs.join('\n')).toMatch(/Capped: 240h \(10 days\) more would end at 2026-05-30T12:00:00Z, but a sandbox may live at most 14 days from now \(2026-05-24T12:00:00Z\)/)
  })

  it('updates spec.expiresAt in the cluster file, keeping its comments', async () => {
    const t = setup()
    seed(t.kops, t.store, NAME, {expiresAt: '2026-05-11T12:00:00Z'})
    const file = `clusters/${NAME}.yaml`
    const original = [
      '# yaml-language-server: $schema=../schema/cluster.schema.json',
      '# my sandbox',
      'apiVersion: kopsmith/v1alpha1',
      'kind: Cluster',
      'metadata:',
      `  name: ${NAME}`,
      'spec:',
      '  profile: sandbox',
      '  region: eu-central-1',
      '  kubernetesVersion: 1.35.7',
      '  stateStore: {bucket: acme-kops-state}',
      '  dns: {zone: sandbox.k8s.acme.de, type: public}',
      '  access: {api: [10.0.0.0/8]}',
      '  owner: alice@acme.de   # me',
      '  ttl: 72h',
      '  expiresAt: "2026-05-11T12:00:00Z"',
      '',
    ].join('\n')
    t.files.with(file, original)
    await t.run({file})
    const updated = t.files.files.get(file) ?? ''
    expect(updated).toBe(original.replace('"2026-05-11T12:00:00Z"', '"2026-05-12T12:00:00Z"'))
  })

  it('refuses a cluster file of another cluster (exit 2) before touching anything', async () => {
    const t = setup()
    seed(t.kops, t.store, NAME)
    t.files.with('clusters/x.yaml', 'apiVersion: kopsmith/v1alpha1\nkind: Cluster\nmetadata: {name: bob.sandbox.k8s.acme.de}\nspec: {profile: sandbox, region: eu-central-1, kubernetesVersion: 1.35.7, stateStore: {bucket: acme-kops-state}, dns: {zone: sandbox.k8s.acme.de}, access: {api: [10.0.0.0/8]}, owner: bob@acme.de}\n')
    await expect(t.run({file: 'clusters/x.yaml'})).rejects.toBeInstanceOf(UsageError)
    expect(t.kops.calls).toEqual([])
  })

  it.each<{case: string; options: SeedOptions; message: RegExp}>([
    {case: 'a production cluster', options: {profile: 'production' as const}, message: /its profile is production/},
    {case: 'a production cluster whose labels were forged to say sandbox', options: {profile: 'production' as const, labels: {[LABELS.profile]: 'sandbox', [LABELS.expiresAt]: '2026-05-01T00:00:00Z'}}, message: /its profile is production/},
    {case: 'a cluster without metadata.json', options: {noMetadata: true}, message: /there is no s3:\/\/acme-kops-state\/kopsmith\/alice.sandbox.k8s.acme.de\/metadata.json/},
    {case: 'a sandbox record whose stored spec says production', options: {labels: {[LABELS.profile]: 'production'}}, message: /label is production/},
  ])('refuses $case with exit 9, without taking the lock or changing anything', async ({options, message}) => {
    const t = setup()
    seed(t.kops, t.store, NAME, options)
    const before = metadataOf(t.store, NAME)
    const error = await t.run().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RefusedError)
    expect((error as RefusedError).exitCode).toBe(9)
    expect((error as RefusedError).message).toMatch(message)
    expect(metadataOf(t.store, NAME)).toEqual(before)
    expect(t.store.calls.filter((c) => c.method === 'putObject')).toEqual([])
    expect(t.kops.methods()).not.toContain('replaceFromContent')
  })

  it('says when the cluster does not exist (exit 4)', async () => {
    const t = setup()
    await expect(t.run()).rejects.toBeInstanceOf(PreconditionError)
  })

  it('fails with exit 8 while another operation holds the lock, changing nothing', async () => {
    const t = setup()
    seed(t.kops, t.store, NAME)
    t.store.withObject(BUCKET, lockKey(NAME), JSON.stringify({owner: 'arn:aws:iam::1:user/bob', host: 'h', pid: 1, operation: 'upgrade', started: '2026-05-10T11:00:00Z', expires: '2026-05-10T13:00:00Z'}))
    await expect(t.run()).rejects.toBeInstanceOf(LockedError)
    expect(metadataOf(t.store, NAME)?.expiresAt).toBe('2026-05-09T12:00:00Z')
  })

  it('refuses a ttl that is not a duration (exit 2)', async () => {
    const t = setup()
    seed(t.kops, t.store, NAME)
    await expect(t.run({ttl: 'a while'})).rejects.toBeInstanceOf(UsageError)
  })
})
