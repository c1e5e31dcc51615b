import {spawn} from 'node:child_process'

import {describe, expect, it} from 'vitest'

import {FORCE_QUIT_AFTER_MS} from '../../../src/adapters/interrupts.js'
import {ROOT} from '../../helpers/cli.js'

/** The process-wide signal policy (adapters/interrupts.ts), on a real process and real signals. */
function target(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}test/integration/interrupts/signal-target.ts`, ...args], {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const until = async (text: () => string, what: string) => {
    for (let i = 0; i < 400 && !text().includes(what); i++) await new Promise((r) => setTimeout(r, 25))
    expect(text()).toContain(what)
  }
  return {child, exited, stdout: () => stdout, stderr: () => stderr, until}
}

describe('Ctrl-C, SIGTERM and SIGHUP', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s with no operation running: exit 130 at once, one --json envelope', async (signal) => {
    const t = target(['--json'])
    await t.until(t.stdout, 'ready')
    t.child.kill(signal)
    expect(await t.exited).toBe(130)
    expect(JSON.parse(t.stdout().slice(t.stdout().indexOf('{')))).toEqual({status: 'error', error: {code: 'interrupted', message: `${signal} received: stopped (kopsmith held no lock)`, exitCode: 130, suggestions: []}, warnings: []})
  })

  it(`with an operation: the first signal asks it to stop, more within ${FORCE_QUIT_AFTER_MS / 1000} s do not quit, a later one quits printing how to break the lock`, {timeout: 60_000}, async () => {
    const t = target(['operation'])
    await t.until(t.stdout, 'ready')
    t.child.kill('SIGINT')
    await t.until(t.stdout, 'stopping')
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGINT'] as const) t.child.kill(signal)
    await t.until(t.stderr, 'still stopping')
    await new Promise((r) => setTimeout(r, 1000))
    expect(t.child.exitCode).toBeNull()
    expect(t.stdout().match(/stopping/g)).toHaveLength(1)
    await new Promise((r) => setTimeout(r, FORCE_QUIT_AFTER_MS))
    t.child.kill('SIGINT')
    expect(await t.exited).toBe(130)
    expect(t.stderr()).toContain('SIGINT received: quitting without cleanup\n  the lock stays; break it: kopsmith cluster unlock --name x --state s3://b --force')
  })
})
