/**
 * Turns plan steps into a listr2 task list. listr2 is imported only here and only when a run
 * actually applies something, so dry runs and --help never pay for it.
 */
export interface TaskSpec {
  title: string
  /** Returns a short result that replaces the title's tail, e.g. "(created)" or "(no change)". */
  run: (report: TaskReporter) => Promise<string | void>
}

export interface TaskReporter {
  /** A progress line shown under the running task (kops output, rollout status…). */
  output(line: string): void
}

export type TaskDisplay = 'tty' | 'plain' | 'silent'

/** With `signal`, no task starts once it has aborted: the run stops at the next step boundary. */
export async function runTasks(tasks: TaskSpec[], display: TaskDisplay, signal?: AbortSignal): Promise<void> {
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
      renderer: display === 'tty' ? 'default' : display === 'plain' ? 'simple' : 'silent',
      // Scheduled jobs read logs line by line: the plain renderer prints each transition once.
      rendererOptions: {collapseErrors: false},
      fallbackRenderer: 'simple',
    },
  )
  await list.run()
}
