import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {parseDocument} from 'yaml'
import {describe, expect, it} from 'vitest'

import {InvalidFileError} from '../../../src/core/errors.js'
import {readYamlFast} from '../../../src/core/yaml-fast.js'
import {positionOf, readYamlDocument as readWith} from '../../../src/core/yaml-file.js'
import {ROOT} from '../../helpers/cli.js'

/** What the reference reader (eemeli/yaml, YAML 1.2 core schema) makes of a text, or undefined when it refuses it. */
function reference(text: string): unknown {
  const doc = parseDocument(text, {uniqueKeys: true})
  return doc.errors.length > 0 ? undefined : doc.toJS({maxAliasCount: 100})
}

/** The namespaces file's reader: js-yaml first, the reference reader for what it leaves. */
const readYamlDocument = (text: string, file: string) => readWith(text, file, readYamlFast)

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return yamlFiles(path)
    return /\.ya?ml$/.test(name) ? [path] : []
  })
}

// Plain scalars where YAML readers are known to disagree: YAML 1.1 words, number forms of other
// schemas, signs, exponents, special floats, dates, times, and strings that merely look like numbers.
const SCALARS = [
  'true', 'True', 'TRUE', 'false', 'yes', 'no', 'on', 'off', 'y', 'n', 'Yes', 'NO',
  'null', 'Null', 'NULL', '~', '', 'nil', 'None',
  '0', '-0', '+0', '7', '+7', '-7', '012', '0012', '1_000', '12345678901234567890',
  '0o17', '0o18', '-0o17', '+0o17', '0x1F', '0x1f', '-0x1F', '+0x1F', '0X1F', '0b101', '-0b101', '0b',
  '1.5', '-1.5', '+1.5', '.5', '-.5', '1.', '1e3', '1E3', '1e+3', '1e-3', '-1.5e-3', '1.0e3', 'e3', '1e', '1_0.5',
  '.inf', '.Inf', '.INF', '-.inf', '+.inf', '.nan', '.NaN', '.NAN', '-.nan', 'inf', 'NaN', 'Infinity',
  '2001-12-14', '2001-12-14t21:59:43.10-05:00', '1:30', '1:30:00', '190:20:30', '10.0.0.0/8', '10.30.0.0/16',
  '200m', '8Gi', '4', '"4"', "'4'", '!!str 4', '!!int "4"', '<<', '=', '0.0.0.0', 'v1.35.7', '1.35', '1.35.7',
  'a b', 'a # comment', '"a # not a comment"', '"\\u00e9\\t\\x41"', "'it''s'", '[1, 0x1F, "x", yes]', '{a: 1, b: off}',
]

describe('the fast reader agrees with the reference reader (YAML 1.2 core schema)', () => {
  it.each(SCALARS)('plain scalar %j', (scalar) => {
    const text = `value: ${scalar}\nlist:\n  - ${scalar}\n`
    const expected = reference(text)
    if (expected === undefined) {
      expect(() => readYamlDocument(text, 'f.yaml')).toThrow(InvalidFileError)
      return
    }
    // js-yaml itself reads it (not the reference reader behind it), and reads the same.
    expect(readYamlFast(text)).toEqual(expected)
    expect(readYamlDocument(text, 'f.yaml').data).toEqual(expected)
  })

  it('every YAML file kopsmith ships or tests with reads the same both ways', () => {
    const files = ['examples', 'test/fixtures', 'addons', 'data'].flatMap((dir) => yamlFiles(join(ROOT, dir)))
    expect(files.length).toBeGreaterThan(20)
    let compared = 0
    for (const file of files) {
      const text = readFileSync(file, 'utf8')
      const expected = reference(text)
      if (expected === undefined || expected === null || text.includes('\n---')) continue
      const fast = readYamlFast(text)
      if (fast === undefined) continue
      expect({file, data: fast}).toEqual({file, data: expected})
      compared++
    }
    expect(compared).toBeGreaterThan(20)
  })
})

describe('what only the reference reader decides', () => {
  it('an alias bomb is refused (anchors always go to the reference reader, which caps aliases)', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({length: 8}, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n')
    expect(() => readYamlDocument(bomb, 'bomb.yaml')).toThrow(/Excessive alias count/)
  })

  it('anchors and aliases still read as the reference reader reads them', () => {
    const text = 'base: &b {cpu: "4", memory: 8Gi}\nquota: *b\n'
    expect(readYamlDocument(text, 'f.yaml').data).toEqual({base: {cpu: '4', memory: '8Gi'}, quota: {cpu: '4', memory: '8Gi'}})
  })

  it('a duplicate key is a syntax error at its position', () => {
    const error = (() => {
      try {
        readYamlDocument('a: 1\nb: 2\na: 3\n', 'dup.yaml')
      } catch (e) {
        return e
      }
    })() as InvalidFileError
    expect(error).toBeInstanceOf(InvalidFileError)
    expect(error.issues[0]).toMatchObject({line: 3, message: expect.stringContaining('Map keys must be unique')})
  })

  it('an empty file is refused', () => {
    expect(() => readYamlDocument('# nothing\n', 'empty.yaml')).toThrow(/the file is empty/)
  })

  it('a file read fast still points at a field\'s line:column when asked', () => {
    const yaml = readYamlDocument('apiVersion: v1\nnamespaces:\n  - name: a\n  - name: b\n    team: x\n', 'ns.yaml')
    expect(positionOf(yaml.doc, yaml.lines, ['namespaces', 1, 'team'])).toEqual({line: 5, column: 5})
  })
})
