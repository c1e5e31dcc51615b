import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {constants, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface CliResult {
  exitCode: number
  stdout: string
  stderr: string
  /** stdout parsed as JSON, when it is JSON. */
  json: unknown
}

/**
 * Runs kopsmith from source (bin/dev.js under tsx) in a child process, so exit codes, stdout and
 * stderr are exactly what a user or a scheduled job sees. No TTY: runs are non-interactive.
 * kopsmith's state directory is a fresh temporary one unless `env` names one (KOPSMITH_STATE_DIR),
 * so no test writes to the real ~/.local/state/kopsmith.
 */
export function runCli(args: string[], options: {cwd?: string; env?: Record<string, string | undefined>; input?: string; timeoutMs?: number; signalAfterMs?: {signal: NodeJS.Signals; ms: number}} = {}): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}bin/dev.js`, ...args], {cwd: options.cwd ?? ROOT, env: cliEnv(options.env), stdio: ['pipe', 'pipe', 'pipe']})
  if (options.signalAfterMs) {
    const {signal, ms} = options.signalAfterMs
    setTimeout(() => child.kill(signal), ms)
  }
  child.stdin!.end(options.input ?? '')
  return collectCli(child, options.timeoutMs ?? 60_000).done
}

/**
 * This process's environment with `extra` laid over it (undefined removes a variable), never
 * verbose, with a fresh temporary state directory unless `extra` names one (KOPSMITH_STATE_DIR).
 */
export function cliEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  const state = mkdtempSync(join(tmpdir(), 'kopsmith-state-'))
  for (const [k, v] of Object.entries({...process.env, KOPSMITH_VERBOSE: '', KOPSMITH_STATE_DIR: state, ...extra})) if (v !== undefined) env[k] = v
  return env
}

/**
 * Collects a CLI child's output and its end: the exit code (128 + the signal's number when a
 * signal ended it, as a shell reports it) and stdout parsed as JSON. SIGKILL after `timeoutMs`.
 */
export function collectCli(child: ChildProcess, timeoutMs: number): {stdout(): string; stderr(): string; done: Promise<CliResult>} {
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      let json: unknown
      try {
        json = JSON.parse(stdout)
      } catch {
        json = undefined
      }
      resolve({exitCode: code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1), stdout, stderr, json})
    })
  })
  return {stdout: () => stdout, stderr: () => stderr, done}
}
