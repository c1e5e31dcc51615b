import type {Clock} from '../../../src/ports.js'

/** Time moves only when a test says so; sleepers wake when `advance` passes their deadline. */
export class ManualClock implements Clock {
  private sleepers: Array<{until: number; resolve: () => void}> = []

  constructor(private t = Date.parse('2026-05-02T03:00:00.000Z')) {}

  now(): Date {
    return new Date(this.t)
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const sleeper = {until: this.t + ms, resolve}
      this.sleepers.push(sleeper)
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper)
        reject(signal.reason)
      }, {once: true})
    })
  }

  get waiting(): number {
    return this.sleepers.length
  }

  advance(ms: number): void {
    this.t += ms
    const due = this.sleepers.filter((s) => s.until <= this.t)
    this.sleepers = this.sleepers.filter((s) => s.until > this.t)
    for (const s of due) s.resolve()
  }
}
