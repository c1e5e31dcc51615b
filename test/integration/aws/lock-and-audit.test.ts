import {CreateBucketCommand} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, it} from 'vitest'

import type {AwsClients} from '../../../src/adapters/aws/clients.js'
import {S3StateStore} from '../../../src/adapters/aws/s3-state-store.js'
import {StsIdentity} from '../../../src/adapters/aws/sts-identity.js'
import {SystemClock} from '../../../src/adapters/system-clock.js'
import {auditPrefix, type AuditRecord, lockKey, type LockRecord} from '../../../src/core/aws/lock.js'
import {InterruptedError, KopsError, LockedError} from '../../../src/core/errors.js'
import {type OperationContext, runLockedOperation} from '../../../src/services/operation.js'
import {motoClients, uniqueBucket} from '../../helpers/moto.js'
import {abortableSleep, manualInterrupt} from './interrupt-hook.js'

let clients: AwsClients
let store: S3StateStore

beforeAll(() => {
  clients = motoClients()
  store = new S3StateStore(clients)
})

/**
 * Lock buckets are plain buckets: moto applies the TLS-only Deny even to TLS requests, so a
 * hardened bucket would refuse these writes here (real S3 evaluates the condition).
 */
async function lockBucket(): Promise<string> {
  const bucket = uniqueBucket('lock')
  await clients.s3.send(new CreateBucketCommand({Bucket: bucket, CreateBucketConfiguration: {LocationConstraint: 'eu-central-1'}}))
  return bucket
}

function context(host: string, extra: Partial<OperationContext> = {}): OperationContext & {interrupt: ReturnType<typeof manualInterrupt>; warnings: string[]} {
  const interrupt = manualInterrupt()
  const warnings: string[] = []
  return {store, identity: new StsIdentity(clients), clock: new SystemClock(), host, pid: 4242, onInterrupt: interrupt.onInterrupt, warn: (m) => warnings.push(m), interrupt, warnings, ...extra}
}

async function audits(bucket: string, cluster: string): Promise<AuditRecord[]> {
  const keys = await store.listKeys(bucket, auditPrefix(cluster))
  return Promise.all(keys.map(async (k) => JSON.parse((await store.getObject(bucket, k))!.body) as AuditRecord))
}

const CLUSTER = 'prod.k8s.acme.de'

