/**
 * How Ctrl-C (SIGINT), SIGTERM (a scheduler, `kill`, a CI cancel) and SIGHUP (the terminal went
 * away) reach kopsmith. bin/run.js installs the listeners before anything else loads, so there is
 * no moment where a signal kills kopsmith half-way; from then on:
 *
 * - no operation holding (or taking) a lock is running: exit 130 at once — nothing to clean up;
 * - one is: the first signal asks it to stop (kops gets SIGTERM, then SIGKILL; the lock is released
 *   and the audit record written), and the process exits 130 once that is done. Signals within
 *   the next FORCE_QUIT_AFTER_MS only say it is still stopping — an impatient second Ctrl-C must
 *   not lose the lock. After that, a signal quits at once, printing how to break the lock.
 *
 * kops runs in process groups of its own (adapters/kops/execa-kops.ts), so a terminal's Ctrl-C
 * reaches kopsmith only, and kopsmith decides how kops stops.
 */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
export const FORCE_QUIT_AFTER_MS = 10_000

export interface InterruptRegistration {
  /** Called once, on the first signal (at once when one came before registering). */
  handler: () => void
  /** What to tell the user when a later signal quits without cleanup (e.g. the unlock command). */
  quitHint?: () => string
  /** What the first signal says is happening (default: kops is stopped, the lock released, the audit record written). */
  stopping?: string
}

interface InterruptState {
  installed: boolean
  registrations: Set<InterruptRegistration>
  /** When the first signal arrived while an operation was registered. */
  firstAt: number | undefined
  firstSignal: string | undefined
}

// One per process, even if this module were loaded twice (bin/dev.js and the commands under tsx).
const KEY = Symbol.for('kopsmith.interrupts')
const state: InterruptState = ((globalThis as Record<symbol, unknown>)[KEY] as InterruptState | undefined) ??
  ((globalThis as Record<symbol, unknown>)[KEY] = {installed: false, registrations: new Set(), firstAt: undefined, firstSignal: undefined} as InterruptState)

/** Idempotent; bin/run.js calls it first thing, `onInterrupt` at the latest. */
export function installInterruptHandling(): void {
  if (state.installed) return
  state.installed = true
  for (const signal of INTERRUPT_SIGNALS) process.on(signal, receive)
}

/** Registers an operation's stop handler; returns its unregister function. */
export function onInterrupt(registration: InterruptRegistration): () => void {
  installInterruptHandling()
  state.registrations.add(registration)
  // A signal that came while this operation was starting still stops it.
  if (state.firstAt !== undefined) queueMicrotask(registration.handler)
  return () => {
    state.registrations.delete(registration)
  }
}

function receive(signal: NodeJS.Signals): void {
  const running = [...state.registrations]
  if (running.length === 0) quit(`${signal} received: stopped (kopsmith held no lock)`, [])
  if (state.firstAt === undefined) {
    state.firstAt = Date.now()
    state.firstSignal = signal
    const stopping = running.find((r) => r.stopping)?.stopping ?? 'stopping kops, then releasing the lock and writing the audit record; this takes a few seconds'
    process.stderr.write(`\n${signal} received: ${stopping}\n`)
    for (const r of running) r.handler()
    return
  }
  const waited = Date.now() - state.firstAt
  if (waited < FORCE_QUIT_AFTER_MS) {
    process.stderr.write(`${signal} received: still stopping (kops gets SIGKILL if it ignores SIGTERM); the lock is released before kopsmith exits. Once ${Math.ceil((FORCE_QUIT_AFTER_MS - waited) / 1000)} s more have passed, another signal quits at once and leaves the lock\n`)
    return
  }
  const hints = running.map((r) => r.quitHint?.()).filter((h): h is string => Boolean(h))
  quit(`${signal} received: quitting without cleanup`, hints)
}

/**
 * Exit 130 at once. Under --json the one envelope is still printed (the shape BaseCommand prints),
 * so a scheduled job reading stdout sees why it ended.
 */
function quit(message: string, suggestions: string[]): never {
  process.stderr.write(`\n${message}${suggestions.length ? `\n${suggestions.map((s) => `  ${s}`).join('\n')}` : ''}\n`)
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({status: 'error', error: {code: 'interrupted', message, exitCode: 130, suggestions}, warnings: []}, null, 2)}\n`)
  }
  process.exit(130)
}
