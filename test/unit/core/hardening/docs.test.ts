import {readFileSync, writeFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {HARDENING_CHECKS} from '../../../../src/core/hardening/checks.js'
import {hardeningTableMarkdown, TABLE_END, TABLE_START, withHardeningTable} from '../../../../src/core/hardening/docs.js'
import {ROOT} from '../../../golden/cases.js'

const PAGE = `${ROOT}docs/hardening.md`

describe('docs/hardening.md', () => {
  it('holds exactly the table generated from HARDENING_CHECKS (UPDATE_GOLDEN=1 regenerates it)', () => {
    const page = readFileSync(PAGE, 'utf8')
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(PAGE, withHardeningTable(page))
    const current = readFileSync(PAGE, 'utf8')
    const table = current.slice(current.indexOf(TABLE_START), current.indexOf(TABLE_END) + TABLE_END.length)
    expect(table).toBe(hardeningTableMarkdown())
  })

  it('has one row per check with id, risk, kops field, expected value and fix as columns', () => {
    const rows = hardeningTableMarkdown()
      .split('\n')
      .filter((l) => /^\| H\d\d /.test(l))
      .map((l) => l.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim()))
    expect(rows.map((r) => r[0])).toEqual(HARDENING_CHECKS.map((c) => c.id))
    rows.forEach((row, i) => {
      const check = HARDENING_CHECKS[i]!
      expect(row).toHaveLength(5)
      expect(row[1]).toContain(check.risk.replaceAll('|', '\\|'))
      expect(row[2]).toBe(check.field.replaceAll('|', '\\|'))
      expect(row[3]).toBe(check.expected.replaceAll('|', '\\|'))
      expect(row[4]).toBe(check.fix.replaceAll('|', '\\|'))
    })
  })

  it('a changed check would show as a stale page', () => {
    const page = readFileSync(PAGE, 'utf8')
    const stale = page.replace('| H07 |', '| H07x |')
    expect(withHardeningTable(stale)).toBe(page)
    expect(stale).not.toBe(page)
  })
})
