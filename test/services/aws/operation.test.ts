import {describe, expect, it, vi} from 'vitest'

import {auditPrefix, type AuditRecord, lockKey, type LockRecord} from '../../../src/core/aws/lock.js'
import {ApiError, InterruptedError, LockedError, PreconditionError} from '../../../src/core/errors.js'
import {type OperationContext, runLockedOperation} from '../../../src/services/operation.js'
import {FakeIdentity} from '../../fakes/fake-identity.js'
import {FakeStateStore} from '../../fakes/fake-state-store.js'
import {manualInterrupt} from '../../integration/aws/interrupt-hook.js'
import {ManualClock} from './manual-clock.js'

const BUCKET = 'acme-kops-state'
const CLUSTER = 'prod.k8s.acme.de'
const spec = {bucket: BUCKET, cluster: CLUSTER, operation: 'upgrade', command: ['cluster', 'upgrade', '--yes']}

function setup(options: {identity?: FakeIdentity; store?: FakeStateStore} = {}) {
  const clock = new ManualClock()
  const store = (options.store ?? new FakeStateStore().withBucket(BUCKET)).withClock(() => clock.now())
  const interrupt = manualInterrupt()
  const warnings: string[] = []
  const ctx: OperationContext = {store, identity: options.identity ?? new FakeIdentity(), clock, host: 'runner-1', pid: 99, onInterrupt: interrupt.onInterrupt, warn: (m) => warnings.push(m)}
  const lock = () => {
    const o = store.object(BUCKET, lockKey(CLUSTER))
    return o ? (JSON.parse(o.body) as LockRecord) : undefined
  }
  const audits = () => [...store.buckets.get(BUCKET)!.objects.entries()].filter(([k]) => k.startsWith(auditPrefix(CLUSTER))).map(([, o]) => JSON.parse(o.body) as AuditRecord)
  return {clock, store, interrupt, warnings, ctx, lock, audits}
}

function deferred<T = void>() {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return {promise, resolve}
}

