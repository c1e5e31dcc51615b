import {readFileSync, readlinkSync} from 'node:fs'
import {hostname} from 'node:os'

import {onInterrupt as registerInterrupt} from './interrupts.js'

/** Who is running (for the lock record) and how Ctrl-C / SIGTERM reach a running operation. */
export interface ProcessInfo {
  host: string
  pid: number
  /** Boot and PID namespace (Linux): pids are only comparable inside one; undefined elsewhere. */
  processScope: string | undefined
  /** Whether a process with this pid runs in our process table (a zombie has exited: it does not). */
  isProcessAlive(pid: number): boolean
  /**
   * Calls `handler` on the first SIGINT, SIGTERM or SIGHUP while registered; returns the
   * unregister function. While a handler is registered, a signal no longer kills the process: the
   * operation stops its work, releases its lock and exits 130 itself (adapters/interrupts.ts has
   * what later signals do; `quitHint` is printed if one quits without cleanup).
   */
  onInterrupt(handler: () => void, options?: {quitHint?: () => string; stopping?: string}): () => void
}

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
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  return !isZombie(pid)
}

/** Linux: a zombie has exited and only waits for its parent to collect the exit status. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const state = stat.slice(stat.lastIndexOf(')') + 2).charAt(0)
    return state === 'Z' || state === 'X'
  } catch {
    return false
  }
}

function onInterrupt(handler: () => void, options: {quitHint?: () => string; stopping?: string} = {}): () => void {
  return registerInterrupt({handler, ...(options.quitHint ? {quitHint: options.quitHint} : {}), ...(options.stopping ? {stopping: options.stopping} : {})})
}
