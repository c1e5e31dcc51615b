import {readFileSync, readlinkSync} from 'node:fs'
import {hostname} from 'node:os'

/** Who is running (for the lock record) and how Ctrl-C / SIGTERM reach a running operation. */
export interface ProcessInfo {
  host: string
  pid: number
  /** Boot and PID namespace (Linux): pids are only comparable inside one; undefined elsewhere. */
  processScope: string | undefined
  /** Whether a process with this pid exists in our process table (a zombie counts until reaped). */
  isProcessAlive(pid: number): boolean
  /**
   * Calls `handler` on the first SIGINT or SIGTERM while registered; returns the unregister
   * function. While a handler is registered, the signal no longer kills the process: the
   * operation aborts its work, releases its lock and exits 130 itself. A second signal quits at
   * once (the lock then stays until it expires or `cluster unlock --force`).
   */
  onInterrupt(handler: () => void): () => void
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const

export function currentProcess(): ProcessInfo {
  return {host: hostname(), pid: process.pid, processScope: processScope(), isProcessAlive, onInterrupt}
}

function processScope(): string | undefined {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
    const namespace = readlinkSync('/proc/self/ns/pid')
    return boot && namespace ? `${boot}/${namespace}` : undefined
  } catch {
    return undefined // not Linux, or /proc is hidden: same-host liveness cannot be judged
  }
}

function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function onInterrupt(handler: () => void): () => void {
  let received = 0
  const listener = (signal: NodeJS.Signals) => {
    received++
    if (received === 1) {
      process.stderr.write(`\n${signal} received: stopping, releasing the lock and writing the audit record (send it again to quit at once)\n`)
      handler()
      return
    }
    process.exit(130)
  }
  for (const s of SIGNALS) process.on(s, listener)
  return () => {
    for (const s of SIGNALS) process.off(s, listener)
  }
}
