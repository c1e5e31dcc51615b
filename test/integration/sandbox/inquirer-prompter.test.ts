import {PassThrough} from 'node:stream'

import {describe, expect, it} from 'vitest'

import {InquirerPrompter} from '../../../src/adapters/inquirer-prompter.js'
import {InterruptedError, UsageError} from '../../../src/core/errors.js'

/** A terminal stand-in: keys go in through `input`, what inquirer draws comes out of `output`. */
function terminal() {
  const input = new PassThrough()
  const output = new PassThrough()
  let screen = ''
  output.on('data', (d: Buffer) => (screen += d.toString()))
  /** Types once the prompt shows `ready` on the screen (inquirer loads lazily; keys sent earlier race it). */
  const type = async (keys: string, ready: RegExp = /\?/) => {
    const deadline = Date.now() + 10_000
    while (!ready.test(screen) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    input.write(keys)
  }
  return {prompter: new InquirerPrompter(true, {input, output}), type, screen: () => screen}
}

describe('InquirerPrompter (real @inquirer/prompts on in-memory streams)', () => {
  it('input: returns the typed answer, and shows the validation message before accepting a fixed one', async () => {
    const t = terminal()
    const answer = t.prompter.input('Cluster name', {validate: (v) => (v === 'alice' ? true : 'must be alice')})
    await t.type('bob\r')
    await t.type('\x7f\x7f\x7falice\r', /must be alice/)
    await expect(answer).resolves.toBe('alice')
    expect(t.screen()).toContain('must be alice')
  })

  it('input: Enter takes the default', async () => {
    const t = terminal()
    const answer = t.prompter.input('Lifetime', {default: '72h'})
    await t.type('\r')
    await expect(answer).resolves.toBe('72h')
  })

  it('select: the default is preselected; arrow down picks the next choice', async () => {
    const t = terminal()
    const choices = [{value: 'small', name: 'small'}, {value: 'medium', name: 'medium'}, {value: 'large', name: 'large'}] as const
    const answer = t.prompter.select('Size', [...choices], 'medium')
    await t.type('\x1b[B\r')
    await expect(answer).resolves.toBe('large')
  })

  it('confirm: y and n', async () => {
    const t = terminal()
    const yes = t.prompter.confirm('Go?', false)
    await t.type('y\r')
    await expect(yes).resolves.toBe(true)
    const u = terminal()
    const no = u.prompter.confirm('Go?', true)
    await u.type('n\r')
    await expect(no).resolves.toBe(false)
  })

  it('Ctrl-C inside a prompt becomes InterruptedError (exit 130)', async () => {
    const t = terminal()
    const answer = t.prompter.input('Cluster name')
    await t.type('\x03')
    const error = await answer.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InterruptedError)
    expect((error as InterruptedError).exitCode).toBe(130)
    expect((error as InterruptedError).message).toBe('interrupted at the question "Cluster name"')
  })

  it('non-interactive: every question is refused with exit 2, and inquirer is never asked', async () => {
    const p = new InquirerPrompter(false)
    for (const ask of [() => p.input('Name'), () => p.confirm('Go?'), () => p.select('Size', [{value: 'small', name: 'small'}])]) {
      const error = await ask().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(UsageError)
      expect((error as UsageError).exitCode).toBe(2)
      expect((error as UsageError).message).toMatch(/this run is not interactive/)
    }
  })
})
