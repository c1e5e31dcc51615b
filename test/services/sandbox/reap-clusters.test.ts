import {describe, expect, it} from 'vitest'

import {KopsError, UsageError} from '../../../src/core/errors.js'
import {LABELS} from '../../../src/core/naming.js'
import {clusterMetadataKey} from '../../../src/core/sandbox/metadata.js'
import {reapClusters, reapExitCode, type ReapInput} from '../../../src/services/reap-clusters.js'
import {FakeKops} from '../../fakes/fake-kops.js'
import {FakePrompter} from '../../fakes/fake-prompter.js'
import {FakeStateStore} from '../../fakes/fake-state-store.js'
import {FakeClock, MemoryWorkspace, operationContext} from '../kops/helpers.js'
import {BUCKET, auditRecords, metadataOf, seed} from './seed.js'
import {lockKey} from '../../../src/core/aws/lock.js'

const AT = new Date('2026-05-10T12:00:00Z')
const EXPIRED = 'expired.sandbox.k8s.acme.de'
const FRESH = 'fresh.sandbox.k8s.acme.de'
const PROD = 'prod.k8s.acme.de'
const LOOSE = 'kops-only.sandbox.k8s.acme.de'

function setup(prompter = new FakePrompter(false)) {
  const store = new FakeStateStore().withBucket(BUCKET)
  const kops = new FakeKops('1.35.2')
  const clock = new FakeClock(AT)
  const logs: string[] = []
  const warnings: string[] = []
  const run = (input: Partial<ReapInput> = {}) =>
    reapClusters(
      {
        delete: {kops, workspace: new MemoryWorkspace(), clock, store: async () => store, operation: async () => operationContext(store, clock)},
        prompter,
        log: (l) => logs.push(l),
        warn: (w) => warnings.push(w),
      },
      {bucket: BUCKET, at: AT, dryRun: false, yes: true, command: ['kopsmith', 'cluster', 'reap', '--yes'], ...input},
    )
  return {store, kops, prompter, logs, warnings, run}
}

/** The mix every reaper run must get right. */
function seedMix(t: ReturnType<typeof setup>): void {
  seed(t.kops, t.store, EXPIRED, {expiresAt: '2026-05-09T12:00:00Z'})
  seed(t.kops, t.store, FRESH, {expiresAt: '2026-05-11T12:00:00Z'})
  // Production per kopsmith's record, with labels forged to look like an expired sandbox.
  seed(t.kops, t.store, PROD, {profile: 'production', labels: {[LABELS.profile]: 'sandbox', [LABELS.expiresAt]: '2020-01-01T00:00:00Z', [LABELS.managedBy]: 'kopsmith'}})
  // kops knows it and its labels say expired sandbox, but kopsmith never recorded it.
  seed(t.kops, t.store, LOOSE, {noMetadata: true, labels: {[LABELS.profile]: 'sandbox', [LABELS.expiresAt]: '2020-01-01T00:00:00Z'}})
}

const deletes = (kops: FakeKops) => kops.calls.filter((c) => c.method === 'deleteCluster').map((c) => `${c.name} yes=${String(c.options?.yes)}`)

