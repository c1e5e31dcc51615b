import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {EXIT_CODE_TABLE, ExitCode} from '../../../src/core/errors.js'

describe('exit codes', () => {
  it("the README table is the one help prints (EXIT_CODE_TABLE), row for row, code spans aside", () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
    const section = readme.slice(readme.indexOf('## Exit codes'))
    const rows = [...section.matchAll(/^\| (\d+) \| (.+) \|$/gm)].map((m) => [Number(m[1]), m[2]!.replaceAll('`', '')])
    expect(rows).toEqual(EXIT_CODE_TABLE.map(([code, meaning]) => [code, meaning]))
  })

  it('every ExitCode has a row', () => {
    expect(EXIT_CODE_TABLE.map(([code]) => code).sort((a, b) => a - b)).toEqual(Object.values(ExitCode).sort((a, b) => a - b))
  })
})