describe('runLockedOperation (fakes)', () => {
  it('without credentials fails with exit 4 before writing anything', async () => {
    const {ctx, store} = setup({identity: new FakeIdentity().withoutCredentials()})
    const work = vi.fn()
    await expect(runLockedOperation(ctx, spec, work)).rejects.toBeInstanceOf(PreconditionError)
    expect(work).not.toHaveBeenCalled()
    expect(store.calls.filter((c) => c.method === 'putObject')).toEqual([])
  })

  it('holds the lock with a conditional create while working, then deletes it on its own ETag', async () => {
    const {ctx, store, lock, audits} = setup()
    const seen = await runLockedOperation(ctx, {...spec, plan: {operation: 'upgrade', cluster: CLUSTER, steps: []}}, async () => lock())
    expect(seen).toMatchObject({owner: 'arn:aws:sts::123456789012:assumed-role/platform-admin/alice@acme.de', host: 'runner-1', pid: 99, operation: 'upgrade', started: '2026-05-02T03:00:00.000Z', expires: '2026-05-02T05:00:00.000Z'})
    const lockCalls = store.calls.filter((c) => c.key === lockKey(CLUSTER))
    expect(lockCalls.map((c) => [c.method, c.options])).toEqual([
      ['putObject', {ifNoneMatch: '*'}],
      ['deleteObject', {ifMatch: expect.stringMatching(/^"[0-9a-f]{32}"$/)}],
    ])
    expect(lock()).toBeUndefined()
    expect(audits()).toEqual([expect.objectContaining({outcome: 'success', exitCode: 0, plan: {operation: 'upgrade', cluster: CLUSTER, steps: []}, lock: {released: true}})])
  })

  it('treats an unreadable lock as held (exit 8), never as free', async () => {
    const {ctx, store} = setup({store: new FakeStateStore().withBucket(BUCKET).withObject(BUCKET, lockKey(CLUSTER), 'garbage')})
    const error = await runLockedOperation(ctx, spec, async () => 'x').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LockedError)
    expect((error as Error).message).toContain('unreadable lock')
    expect(store.object(BUCKET, lockKey(CLUSTER))?.body).toBe('garbage')
  })

  it('a live lock fails with exit 8 and prints the unlock command with every flag it needs', async () => {
    const holder = {owner: 'arn:aws:iam::123456789012:user/bob', host: 'runner-2', pid: 7, operation: 'create', started: '2026-05-02T02:50:00.000Z', expires: '2026-05-02T04:50:00.000Z', token: 'bob'}
    const {ctx} = setup({store: new FakeStateStore().withBucket(BUCKET).withObject(BUCKET, lockKey(CLUSTER), JSON.stringify(holder))})
    const error = (await runLockedOperation(ctx, spec, async () => 'x').catch((e: unknown) => e)) as LockedError
    expect(error).toBeInstanceOf(LockedError)
    expect(error.suggestions.join('\n')).toContain(`kopsmith cluster unlock --name ${CLUSTER} --state s3://${BUCKET} --force`)
  })

  it('takes over at once a lock whose holder process is gone from this host, and audits why', async () => {
    const scope = 'boot-1/pid:[4026531836]'
    const holder = {owner: 'arn:aws:iam::123456789012:user/ci', host: 'runner-1', pid: 7, scope, operation: 'create', started: '2026-05-02T02:50:00.000Z', expires: '2026-05-02T04:50:00.000Z', token: 'killed'}
    const alive = new Set([7])
    const {ctx, audits, warnings} = setup({store: new FakeStateStore().withBucket(BUCKET).withObject(BUCKET, lockKey(CLUSTER), JSON.stringify(holder))})
    const here = {...ctx, processScope: scope, isProcessAlive: (pid: number) => alive.has(pid)}
    await expect(runLockedOperation(here, spec, async () => 'x')).rejects.toBeInstanceOf(LockedError)
    // The same lock from a host with the same name but another process table is left alone.
    alive.delete(7)
    await expect(runLockedOperation({...here, processScope: 'boot-2/pid:[4026531836]'}, spec, async () => 'x')).rejects.toBeInstanceOf(LockedError)
    expect(await runLockedOperation(here, spec, async () => 'done')).toBe('done')
    expect(audits()).toEqual([expect.objectContaining({outcome: 'success', lock: {tookOverFrom: holder, takeoverReason: 'holder-gone', released: true}})])
    expect(warnings.join('\n')).toContain('from pid 7 on this host, which is no longer running')
  })

  it('renews the lock at half its lifetime, conditionally, so a long run is not taken for dead', async () => {
    const {ctx, clock, lock, store} = setup()
    const release = deferred()
    const running = runLockedOperation(ctx, {...spec, lockTtlMs: 60 * 60_000}, () => release.promise)
    await vi.waitFor(() => expect(clock.waiting).toBe(1))
    const before = store.object(BUCKET, lockKey(CLUSTER))!.etag
    clock.advance(30 * 60_000)
    await vi.waitFor(() => expect(lock()?.expires).toBe('2026-05-02T04:30:00.000Z'))
    expect(lock()?.started).toBe('2026-05-02T03:00:00.000Z')
    expect(store.calls.find((c) => c.method === 'putObject' && (c.options as {ifMatch?: string}).ifMatch === before)).toBeDefined()
    release.resolve()
    await running
    expect(lock()).toBeUndefined()
    expect(clock.waiting).toBe(0)
  })

  it('stops the work (exit 8) when the lock is broken under it, and leaves the new holder alone', async () => {
    const {ctx, clock, store, lock, audits} = setup()
    const running = runLockedOperation(ctx, {...spec, lockTtlMs: 60 * 60_000}, (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))))
    await vi.waitFor(() => expect(clock.waiting).toBe(1))
    const intruder = {owner: 'arn:aws:iam::123456789012:user/bob', host: 'bob', pid: 1, operation: 'delete', started: clock.now().toISOString(), expires: '2026-05-02T09:00:00.000Z'}
    await store.putObject(BUCKET, lockKey(CLUSTER), JSON.stringify(intruder))
    clock.advance(30 * 60_000)
    const error = await running.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LockedError)
    expect((error as Error).message).toContain('broken or taken over')
    expect(lock()).toEqual(intruder)
    expect(audits()).toEqual([expect.objectContaining({outcome: 'failure', exitCode: 8, lock: expect.objectContaining({released: false})})])
  })

  it('an interrupt while the lock is being taken skips the work, releases and audits (exit 130)', async () => {
    const {ctx, interrupt, lock, audits, store} = setup()
    const gate = deferred()
    const realPut = store.putObject.bind(store)
    store.putObject = async (bucket, key, body, options) => {
      if (key === lockKey(CLUSTER)) await gate.promise
      return realPut(bucket, key, body, options)
    }
    const work = vi.fn()
    const running = runLockedOperation(ctx, spec, work)
    await vi.waitFor(() => expect(interrupt.registered).toBe(1))
    interrupt.press()
    gate.resolve()
    await expect(running).rejects.toBeInstanceOf(InterruptedError)
    expect(work).not.toHaveBeenCalled()
    expect(lock()).toBeUndefined()
    expect(store.calls.filter((c) => c.key === lockKey(CLUSTER)).map((c) => c.method)).toEqual(['putObject', 'deleteObject'])
    expect(audits()).toEqual([expect.objectContaining({outcome: 'interrupted', exitCode: 130})])
  })

  it('an interrupt during prepare (before the lock) stops there, takes no lock and is audited (exit 130)', async () => {
    const {ctx, interrupt, store, audits} = setup()
    const gate = deferred()
    const steps: string[] = []
    const work = vi.fn()
    const running = runLockedOperation(ctx, {...spec, plan: {operation: 'upgrade', cluster: CLUSTER, steps: []}}, work, {
      prepare: async (signal) => {
        steps.push('preflight')
        await gate.promise
        signal.throwIfAborted()
        steps.push('state bucket')
      },
    })
    await vi.waitFor(() => expect(steps).toEqual(['preflight']))
    interrupt.press()
    gate.resolve()
    const error = await running.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InterruptedError)
    expect((error as Error).message).toBe(`upgrade of ${CLUSTER} was interrupted before it took the lock; nothing is locked`)
    expect(steps).toEqual(['preflight'])
    expect(work).not.toHaveBeenCalled()
    expect(store.calls.filter((c) => c.key === lockKey(CLUSTER))).toEqual([])
    expect(audits()).toEqual([expect.objectContaining({outcome: 'interrupted', exitCode: 130, error: {code: 'interrupted', message: expect.stringContaining('before it took the lock')}})])
    expect(audits()[0]!.lock).toBeUndefined()
  })

  it('a refusal in prepare is not audited and takes no lock: nothing was changed', async () => {
    const {ctx, store} = setup()
    const refusal = new Error('refused')
    await expect(runLockedOperation(ctx, spec, vi.fn(), {prepare: async () => Promise.reject(refusal)})).rejects.toBe(refusal)
    expect(store.calls.filter((c) => c.method === 'putObject')).toEqual([])
  })

  it('a run that succeeded but cannot write its audit record fails with exit 6; a failed run keeps its own error', async () => {
    const {ctx, store, warnings} = setup()
    const realPut = store.putObject.bind(store)
    store.putObject = async (bucket, key, body, options) => {
      if (key.startsWith(auditPrefix(CLUSTER))) throw new ApiError('S3 PutObject failed: AccessDenied')
      return realPut(bucket, key, body, options)
    }
    const error = await runLockedOperation(ctx, spec, async () => 'done').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as Error).message).toContain('audit record could not be written')
    expect(store.object(BUCKET, lockKey(CLUSTER))).toBeUndefined()

    const own = new Error('boom')
    const failed = await runLockedOperation(ctx, spec, async () => {
      throw own
    }).catch((e: unknown) => e)
    expect(failed).toBe(own)
    expect(warnings.join('\n')).toContain('AccessDenied')
  })

  it('audits an unexpected error as a bug (exit 10)', async () => {
    const {ctx, audits} = setup()
    await expect(runLockedOperation(ctx, spec, async () => {
      throw new TypeError('undefined is not a function')
    })).rejects.toThrow(TypeError)
    expect(audits()[0]).toMatchObject({outcome: 'failure', exitCode: 10, error: {code: 'bug', message: 'undefined is not a function'}})
  })
})
