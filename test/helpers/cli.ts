import {spawn} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
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
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {}
    const state = mkdtempSync(join(tmpdir(), 'kopsmith-state-'))
    for (const [k, v] of Object.entries({...process.env, KOPSMITH_VERBOSE: '', KOPSMITH_STATE_DIR: state, ...options.env})) if (v !== undefined) env[k] = v
    const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}bin/dev.js`, ...args], {cwd: options.cwd ?? ROOT, env, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    if (options.signalAfterMs) {
      const {signal, ms} = options.signalAfterMs
      setTimeout(() => child.kill(signal), ms)
    }
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      let json: unknown
      try {
        json = JSON.parse(stdout)
      } catch {
        json = undefined
      }
      resolve({exitCode: code ?? (signal ? 128 : 1), stdout, stderr, json})
    })
    child.stdin.end(options.input ?? '')
  })
}
