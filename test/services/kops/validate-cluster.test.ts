import {describe, expect, it} from 'vitest'

import type {CliError} from '../../../src/core/errors.js'
import {InterruptedError, KopsError, TimeoutError, UnhealthyError} from '../../../src/core/errors.js'
import {validateCluster, validateUntilHealthy} from '../../../src/services/validate-cluster.js'
import {FakeKops} from '../../fakes/fake-kops.js'
import {FakeClock} from './helpers.js'

const NAME = 'prod.k8s.acme.de'

function setup(health: string) {
  const kops = new FakeKops().withCluster(NAME, {kubernetesVersion: '1.35.7'}).withHealth(health)
  return {kops, clock: new FakeClock()}
}

describe('validateUntilHealthy', () => {
  it('passes after N consecutive healthy attempts, one interval apart', async () => {
    const {kops, clock} = setup('UUHH')
    const attempts: Array<[number, boolean, number]> = []
    const r = await validateUntilHealthy(kops, clock, {name: NAME, waitMs: 600_000, intervalMs: 10_000, count: 2, onAttempt: (a) => attempts.push([a.attempt, a.healthy, a.consecutive])})
    expect(r).toMatchObject({healthy: true, attempts: 4, consecutive: 2, elapsedMs: 30_000})
    expect(attempts).toEqual([
      [1, false, 0],
      [2, false, 0],
      [3, true, 1],
      [4, true, 2],
    ])
    expect(clock.sleeps).toEqual([10_000, 10_000, 10_000])
    expect(kops.methods()).toEqual(['validateCluster', 'validateCluster', 'validateCluster', 'validateCluster'])
  })

  it('resets the count when the cluster flaps', async () => {
    const {kops, clock} = setup('HUHUHH')
    const consecutive: number[] = []
    const r = await validateUntilHealthy(kops, clock, {name: NAME, waitMs: 600_000, intervalMs: 10_000, count: 2, onAttempt: (a) => consecutive.push(a.consecutive)})
    expect(r.attempts).toBe(6)
    expect(consecutive).toEqual([1, 0, 1, 0, 1, 2])
  })

  it('gives up with TimeoutError (exit 7) carrying the last failures, the last attempt at the deadline', async () => {
    const {kops, clock} = setup('U')
    const error = (await validateUntilHealthy(kops, clock, {name: NAME, waitMs: 25_000, intervalMs: 10_000, count: 2}).catch((e: unknown) => e)) as TimeoutError
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.exitCode).toBe(7)
    expect(clock.sleeps).toEqual([10_000, 10_000, 5_000])
    expect(error.details).toMatchObject({cluster: NAME, healthy: false, attempts: 4, failures: [{type: 'Node', name: 'i-0n1'}]})
    expect(error.message).toContain('within 25s')
  })

  it('counts an attempt where kops cannot reach the cluster as a failure while waiting', async () => {
    const {kops, clock} = setup('EEHH')
    const errors: Array<string | undefined> = []
    const r = await validateUntilHealthy(kops, clock, {name: NAME, waitMs: 600_000, intervalMs: 5_000, count: 2, onAttempt: (a) => errors.push(a.error)})
    expect(r).toMatchObject({healthy: true, attempts: 4})
    expect(errors[0]).toContain('unexpected error during validation')
    expect(errors.slice(2)).toEqual([undefined, undefined])
  })

  it('without waiting: one attempt, an unreachable cluster is a KopsError (exit 5)', async () => {
    const unhealthy = setup('U')
    expect(await validateUntilHealthy(unhealthy.kops, unhealthy.clock, {name: NAME, waitMs: 0, intervalMs: 10_000, count: 1})).toMatchObject({healthy: false, attempts: 1})
    expect(unhealthy.clock.sleeps).toEqual([])
    const unreachable = setup('E')
    const error = await validateUntilHealthy(unreachable.kops, unreachable.clock, {name: NAME, waitMs: 0, intervalMs: 10_000, count: 1}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KopsError)
    expect((error as CliError).exitCode).toBe(5)
  })

  it('without waiting but with --count 2: two attempts, stopping at the first failure', async () => {
    const twice = setup('HH')
    expect(await validateUntilHealthy(twice.kops, twice.clock, {name: NAME, waitMs: 0, intervalMs: 3_000, count: 2})).toMatchObject({healthy: true, attempts: 2})
    expect(twice.clock.sleeps).toEqual([3_000])
    const flaky = setup('HU')
    expect(await validateUntilHealthy(flaky.kops, flaky.clock, {name: NAME, waitMs: 0, intervalMs: 3_000, count: 2})).toMatchObject({healthy: false, attempts: 2})
  })

  it('stops when the signal aborts during a pause', async () => {
    const {kops} = setup('U')
    const controller = new AbortController()
    const clock = new FakeClock()
    const sleeping = {
      now: () => clock.now(),
      sleep: (ms: number, signal?: AbortSignal) => {
        controller.abort(new InterruptedError('Ctrl-C'))
        return clock.sleep(ms, signal)
      },
    }
    const error = await validateUntilHealthy(kops, sleeping, {name: NAME, waitMs: 600_000, intervalMs: 10_000, count: 2, signal: controller.signal}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InterruptedError)
    expect(kops.methods()).toEqual(['validateCluster'])
  })
})

describe('validateCluster (the command service)', () => {
  it('returns the result shape of `cluster validate --json` when healthy', async () => {
    const {kops, clock} = setup('H')
    expect(await validateCluster(kops, clock, {cluster: NAME, waitMs: 0, intervalMs: 10_000, count: 1})).toEqual({
      cluster: NAME,
      healthy: true,
      attempts: 1,
      failures: [],
      nodes: [
        {name: 'i-0cp', zone: 'eu-central-1a', role: 'control-plane', hostname: 'i-0cp', status: 'True'},
        {name: 'i-0n1', zone: 'eu-central-1a', role: 'node', hostname: 'i-0n1', status: 'True'},
      ],
    })
  })

  it('throws UnhealthyError (exit 1) with the same shape in its details', async () => {
    const {kops, clock} = setup('U')
    const error = (await validateCluster(kops, clock, {cluster: NAME, waitMs: 0, intervalMs: 10_000, count: 1}).catch((e: unknown) => e)) as UnhealthyError
    expect(error).toBeInstanceOf(UnhealthyError)
    expect(error.exitCode).toBe(1)
    expect(error.details).toMatchObject({cluster: NAME, healthy: false, attempts: 1, failures: [{type: 'Node'}]})
  })
})
