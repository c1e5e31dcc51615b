import {format} from 'node:util'

import {type Command, Errors} from '@oclif/core'
import {vi} from 'vitest'

import {ROOT} from './cli.js'

export interface InProcessResult {
  exitCode: number
  stdout: string
  stderr: string
}

/**
 * Runs a command class in this process, as oclif would (`Command.run` with the package's config),
 * to script what a person at a terminal answers. The test file mocks src/deps.js so that
 * `createDeps` hands out its FakePrompter, and this helper makes the command believe it has a
 * terminal. Output and the exit code are what the child-process runs would show.
 */
export async function runInProcess(command: typeof Command, argv: string[], options: {cwd: string; env?: Record<string, string | undefined>}): Promise<InProcessResult> {
  const {BaseCommand} = await import('../../src/base-command.js')
  let stdout = ''
  let stderr = ''
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true))
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true))
  // oclif's this.log / logToStderr go through console (ux/write.js), which the test runner wraps.
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void (stdout += `${format(...args)}\n`))
  const error = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void (stderr += `${format(...args)}\n`))
  const tty = vi.spyOn(BaseCommand.prototype as unknown as {interactive: boolean}, 'interactive', 'get').mockReturnValue(true)
  const saved = {...process.env}
  const cwd = process.cwd()
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  process.chdir(options.cwd)
  const before = process.exitCode
  let exitCode: number
  try {
    await (command as unknown as {run(argv: string[], root: string): Promise<unknown>}).run(argv, ROOT)
    exitCode = Number(process.exitCode ?? 0)
  } catch (error) {
    if (error instanceof Errors.ExitError) exitCode = error.oclif.exit ?? 1
    else throw error
  } finally {
    process.exitCode = before
    process.chdir(cwd)
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
    Object.assign(process.env, saved)
    out.mockRestore()
    err.mockRestore()
    log.mockRestore()
    error.mockRestore()
    tty.mockRestore()
  }
  return {exitCode, stdout, stderr}
}
