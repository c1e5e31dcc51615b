/** A Ctrl-C we can press from a test: the same contract as the process adapter's `onInterrupt`. */
export function manualInterrupt(): {onInterrupt(handler: () => void): () => void; press(): void; readonly registered: number} {
  const handlers = new Set<() => void>()
  return {
    onInterrupt(handler) {
      handlers.add(handler)
      return () => handlers.delete(handler)
    },
    press() {
      for (const h of [...handlers]) h()
    },
    get registered() {
      return handlers.size
    },
  }
}

/** Resolves after `ms`, or rejects with the signal's reason once it aborts — like a kops run honouring Ctrl-C. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(signal.reason)
    }, {once: true})
  })
}
