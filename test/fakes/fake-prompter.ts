import {InterruptedError, UsageError} from '../../src/core/errors.js'
import type {Prompter} from '../../src/ports.js'

/** Press Enter: take the prompt's default. */
export const ENTER = Symbol('enter')
/** Ctrl-C inside the prompt: the adapter turns inquirer's ExitPromptError into InterruptedError. */
export const CTRL_C = Symbol('ctrl-c')

export type ScriptedAnswer = string | boolean | typeof ENTER | typeof CTRL_C

export interface AskedQuestion {
  kind: 'confirm' | 'input' | 'select'
  message: string
  default?: string | boolean
  choices?: string[]
  /** What the menu shows for each choice, in order. */
  choiceNames?: string[]
  /** Messages the prompt's validate callback gave for rejected answers, in order. */
  rejected: string[]
}

/**
 * Replays scripted answers in order and records every question, so a test can assert what was
 * asked as well as what came of it. Like a person at the terminal, an input answer its `validate`
 * rejects is recorded and the next scripted answer is tried; a select answer must be one of the
 * offered values. Running out of answers fails the test loudly. Non-interactive, it refuses every
 * question the way InquirerPrompter does (UsageError, exit 2).
 *
 *   new FakePrompter().answering('alice', ENTER, '48h', true)
 */
export class FakePrompter implements Prompter {
  readonly asked: AskedQuestion[] = []
  private readonly script: ScriptedAnswer[] = []

  constructor(readonly interactive: boolean = true) {}

  answering(...answers: ScriptedAnswer[]): this {
    this.script.push(...answers)
    return this
  }

  /** Scripted answers nobody asked for (a test usually expects 0). */
  get unused(): number {
    return this.script.length
  }

  async confirm(message: string, defaultValue = false): Promise<boolean> {
    const q = this.record({kind: 'confirm', message, default: defaultValue, rejected: []})
    const a = this.next(q)
    if (a === ENTER) return defaultValue
    if (typeof a !== 'boolean') throw new Error(`FakePrompter: confirm "${message}" got ${String(a)}, expected true/false`)
    return a
  }

  async input(message: string, options: {default?: string; validate?: (v: string) => true | string} = {}): Promise<string> {
    const q = this.record({kind: 'input', message, ...(options.default === undefined ? {} : {default: options.default}), rejected: []})
    for (;;) {
      const a = this.next(q)
      const value = a === ENTER ? (options.default ?? '') : a
      if (typeof value !== 'string') throw new Error(`FakePrompter: input "${message}" got ${String(value)}, expected text`)
      const verdict = options.validate ? options.validate(value) : true
      if (verdict === true) return value.trim()
      q.rejected.push(verdict)
    }
  }

  async select<T extends string>(message: string, choices: Array<{value: T; name: string; description?: string}>, defaultValue?: T): Promise<T> {
    const q = this.record({kind: 'select', message, choices: choices.map((c) => c.value), choiceNames: choices.map((c) => c.name), ...(defaultValue === undefined ? {} : {default: defaultValue}), rejected: []})
    const a = this.next(q)
    const value = a === ENTER ? (defaultValue ?? choices[0]?.value) : a
    const choice = choices.find((c) => c.value === value)
    if (!choice) throw new Error(`FakePrompter: select "${message}" got ${String(value)}, not one of ${choices.map((c) => c.value).join(', ')}`)
    return choice.value
  }

  private record(q: AskedQuestion): AskedQuestion {
    if (!this.interactive) {
      throw new UsageError(`cannot ask "${q.message}": this run is not interactive (no terminal, CI is set, or --json)`)
    }
    this.asked.push(q)
    return q
  }

  private next(q: AskedQuestion): Exclude<ScriptedAnswer, typeof CTRL_C> {
    if (this.script.length === 0) throw new Error(`FakePrompter: no scripted answer left for ${q.kind} "${q.message}"`)
    const a = this.script.shift() as ScriptedAnswer
    if (a === CTRL_C) throw new InterruptedError(`interrupted at the question "${q.message}"`)
    return a
  }
}
