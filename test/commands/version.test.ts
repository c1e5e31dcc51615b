import {execFileSync} from 'node:child_process'

import {Config} from '@oclif/core'
import {describe, expect, it} from 'vitest'

import {ROOT} from '../helpers/cli.js'

describe('kopsmith --version', () => {
  it('prints exactly what oclif would print (its user agent)', async () => {
    const printed = execFileSync(process.execPath, [`${ROOT}bin/run.js`, '--version'], {encoding: 'utf8'})
    const config = await Config.load(ROOT)
    expect(printed).toBe(`${config.userAgent}\n`)
    expect(printed).toMatch(/^kopsmith\/\d+\.\d+\.\d+ \S+-\S+ node-v\d+/)
  })
})
