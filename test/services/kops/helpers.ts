import {readFileSync} from 'node:fs'

import {validateClusterFile} from '../../../src/core/config/validate.js'
import type {ClusterConfig} from '../../../src/core/config/types.js'
import type {OperationContext} from '../../../src/services/operation.js'
import type {Clock, StateStore, Workspace} from '../../../src/ports.js'
import {FakeIdentity} from '../../fakes/fake-identity.js'
import {ROOT} from '../../helpers/cli.js'

/**
 * Time that moves only when the code under test sleeps, so loops with intervals and deadlines run
 * instantly and exactly. Sleeps longer than `parkAbove` (the lock renewer's hour-long timer) wait
 * until their signal aborts instead of jumping the clock an hour ahead.
 */
export class FakeClock implements Clock {
  readonly sleeps: number[] = []
  private t: number

  constructor(
    start: string | Date = '2026-05-16T01:00:00Z',
    private readonly parkAbove = 10 * 60_000,
  ) {
    this.t = new Date(start).getTime()
  }

  now(): Date {
    return new Date(this.t)
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (ms > this.parkAbove) {
      return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), {once: true}))
    }
    this.sleeps.push(ms)
    this.t += ms
    return Promise.resolve()
  }
}

/** Workspace files in memory; run logs get a path that is never written. */
export class MemoryWorkspace implements Workspace {
  readonly files = new Map<string, {content: string; mode?: number}>()

  async writeFile(path: string, content: string, mode?: number): Promise<void> {
    this.files.set(path, {content, ...(mode === undefined ? {} : {mode})})
  }

  async readFile(path: string): Promise<string | undefined> {
    return this.files.get(path)?.content
  }

  runLogPath(cluster: string, operation: string): string {
    return `/dev/null/${cluster}-${operation}.log`
  }

  resolve(path: string): string {
    return `/workspace/${path}`
  }

  async remove(path: string): Promise<void> {
    this.files.delete(path)
  }

  async setMode(path: string, mode: number): Promise<void> {
    const f = this.files.get(path)
    if (f) f.mode = mode
  }
}

export function operationContext(store: StateStore, clock: Clock): OperationContext {
  return {store, identity: new FakeIdentity(), clock, host: 'test-host', pid: 4242, onInterrupt: () => () => {}}
}

/** The production example as the loader returns it, with fields overridden. */
export function productionConfig(overrides: Partial<Omit<ClusterConfig, 'upgrade'>> & {upgrade?: Partial<ClusterConfig['upgrade']>} = {}): ClusterConfig {
  const base = validateClusterFile(readFileSync(`${ROOT}examples/production.yaml`, 'utf8'), 'examples/production.yaml')
  return {...base, ...overrides, upgrade: {...base.upgrade, ...overrides.upgrade}}
}
