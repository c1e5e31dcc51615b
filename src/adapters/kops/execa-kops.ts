import {appendFileSync, mkdirSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

import {execa} from 'execa'

import {CliError, DOCTOR_SUGGESTION, InterruptedError, KopsError, PreconditionError, TimeoutError} from '../../core/errors.js'
import {parseDeletePreview, parseKopsVersion, parseRollingUpdatePreview, parseUpdateDryRun, parseValidationJson, tailLines} from '../../core/kops/kops-output.js'
import {kopsStepOf, kopsTimeoutMs, type KopsTimeouts} from '../../core/kops/timeouts.js'
import {isHealthyValidation} from '../../core/kops/validation.js'
import {fileAccessError} from '../fs-errors.js'
import type {
  Kops,
  KopsResource,
  KopsRunOptions,
  KopsValidation,
  KopsVersion,
  RollingUpdateGroup,
  RollingUpdateOptions,
  UpdateClusterOptions,
} from '../../ports.js'

export interface ExecaKopsOptions {
  /** `--kops` / KOPSMITH_KOPS; `kops` on PATH when absent. */
  binary?: string
  /** The environment kops runs with (AWS_*, HOME, PATH …); KOPS_STATE_STORE is set from the binding. */
  env: Record<string, string | undefined>
  /** `s3://bucket` or `file:///dir`: what KOPS_STATE_STORE is set to. */
  stateStore?: string
  /** Every call appends its command line, output and exit code here. */
  logFile?: string
  /** Grace between SIGTERM and SIGKILL when a call is cancelled or times out. */
  killGraceMs?: number
  /** `--kops-timeout` / KOPSMITH_KOPS_TIMEOUT: per-step deadlines that win over every other. */
  timeouts?: KopsTimeouts
}

interface RunResult {
  exitCode: number
  stdout: string
  stderr: string
}

const INSTALL_HINT = 'Install kops (https://kops.sigs.k8s.io/getting_started/install/) and put it on PATH, or pass --kops PATH / set KOPSMITH_KOPS'
const STDERR_TAIL_LINES = 20

/**
 * The one place kopsmith runs kops: argv arrays (never a shell), the caller's environment with
 * KOPS_STATE_STORE set, output streamed line by line to the caller and appended to the run log,
 * and every failure turned into a CliError once: missing binary → PreconditionError (4), non-zero
 * exit → KopsError (5) with argv, exit code and the stderr tail, timeout → TimeoutError (7).
 *
 * Process control: kops runs in a process group of its own, and kopsmith signals the whole group,
 * never just the process it started — a wrapper script's children (kops itself, helpers that
 * ignore SIGTERM) are stopped with it. Cancellation and the deadline every call has (per step,
 * core/kops/timeouts.ts) send SIGTERM to the group, then SIGKILL after a grace period; whatever
 * is left of a group once its leader exited is ended the same way; and when kopsmith exits, every
 * group still running gets SIGKILL. Its own group also keeps kops from a terminal's Ctrl-C:
 * kopsmith decides how kops stops, then releases its lock.
 */
export class ExecaKops implements Kops {
  private readonly options: ExecaKopsOptions
  private versionPromise: Promise<KopsVersion> | undefined

  constructor(options: ExecaKopsOptions) {
    this.options = options
  }

  withStateStore(stateStore: string, options: {logFile?: string} = {}): Kops {
    return new ExecaKops({...this.options, stateStore, logFile: options.logFile ?? this.options.logFile})
  }

  version(options: Pick<KopsRunOptions, 'signal'> = {}): Promise<KopsVersion> {
    this.versionPromise ??= (async () => {
      const {stdout, stderr} = await this.run(['version'], options, {store: false})
      const parsed = parseKopsVersion(stdout) ?? parseKopsVersion(stderr)
      if (!parsed) {
        throw new PreconditionError(`could not read the kops version from "${this.binary} version" (it printed: ${stdout.trim().slice(0, 120) || 'nothing'})`, {
          suggestions: [`Check that ${this.binary} is kops`, INSTALL_HINT, DOCTOR_SUGGESTION],
        })
      }
      return parsed
    })()
    this.versionPromise.catch(() => (this.versionPromise = undefined))
    return this.versionPromise
  }

  async listClusters(options: KopsRunOptions = {}): Promise<Array<Record<string, unknown>>> {
    const r = await this.run(['get', 'clusters', '-o', 'json'], options, {allowFailure: true})
    if (r.exitCode !== 0) {
      if (/no clusters found/i.test(r.stderr)) return []
      throw this.failure(['get', 'clusters', '-o', 'json'], r)
    }
    return asArray(parseJson(r.stdout, ['get', 'clusters']))
  }

  async getCluster(name: string, options: KopsRunOptions = {}): Promise<Record<string, unknown> | undefined> {
    const argv = ['get', 'cluster', name, '-o', 'json']
    const r = await this.run(argv, options, {allowFailure: true})
    if (r.exitCode !== 0) {
      if (/cluster not found|no clusters found/i.test(r.stderr)) return undefined
      throw this.failure(argv, r)
    }
    const doc = parseJson(r.stdout, argv)
    return Array.isArray(doc) ? (doc[0] as Record<string, unknown> | undefined) : (doc as Record<string, unknown>)
  }

  async getInstanceGroups(name: string, options: KopsRunOptions = {}): Promise<Array<Record<string, unknown>>> {
    const argv = ['get', 'instancegroups', '--name', name, '-o', 'json']
    const r = await this.run(argv, options, {allowFailure: true})
    if (r.exitCode !== 0) {
      // kops: `error fetching cluster "X": Cluster.kops.k8s.io "X" not found` (get_instancegroups.go);
      // `no InstanceGroup objects found` (one object, not an array, when there is exactly one).
      if (/Cluster\.kops\.k8s\.io "[^"]*" not found|no InstanceGroup objects found/i.test(r.stderr)) return []
      throw this.failure(argv, r)
    }
    return asArray(parseJson(r.stdout, argv))
  }

  async createFromFile(file: string, options: KopsRunOptions = {}): Promise<void> {
    await this.run(['create', '-f', file], options)
  }

  async replaceFromFile(file: string, options: KopsRunOptions & {force?: boolean} = {}): Promise<void> {
    await this.run(['replace', '-f', file, ...(options.force ? ['--force'] : [])], options)
  }

  async replaceFromContent(content: string, options: KopsRunOptions & {force?: boolean} = {}): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'kopsmith-'))
    const file = join(dir, 'replace.yaml')
    try {
      await writeFile(file, content, {encoding: 'utf8', mode: 0o600})
      await this.replaceFromFile(file, options)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  }

  async hasEncryptionConfig(name: string, options: KopsRunOptions = {}): Promise<boolean> {
    const argv = ['get', 'secrets', 'encryptionconfig', '--name', name]
    const r = await this.run(argv, options, {allowFailure: true})
    if (r.exitCode === 0) return /\bencryptionconfig\b/.test(r.stdout)
    if (/secret not found|no secrets found/i.test(r.stderr)) return false
    throw this.failure(argv, r)
  }

  async createEncryptionConfigSecret(name: string, content: string, options: KopsRunOptions = {}): Promise<void> {
    await this.run(['create', 'secret', 'encryptionconfig', '--name', name, '-f', '-'], options, {input: content})
  }

  async updateCluster(name: string, options: UpdateClusterOptions): Promise<{changesPending: boolean; output: string}> {
    const argv = ['update', 'cluster', '--name', name]
    if (options.yes) argv.push('--yes')
    if (options.instanceGroupRoles?.length) argv.push('--instance-group-roles', options.instanceGroupRoles.join(','))
    if (options.prune) argv.push('--prune')
    // kopsmith exports kubeconfigs itself, into a file of its own (mode 0600), never ~/.kube/config.
    if (options.yes) argv.push('--create-kube-config=false')
    const r = await this.run(argv, options)
    const output = r.stdout + r.stderr
    return {changesPending: options.yes ? false : parseUpdateDryRun(output).changesPending, output}
  }

  async validateCluster(name: string, options: KopsRunOptions = {}): Promise<{healthy: boolean; result: KopsValidation}> {
    const argv = ['validate', 'cluster', '--name', name, '-o', 'json']
    const r = await this.run(argv, options, {allowFailure: true})
    const result = parseValidationJson(r.stdout)
    // Exit 1 with the JSON document on stdout means "validated, not healthy"; without it, kops failed.
    if (!result) throw this.failure(argv, r, r.exitCode === 0 ? 'kops validate cluster printed no JSON' : undefined)
    return {healthy: r.exitCode === 0 && isHealthyValidation(result), result}
  }

  async exportKubeconfig(name: string, kubeconfigPath: string, options: KopsRunOptions = {}): Promise<void> {
    try {
      mkdirSync(dirname(kubeconfigPath), {recursive: true})
    } catch (error) {
      throw fileAccessError(error, dirname(kubeconfigPath), 'create directory', ['Pass a kubeconfig path in a directory you can write to'])
    }
    await this.run(['export', 'kubeconfig', '--name', name, '--admin', '--kubeconfig', kubeconfigPath], options)
  }

  async rollingUpdate(name: string, options: RollingUpdateOptions): Promise<{output: string; needsUpdate: string[]; groups: RollingUpdateGroup[]}> {
    const argv = ['rolling-update', 'cluster', '--name', name]
    if (options.yes) argv.push('--yes')
    if (options.instanceGroupRoles?.length) argv.push('--instance-group-roles', options.instanceGroupRoles.join(','))
    if (options.drainTimeout) argv.push('--drain-timeout', options.drainTimeout)
    if (options.validationTimeout) argv.push('--validation-timeout', options.validationTimeout)
    const r = await this.run(argv, options)
    return {output: r.stdout + r.stderr, ...(options.yes ? {needsUpdate: [], groups: []} : parseRollingUpdatePreview(r.stdout))}
  }

  async reconcileCluster(name: string, options: KopsRunOptions & {yes: boolean}): Promise<{output: string}> {
    const argv = ['reconcile', 'cluster', '--name', name, ...(options.yes ? ['--yes'] : [])]
    const r = await this.run(argv, options)
    return {output: r.stdout + r.stderr}
  }

  async deleteCluster(name: string, options: KopsRunOptions & {yes: boolean}): Promise<{output: string; resources: KopsResource[]}> {
    const argv = ['delete', 'cluster', '--name', name, ...(options.yes ? ['--yes'] : [])]
    const r = await this.run(argv, options)
    return {output: r.stdout + r.stderr, resources: parseDeletePreview(r.stdout)}
  }

  // ---------------------------------------------------------------- process plumbing

  private get binary(): string {
    return this.options.binary || 'kops'
  }

  /** `how.input` is written to kops' standard input (and never logged); otherwise stdin is closed. */
  private async run(argv: string[], options: KopsRunOptions, how: {allowFailure?: boolean; store?: boolean; input?: string} = {}): Promise<RunResult> {
    const store = how.store ?? true
    const env: Record<string, string | undefined> = {...this.options.env}
    if (store) {
      if (!this.options.stateStore && !env.KOPS_STATE_STORE) {
        throw new CliError(`kops ${argv.join(' ')} needs a state store; bind one with withStateStore()`) // a wiring bug, exit 10
      }
      if (this.options.stateStore) env.KOPS_STATE_STORE = this.options.stateStore
    }
    if (options.signal?.aborted) throw abortError(options.signal, argv)
    const timeoutMs = kopsTimeoutMs(argv, {requested: options.timeoutMs, overrides: this.options.timeouts})
    this.log(`\n$ kops ${argv.join(' ')}`)
    const onLine = (line: string): void => {
      this.log(line)
      options.onOutput?.(line)
    }
    const lineSink = function* (line: unknown): Generator<string> {
      onLine(String(line))
      yield String(line)
    }
    const subprocess = execa(this.binary, argv, {
      env,
      extendEnv: false,
      reject: false,
      ...(how.input === undefined ? {stdin: 'ignore' as const} : {input: how.input}),
      stdout: [lineSink],
      stderr: [lineSink],
      detached: true,
      maxBuffer: 64 * 1024 * 1024,
    })
    const group = subprocess.pid === undefined ? undefined : new ProcessGroup(subprocess.pid, this.options.killGraceMs ?? 5000)
    let stopped: 'cancelled' | 'timed-out' | undefined
    const stop = (why: 'cancelled' | 'timed-out'): void => {
      if (stopped) return
      stopped = why
      group?.end()
    }
    const onAbort = (): void => stop('cancelled')
    options.signal?.addEventListener('abort', onAbort, {once: true})
    const deadline = timeoutMs === undefined ? undefined : setTimeout(() => stop('timed-out'), timeoutMs)
    // The leader is gone, yet something it started may still hold our pipes (a wrapper's child).
    subprocess.once('exit', () => {
      if (!stopped) group?.endRest()
    })
    try {
      const result = await subprocess
      const run: RunResult = {exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr}
      // Checked before the exit code: a kops that handles SIGTERM still exits with a code of its own.
      if (stopped === 'cancelled' || (options.signal?.aborted && result.exitCode === undefined)) {
        this.log('[cancelled]')
        throw abortError(options.signal, argv)
      }
      if (stopped === 'timed-out') {
        this.log(`[timed out after ${timeoutMs} ms]`)
        throw new TimeoutError(`kops ${argv.slice(0, 2).join(' ')} did not finish within ${formatMs(timeoutMs ?? 0)} and was stopped`, {
          suggestions: [
            'Run again: every step resumes where it stopped',
            `If it needs longer, raise its deadline: --kops-timeout ${kopsStepOf(argv) ?? 'STEP'}=DURATION (or KOPSMITH_KOPS_TIMEOUT)`,
            ...(this.options.logFile ? [`Full output: ${this.options.logFile}`] : []),
          ],
          details: {argv: ['kops', ...argv], stderrTail: tailLines(run.stderr, STDERR_TAIL_LINES), timeoutMs},
        })
      }
      if (result.failed && result.exitCode === undefined) this.raiseSpawnFailure(result, argv, run)
      this.log(`[exit ${run.exitCode}]`)
      if (run.exitCode !== 0 && !how.allowFailure) throw this.failure(argv, run)
      return run
    } catch (error) {
      if (error instanceof CliError) throw error
      throw new KopsError(`kops ${argv.slice(0, 2).join(' ')} could not run: ${(error as Error).message}`, {argv: ['kops', ...argv], exitCode: undefined, stderrTail: '', logFile: this.options.logFile}, {cause: error})
    } finally {
      options.signal?.removeEventListener('abort', onAbort)
      if (deadline) clearTimeout(deadline)
      group?.settled()
    }
  }

  /** No exit code and not stopped by us: the binary did not start, or something killed it. */
  private raiseSpawnFailure(result: {code?: string; shortMessage?: string; message?: string; signal?: string}, argv: string[], run: RunResult): never {
    const code = result.code
    if (code === 'ENOENT' || code === 'EACCES') {
      const where = this.options.binary ? `"${this.options.binary}" (from --kops / KOPSMITH_KOPS)` : '"kops" on PATH'
      throw new PreconditionError(code === 'ENOENT' ? `kops was not found: ${where} does not exist` : `kops is not executable: ${where}`, {suggestions: [INSTALL_HINT, DOCTOR_SUGGESTION]})
    }
    throw new KopsError(`kops ${argv.slice(0, 2).join(' ')} could not run: ${result.shortMessage ?? result.message ?? `killed by ${result.signal ?? 'a signal'}`}`, {
      argv: ['kops', ...argv],
      exitCode: undefined,
      stderrTail: tailLines(run.stderr, STDERR_TAIL_LINES),
      logFile: this.options.logFile,
    })
  }

  private failure(argv: string[], r: RunResult, why?: string): KopsError {
    const tail = tailLines(r.stderr, STDERR_TAIL_LINES) || tailLines(r.stdout, STDERR_TAIL_LINES)
    const lastError = /^Error: (.+)$/m.exec(tailLines(r.stderr, STDERR_TAIL_LINES).split('\n').reverse().join('\n'))?.[1]
    const message = why ?? `kops ${argv.slice(0, 2).join(' ')} failed${lastError ? `: ${lastError}` : ''}`
    return new KopsError(message, {argv: ['kops', ...argv], exitCode: r.exitCode, stderrTail: tail, ...(this.options.logFile ? {logFile: this.options.logFile} : {})}, {
      suggestions: ['Fix the cause kops names above, then run the same kopsmith command again: finished steps are not redone'],
    })
  }

  private log(line: string): void {
    if (!this.options.logFile) return
    try {
      appendFileSync(this.options.logFile, `${line}\n`, {mode: 0o600})
    } catch {
      // The run log is a convenience; a full disk must not turn a working kops call into a failure.
    }
  }
}

