import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {GitCliConfig} from '../../../src/adapters/git-config.js'

/** git itself, with a private global config and no system config, in a directory outside any repository. */
function gitWith(globalConfig: string | undefined, path = process.env.PATH ?? '') {
  const dir = mkdtempSync(join(tmpdir(), 'kopsmith-git-'))
  const file = join(dir, 'gitconfig')
  writeFileSync(file, globalConfig ?? '')
  return new GitCliConfig({cwd: dir, env: {PATH: path, HOME: dir, GIT_CONFIG_GLOBAL: file, GIT_CONFIG_NOSYSTEM: '1', GIT_CEILING_DIRECTORIES: dir}})
}

describe('GitCliConfig (real git)', () => {
  it('reads user.email', async () => {
    await expect(gitWith('[user]\n\temail = alice@acme.de\n').userEmail()).resolves.toBe('alice@acme.de')
  })

  it('is undefined when user.email is not set', async () => {
    await expect(gitWith('[user]\n\tname = Alice\n').userEmail()).resolves.toBeUndefined()
  })

  it('is undefined when git is not installed', async () => {
    await expect(gitWith(undefined, '/nonexistent').userEmail()).resolves.toBeUndefined()
  })
})
