import type {Clock} from '../ports.js'

export class SystemClock implements Clock {
  now(): Date {
    return new Date()
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const timer = setTimeout(resolve, ms)
      signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer)
          reject(signal.reason)
        },
        {once: true},
      )
    })
  }
}
