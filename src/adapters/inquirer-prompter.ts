import {InterruptedError, UsageError} from '../core/errors.js'
import type {Prompter} from '../ports.js'

/** Streams for the prompts; tests pass their own, the CLI uses the terminal. */
export interface PromptStreams {
  input?: NodeJS.ReadableStream
  output?: NodeJS.WritableStream
}

/**
 * The Prompter port on @inquirer/prompts 7. inquirer is imported inside each method, so commands
 * that never ask (and every non-interactive run) never load it. A non-interactive prompter refuses
 * every question with exit 2: services collect what they would ask and name the flags first, so
 * reaching this refusal means a flag is missing from that list.
 */
export class InquirerPrompter implements Prompter {
  constructor(
    readonly interactive: boolean,
    private readonly streams: PromptStreams = {},
  ) {}

  async confirm(message: string, defaultValue = false): Promise<boolean> {
    this.assertInteractive(message)
    const {confirm} = await import('@inquirer/prompts')
    return this.ask(message, () => confirm({message, default: defaultValue}, this.streams))
  }

  async input(message: string, options: {default?: string; validate?: (v: string) => true | string} = {}): Promise<string> {
    this.assertInteractive(message)
    const {input} = await import('@inquirer/prompts')
    const validate = options.validate
    const answer = await this.ask(message, () =>
      input({message, ...(options.default === undefined ? {} : {default: options.default}), ...(validate ? {validate: (v: string) => validate(v)} : {})}, this.streams),
    )
    return answer.trim()
  }

  async select<T extends string>(message: string, choices: Array<{value: T; name: string; description?: string}>, defaultValue?: T): Promise<T> {
    this.assertInteractive(message)
    const {select} = await import('@inquirer/prompts')
    return this.ask(message, () => select<T>({message, choices, ...(defaultValue === undefined ? {} : {default: defaultValue})}, this.streams))
  }

  private assertInteractive(message: string): void {
    if (this.interactive) return
    throw new UsageError(`cannot ask "${message}": this run is not interactive (no terminal, CI is set, or --json)`, {
      suggestions: ['Pass the answer as a flag (see --help)', 'Or run the command in a terminal'],
    })
  }

  /** Ctrl-C inside a prompt is inquirer's ExitPromptError; it becomes exit 130 like any interrupt. */
  private async ask<T>(message: string, prompt: () => Promise<T>): Promise<T> {
    try {
      return await prompt()
    } catch (error) {
      const name = (error as Error | undefined)?.name
      if (name === 'ExitPromptError' || name === 'AbortPromptError') {
        throw new InterruptedError(`interrupted at the question "${message}"`, {cause: error})
      }
      throw error
    }
  }
}
