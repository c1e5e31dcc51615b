import {readdirSync} from 'node:fs'
import {join, relative} from 'node:path'

import type {Command} from '@oclif/core'
import {describe, expect, it} from 'vitest'

import {ROOT} from '../helpers/cli.js'

/** Every command class under src/commands, by command id. */
async function loadCommands(): Promise<Array<[string, typeof Command]>> {
  const dir = join(ROOT, 'src/commands')
  const files = readdirSync(dir, {recursive: true, encoding: 'utf8'}).filter((f) => f.endsWith('.ts'))
  return Promise.all(files.map(async (f) => [relative(dir, join(dir, f)).replace(/\.ts$/, '').replaceAll('/', ' '), ((await import(join(dir, f))) as {default: typeof Command}).default] as [string, typeof Command]))
}

/** What oclif's help prints as a flag's default: `defaultHelp` when the flag has one (util/cache-default-value.js), else `default`. */
async function shownDefault(flag: {default?: unknown; defaultHelp?: unknown}): Promise<unknown> {
  if (typeof flag.defaultHelp === 'function') return (flag.defaultHelp as (ctx: unknown) => Promise<unknown>)({flags: {}, options: flag})
  return flag.default
}

describe('flag help', () => {
  it('every duration flag shows its default as a duration people type (30m, not 1800000) that parses back to it', async () => {
    const durations: string[] = []
    for (const [id, command] of await loadCommands()) {
      for (const [name, flag] of Object.entries(command.flags ?? {})) {
        if (flag.type !== 'option' || flag.helpValue !== 'DURATION' || flag.default === undefined) continue
        const shown = await shownDefault(flag)
        durations.push(`${id} --${name}=${String(shown)}`)
        expect(typeof shown, `${id} --${name}`).toBe('string')
        expect(shown === '0' || !/^\d+$/.test(String(shown)), `${id} --${name} shows [default: ${String(shown)}]`).toBe(true)
        expect(await flag.parse(String(shown), {} as never, flag as never), `${id} --${name}`).toBe(flag.default)
      }
    }
    // The flags the test covered, so a flag that stops being a duration flag is noticed.
    expect(durations.sort()).toEqual(
      expect.arrayContaining(['cluster create --wait=30m', 'cluster upgrade --wait=30m', 'cluster upgrade --interval=10s', 'cluster validate --wait=0', 'cluster validate --interval=10s', 'addons install --timeout=5m', 'namespaces bootstrap --timeout=5m']),
    )
  })

  it('no numeric default of any flag is a bare number of milliseconds', async () => {
    for (const [id, command] of await loadCommands()) {
      for (const [name, flag] of Object.entries(command.flags ?? {})) {
        const shown = await shownDefault(flag)
        if (typeof shown === 'number') expect(shown, `${id} --${name} shows [default: ${shown}]; a duration? use durationFlag`).toBeLessThan(1000)
      }
    }
  })

  it('every state-store flag is --state: s3://BUCKET, KOPS_STATE_STORE, parsed to the bucket', async () => {
    const seen: string[] = []
    for (const [id, command] of await loadCommands()) {
      // cluster unlock keeps its own --state-bucket for now; it is changed on its own.
      if (id === 'cluster unlock') continue
      for (const [name, flag] of Object.entries(command.flags ?? {})) {
        if (flag.env !== 'KOPS_STATE_STORE' && !/state|bucket/.test(name)) continue
        seen.push(id)
        expect(name, id).toBe('state')
        expect(flag, id).toMatchObject({env: 'KOPS_STATE_STORE', helpValue: 's3://BUCKET'})
        expect(await (flag.parse as (input: string, ctx: never, opts: never) => Promise<unknown>)('s3://acme-kops-state', {} as never, flag as never), id).toBe('acme-kops-state')
      }
    }
    expect(seen.sort()).toEqual(['cluster delete', 'cluster list', 'cluster reap', 'cluster validate', 'sandbox create', 'sandbox extend'])
  })
})