describe('cluster lock and audit trail against S3 (moto)', () => {
  it('lets exactly one of two concurrent operations in; the other fails fast with exit 8 naming the holder', {timeout: 150_000}, async () => {
    for (let round = 0; round < 5; round++) {
      const bucket = await lockBucket()
      const spec = (operation: string) => ({bucket, cluster: CLUSTER, operation, command: ['cluster', operation, '-f', 'prod.yaml']})
      // The winner keeps working until the other run has settled, so the two always overlap
      // (if both got in, each waits for the other and the 20 s bound ends it with two winners).
      // The bound is wide: under a loaded CI the loser's first STS and S3 calls can take seconds,
      // and a winner that gave up waiting earlier would release before the loser even asked.
      const runs: Array<Promise<string>> = []
      const untilOtherSettled = (other: number) => Promise.race([runs[other]!.catch(() => undefined), abortableSleep(20_000, new AbortController().signal)])
      runs.push(runLockedOperation(context('host-a'), spec('upgrade'), async () => untilOtherSettled(1).then(() => 'a')))
      runs.push(runLockedOperation(context('host-b'), spec('create'), async () => untilOtherSettled(0).then(() => 'b')))
      const results = await Promise.allSettled(runs)
      const won = results.filter((r) => r.status === 'fulfilled')
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      expect(won).toHaveLength(1)
      expect(lost).toHaveLength(1)
      const error = lost[0]!.reason as LockedError
      expect(error).toBeInstanceOf(LockedError)
      expect(error.exitCode).toBe(8)
      const winnerHost = (won[0] as PromiseFulfilledResult<string>).value === 'a' ? 'host-a' : 'host-b'
      expect(error.message).toContain(`on host ${winnerHost} (pid 4242)`)
      expect(error.message).toMatch(/arn:aws:/)
      expect(error.suggestions.join('\n')).toContain(`kopsmith cluster unlock --name ${CLUSTER} --state s3://${bucket} --force`)
      expect(await store.getObject(bucket, lockKey(CLUSTER))).toBeUndefined()
      // Only the winner ran, so only the winner is audited.
      expect((await audits(bucket, CLUSTER)).map((a) => a.outcome)).toEqual(['success'])
    }
  })

  it('leaves a live lock alone', async () => {
    const bucket = await lockBucket()
    const spec = {bucket, cluster: CLUSTER, operation: 'upgrade', command: ['cluster', 'upgrade']}
    let seen: {etag: string} | undefined
    await runLockedOperation(context('host-a'), spec, async () => {
      seen = await store.getObject(bucket, lockKey(CLUSTER))
      await expect(runLockedOperation(context('host-b'), {...spec, operation: 'delete'}, async () => 'never')).rejects.toBeInstanceOf(LockedError)
      expect((await store.getObject(bucket, lockKey(CLUSTER)))?.etag).toBe(seen!.etag)
    })
    expect(seen).toBeDefined()
  })

  it('takes over a stale lock only through its ETag, and records whose lock it took', async () => {
    const bucket = await lockBucket()
    const stale: LockRecord = {owner: 'arn:aws:sts::123456789012:assumed-role/ci/old-run', host: 'dead-runner', pid: 7, operation: 'upgrade', started: '2026-01-01T00:00:00.000Z', expires: '2026-01-01T02:00:00.000Z', token: 'old'}
    await store.putObject(bucket, lockKey(CLUSTER), JSON.stringify(stale))
    const ctx = context('host-a')
    const result = await runLockedOperation(ctx, {bucket, cluster: CLUSTER, operation: 'create', command: ['cluster', 'create']}, async () => {
      const held = JSON.parse((await store.getObject(bucket, lockKey(CLUSTER)))!.body) as LockRecord
      expect(held).toMatchObject({host: 'host-a', operation: 'create'})
      return 'done'
    })
    expect(result).toBe('done')
    expect(await store.getObject(bucket, lockKey(CLUSTER))).toBeUndefined()
    const [audit] = await audits(bucket, CLUSTER)
    expect(audit!.lock).toEqual({tookOverFrom: stale, takeoverReason: 'expired', released: true})
  })

  it('of two runs racing to take over the same stale lock, exactly one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const bucket = await lockBucket()
      const stale: LockRecord = {owner: 'arn:aws:iam::123456789012:user/gone', host: 'dead', pid: 1, operation: 'create', started: '2026-01-01T00:00:00.000Z', expires: '2026-01-01T00:00:01.000Z'}
      await store.putObject(bucket, lockKey(CLUSTER), JSON.stringify(stale))
      const spec = {bucket, cluster: CLUSTER, operation: 'upgrade', command: ['cluster', 'upgrade']}
      const runs: Array<Promise<unknown>> = []
      const untilOtherSettled = (other: number) => Promise.race([runs[other]!.catch(() => undefined), abortableSleep(20_000, new AbortController().signal)])
      runs.push(runLockedOperation(context('taker-1'), spec, () => untilOtherSettled(1)))
      runs.push(runLockedOperation(context('taker-2'), spec, () => untilOtherSettled(0)))
      const results = await Promise.allSettled(runs)
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
      const [lost] = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      expect(lost!.reason).toBeInstanceOf(LockedError)
      expect((lost!.reason as LockedError).message).toMatch(/on host taker-[12]/)
      expect(await store.getObject(bucket, lockKey(CLUSTER))).toBeUndefined()
    }
  })

  it('releases the lock after an injected failure and audits the failure with its exit code', async () => {
    const bucket = await lockBucket()
    const plan = {operation: 'create', cluster: CLUSTER, steps: [{id: 'kops:update-cluster', title: 'kops update cluster --yes', action: 'run' as const, reason: 'converge'}]}
    const failure = new KopsError('kops update cluster failed', {argv: ['kops', 'update', 'cluster', '--yes'], exitCode: 1, stderrTail: 'error building tasks'})
    const error = await runLockedOperation(context('host-a'), {bucket, cluster: CLUSTER, operation: 'create', command: ['cluster', 'create', '-f', 'prod.yaml', '--yes'], plan}, async () => {
      throw failure
    }).catch((e: unknown) => e)
    expect(error).toBe(failure)
    expect(await store.getObject(bucket, lockKey(CLUSTER))).toBeUndefined()
    const [audit] = await audits(bucket, CLUSTER)
    expect(audit).toMatchObject({
      identity: {account: expect.stringMatching(/^\d{12}$/), arn: expect.stringMatching(/^arn:aws:/)},
      command: ['cluster', 'create', '-f', 'prod.yaml', '--yes'],
      operation: 'create',
      cluster: CLUSTER,
      plan,
      outcome: 'failure',
      exitCode: 5,
      error: {code: 'kops-failed', message: expect.stringContaining('kops update cluster failed')},
      lock: {released: true},
    })
    expect(Date.parse(audit!.ended)).toBeGreaterThanOrEqual(Date.parse(audit!.started))
  })

  it('audits a success, and on interrupt aborts the work, releases the lock and throws exit 130', async () => {
    const bucket = await lockBucket()
    const spec = {bucket, cluster: CLUSTER, operation: 'upgrade', command: ['cluster', 'upgrade', '--yes']}
    expect(await runLockedOperation(context('host-a'), spec, async () => 42)).toBe(42)

    const ctx = context('host-a')
    let sawAbort = false
    const pending = runLockedOperation(ctx, spec, async (signal) => {
      setTimeout(() => ctx.interrupt.press(), 100)
      try {
        await abortableSleep(30_000, signal)
      } finally {
        sawAbort = signal.aborted
      }
    })
    const error = await pending.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InterruptedError)
    expect((error as InterruptedError).exitCode).toBe(130)
    expect((error as Error).message).toContain('the lock was released')
    expect(sawAbort).toBe(true)
    expect(ctx.interrupt.registered).toBe(0)
    expect(await store.getObject(bucket, lockKey(CLUSTER))).toBeUndefined()
    const outcomes = (await audits(bucket, CLUSTER)).map((a) => [a.outcome, a.exitCode])
    expect(outcomes).toEqual([['success', 0], ['interrupted', 130]])
  })

  it('never deletes a lock that is no longer its own', async () => {
    const bucket = await lockBucket()
    const ctx = context('host-a')
    const spec = {bucket, cluster: CLUSTER, operation: 'upgrade', command: ['cluster', 'upgrade']}
    await runLockedOperation(ctx, spec, async () => {
      // Someone ran `cluster unlock --force` and another run took the lock meanwhile.
      await store.deleteObject(bucket, lockKey(CLUSTER))
      await store.putObject(bucket, lockKey(CLUSTER), JSON.stringify({owner: 'other', host: 'host-b', pid: 1, operation: 'create', started: new Date().toISOString(), expires: new Date(Date.now() + 3_600_000).toISOString()}))
    })
    expect(JSON.parse((await store.getObject(bucket, lockKey(CLUSTER)))!.body)).toMatchObject({host: 'host-b'})
    expect(ctx.warnings.join('\n')).toContain('no longer ours')
    const [audit] = await audits(bucket, CLUSTER)
    expect(audit!.lock).toMatchObject({released: false})
  })
})