describe('cluster reap', () => {
  it('reaps the expired sandbox, keeps the unexpired one, never touches production or unrecorded clusters', async () => {
    const t = setup()
    seedMix(t)
    const summary = await t.run()

    // Final state first.
    expect(t.kops.stored(EXPIRED)).toBeUndefined()
    expect(metadataOf(t.store, EXPIRED)).toBeUndefined()
    expect(t.kops.stored(FRESH)).toBeDefined()
    expect(t.kops.stored(PROD)).toBeDefined()
    expect(t.kops.stored(LOOSE)).toBeDefined()
    expect(metadataOf(t.store, PROD)?.profile).toBe('production')
    // The deletion went through the delete service: lock released, audited as a delete.
    expect(auditRecords(t.store, EXPIRED)).toEqual([expect.objectContaining({operation: 'delete', outcome: 'success'})])
    expect(t.store.object(BUCKET, lockKey(EXPIRED))).toBeUndefined()
    // Production was never locked, previewed or deleted.
    expect(deletes(t.kops)).toEqual([`${EXPIRED} yes=false`, `${EXPIRED} yes=true`])
    expect(t.store.calls.filter((c) => c.key?.startsWith(`${PROD}/`) && c.method !== 'getObject')).toEqual([])

    expect(summary).toEqual({
      at: '2026-05-10T12:00:00Z',
      dryRun: false,
      reaped: [{name: EXPIRED, reason: 'expired 24h ago (2026-05-09T12:00:00Z)', expiresAt: '2026-05-09T12:00:00Z'}],
      kept: [{name: FRESH, reason: 'expires in 24h (2026-05-11T12:00:00Z)', expiresAt: '2026-05-11T12:00:00Z'}],
      skipped: [
        {name: LOOSE, reason: 'no kopsmith metadata.json: not a sandbox kopsmith created, so never reaped', expiresAt: null},
        {name: PROD, reason: 'profile production (kopsmith metadata): only sandboxes are reaped, whatever the labels say', expiresAt: null},
      ],
      failed: [],
    })
    expect(reapExitCode(summary)).toBe(0)
  })

  it('--at later reaps what has expired by then', async () => {
    const t = setup()
    seedMix(t)
    const summary = await t.run({at: new Date('2026-05-12T00:00:00Z')})
    expect(summary.reaped.map((r) => r.name)).toEqual([EXPIRED, FRESH])
    expect(t.kops.stored(PROD)).toBeDefined()
  })

  it('a failure does not stop the others; it is reported, with exit 5 when kops failed', async () => {
    const t = setup()
    const other = 'also-expired.sandbox.k8s.acme.de'
    seed(t.kops, t.store, other, {expiresAt: '2026-05-08T00:00:00Z'})
    seed(t.kops, t.store, EXPIRED, {expiresAt: '2026-05-09T12:00:00Z'})
    t.kops.failNext('deleteCluster', new KopsError('kops delete cluster failed', {argv: ['kops', 'delete', 'cluster'], exitCode: 1, stderrTail: 'Error: not making progress deleting resources; giving up'}))
    const summary = await t.run()

    expect(t.kops.stored(other)).toBeDefined()
    expect(t.kops.stored(EXPIRED)).toBeUndefined()
    expect(summary.reaped.map((r) => r.name)).toEqual([EXPIRED])
    expect(summary.failed).toEqual([{name: other, error: expect.stringContaining('not making progress deleting resources'), code: 'kops-failed', exitCode: 5}])
    expect(reapExitCode(summary)).toBe(5)
  })

  it('exit 6 when the failures are not kops failures (here: S3 unreadable for one cluster)', async () => {
    const t = setup()
    seed(t.kops, t.store, EXPIRED)
    seed(t.kops, t.store, FRESH, {expiresAt: '2026-05-11T12:00:00Z'})
    const {ApiError} = await import('../../../src/core/errors.js')
    t.store.failNext('getObject', new ApiError('S3 GetObject failed: AccessDenied'), clusterMetadataKey(EXPIRED))
    const summary = await t.run()
    expect(summary.failed).toEqual([{name: EXPIRED, error: 'could not read its state: S3 GetObject failed: AccessDenied', code: 'api-error', exitCode: 6}])
    expect(summary.kept.map((k) => k.name)).toEqual([FRESH])
    expect(t.kops.stored(EXPIRED)).toBeDefined()
    expect(reapExitCode(summary)).toBe(6)
  })

  it('--dry-run lists the decisions and deletes nothing', async () => {
    const t = setup()
    seedMix(t)
    const summary = await t.run({dryRun: true, yes: false})
    expect(summary.dryRun).toBe(true)
    expect(summary.reaped.map((r) => r.name)).toEqual([EXPIRED])
    expect(deletes(t.kops)).toEqual([])
    expect(t.store.calls.filter((c) => c.method === 'putObject' || c.method === 'deleteObject')).toEqual([])
    expect(t.logs.join('\n')).toMatch(/reap {2}expired\.sandbox\.k8s\.acme\.de {2}expired 24h ago/)
  })

  it('without --yes a non-interactive run fails with exit 2 before reading anything', async () => {
    const t = setup()
    seedMix(t)
    const error = await t.run({yes: false}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).message).toContain('pass --yes')
    expect(t.kops.calls).toEqual([])
  })

  it('interactive without --yes asks once; "no" deletes nothing', async () => {
    const t = setup(new FakePrompter(true).answering(false))
    seedMix(t)
    const summary = await t.run({yes: false})
    expect(t.prompter.asked.map((q) => q.message)).toEqual(['Delete 1 expired sandbox cluster(s)? This cannot be undone.'])
    expect(summary.cancelled).toBe(true)
    expect(summary.reaped).toEqual([])
    expect(t.kops.stored(EXPIRED)).toBeDefined()
  })

  it('a sandbox extended between the listing and its deletion is kept', async () => {
    const t = setup()
    seed(t.kops, t.store, EXPIRED, {expiresAt: '2026-05-09T12:00:00Z'})
    // Someone runs `sandbox extend` right after the reaper has listed: the second look sees it.
    const bind = t.kops.withStateStore.bind(t.kops)
    let looks = 0
    t.kops.withStateStore = (url: string) => {
      const bound = bind(url)
      const getCluster = bound.getCluster.bind(bound)
      bound.getCluster = async (name: string) => {
        if (name === EXPIRED && ++looks === 2) {
          const m = metadataOf(t.store, EXPIRED)!
          t.store.withObject(BUCKET, clusterMetadataKey(EXPIRED), JSON.stringify({...m, expiresAt: '2026-05-12T12:00:00Z'}))
        }
        return getCluster(name)
      }
      return bound
    }
    const summary = await t.run()
    expect(t.kops.stored(EXPIRED)).toBeDefined()
    expect(summary.reaped).toEqual([])
    expect(summary.kept[0]?.reason).toMatch(/changed since the listing; not reaped/)
  })

  it('warns about a sandbox without an expiry and keeps it', async () => {
    const t = setup()
    seed(t.kops, t.store, EXPIRED, {expiresAt: null})
    const summary = await t.run()
    expect(summary.kept.map((k) => k.name)).toEqual([EXPIRED])
    expect(t.warnings.join('\n')).toContain('has no expiry')
  })
})