/**
 * One kops call's process group (its leader's pid is the group id). `end` sends SIGTERM to every
 * member and SIGKILL after the grace period; `settled` is called once the call is over: a member
 * still running then (one that closed its pipes and ignored SIGTERM) is ended too.
 */
class ProcessGroup {
  private killTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly pgid: number,
    private readonly graceMs: number,
  ) {
    LIVE_GROUPS.add(pgid)
    installExitHook()
  }

  end(): void {
    this.signal('SIGTERM')
    this.killTimer ??= setTimeout(() => {
      this.signal('SIGKILL')
      // Gone now; never signal this id again, since a new group could get it later.
      LIVE_GROUPS.delete(this.pgid)
    }, this.graceMs)
  }

  /** After the leader exited on its own: end the members it left behind, if any. */
  endRest(): void {
    if (this.alive()) this.end()
  }

  settled(): void {
    if (!this.alive()) {
      if (this.killTimer) clearTimeout(this.killTimer)
      LIVE_GROUPS.delete(this.pgid)
      return
    }
    this.end()
    // Nothing waits for these any longer; the exit hook covers a kopsmith that exits first.
    this.killTimer?.unref()
  }

  private alive(): boolean {
    try {
      process.kill(-this.pgid, 0)
      return true
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM'
    }
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pgid, signal)
    } catch {
      // The group is gone already.
    }
  }
}

/** Groups started by this process that may still run; SIGKILLed if kopsmith exits before them. */
const LIVE_GROUPS = new Set<number>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const pgid of LIVE_GROUPS) {
      try {
        process.kill(-pgid, 'SIGKILL')
      } catch {
        // gone
      }
    }
  })
}

function abortError(signal: AbortSignal | undefined, argv: string[]): CliError {
  const reason: unknown = signal?.reason
  if (reason instanceof CliError) return reason
  return new InterruptedError(`kops ${argv.slice(0, 2).join(' ')} was stopped`, {cause: reason})
}

function parseJson(text: string, argv: string[]): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new KopsError(`kops ${argv.slice(0, 2).join(' ')} printed output that is not JSON`, {argv: ['kops', ...argv], exitCode: 0, stderrTail: text.slice(0, 500)}, {cause: error})
  }
}

function asArray(doc: unknown): Array<Record<string, unknown>> {
  if (Array.isArray(doc)) return doc as Array<Record<string, unknown>>
  return doc && typeof doc === 'object' ? [doc as Record<string, unknown>] : []
}

function formatMs(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)}m` : ms >= 1000 ? `${Math.round(ms / 1000)}s` : `${ms}ms`
}
