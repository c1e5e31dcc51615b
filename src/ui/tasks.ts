/**
 * Shows a run's steps as they execute. At a terminal: listr2, imported only here and only when a
 * run applies something, so dry runs and --help never pay for it. Without one (CI logs, scheduled
 * jobs): one timestamped line when a step starts and one when it ends, nothing redrawn.
 */
export interface TaskSpec {
  /** The plan step's id, shown in plain output so a log line can be matched with the plan. */
  id?: string
  title: string
  /** Returns a short result that replaces the title's tail, e.g. "(created)" or "(no change)". */
  run: (report: TaskReporter) => Promise<string | void>
}

export interface TaskReporter {
  /** A progress line shown under the running task (kops output, rollout status…). */
  output(line: string): void
}

export type TaskDisplay = 'tty' | 'plain' | 'silent'

export interface RunTasksOptions {
  /** No task starts once it has aborted: the run stops at the next step boundary. */
  signal?: AbortSignal
  /** Timestamps of plain lines. */
  now?: () => Date
  /** Where plain lines go (default: standard output). */
  write?: (line: string) => void
  /** The position of the first task in the whole plan and the plan's length: `[3/20]`. */
  position?: {first: number; total: number}
}

const stdoutLine = (line: string): void => void process.stdout.write(`${line}\n`)

/**
 * A step the caller performed itself (taking or releasing the lock), shown as the one line a
 * finished step gets, wherever progress is shown at all.
 */
export function showStepDone(display: TaskDisplay, label: string, outcome: string, options: Pick<RunTasksOptions, 'now' | 'write'> = {}): void {
  if (display === 'silent') return
  ;(options.write ?? stdoutLine)(`${(options.now ?? (() => new Date()))().toISOString()} done  ${label} (${outcome})`)
}

export async function runTasks(tasks: TaskSpec[], display: TaskDisplay, options: RunTasksOptions = {}): Promise<void> {
  if (display === 'tty') return runListr(tasks, options.signal)
  const write = display === 'silent' ? () => {} : (options.write ?? stdoutLine)
  const now = options.now ?? (() => new Date())
  const total = options.position?.total ?? tasks.length
  let index = options.position?.first ?? 1
  for (const t of tasks) {
    options.signal?.throwIfAborted()
    const label = `[${index}/${total}]${t.id ? ` ${t.id}:` : ''} ${t.title}`
    const started = now()
    write(`${started.toISOString()} start ${label}`)
    try {
      const outcome = await t.run({output: (line) => write(`${now().toISOString()}       ${line}`)})
      write(`${now().toISOString()} done  ${label}${outcome ? ` ${outcome}` : ''} (${formatElapsed(now().getTime() - started.getTime())})`)
    } catch (error) {
      const interrupted = options.signal?.aborted === true
      write(`${now().toISOString()} ${interrupted ? 'stop ' : 'fail '} ${label} (${formatElapsed(now().getTime() - started.getTime())})`)
      throw error
    }
    index++
  }
}

async function runListr(tasks: TaskSpec[], signal: AbortSignal | undefined): Promise<void> {
  const {Listr} = await import('listr2')
  const list = new Listr(
    tasks.map((t) => ({
      title: t.title,
      task: async (_ctx: unknown, task: {output: string; title: string}) => {
        signal?.throwIfAborted()
        const outcome = await t.run({output: (line) => (task.output = line)})
        if (outcome) task.title = `${t.title} ${outcome}`
      },
    })),
    {
      concurrent: false,
      exitOnError: true,
      // listr2's own SIGINT handler exits 127 at once; the lock's interrupt handler must run instead.
      registerSignalListeners: false,
      renderer: 'default',
      rendererOptions: {collapseErrors: false},
      fallbackRenderer: 'simple',
    },
  )
  await list.run()
}

/** 850ms, 4.2s, 3m07s, 1h02m. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  const s = Math.round(ms / 1000)
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}
