import {createRequire} from 'node:module'

import type * as Yaml from 'yaml'
import type {Document, LineCounter, Node} from 'yaml'
import type {z} from 'zod'

import {InvalidFileError, type FileIssue} from './errors.js'

type Segment = string | number

/** Reads a file's data faster than the reference reader, or returns undefined to leave the file to it. */
export type FastReader = (text: string) => unknown

/** A parsed YAML document, with what is needed to point at a field's line:column. */
export interface YamlDocument {
  /** Plain JavaScript value of the document (mappings become objects). */
  data: unknown
  /** The document with its positions, parsed when first asked for (an error message needs it). */
  readonly doc: Document
  readonly lines: LineCounter
}

/**
 * `yaml` (eemeli/yaml) is the reference reader: it keeps every node's position, so each problem is
 * reported at its line:column, and it caps aliases. It is also ten times slower than js-yaml (see
 * yaml-fast.ts), so a caller whose command needs no `yaml` otherwise passes `readYamlFast`: the file
 * is read with js-yaml, and `yaml` is loaded (lazily, synchronously) only for a file js-yaml leaves
 * to it and for positions in error messages. Cluster files are small and every command that reads
 * one renders YAML with `yaml` anyway, so they go to the reference reader directly.
 */
const require = createRequire(import.meta.url)
/** The `yaml` library, loaded on first use (synchronously: its callers are synchronous). */
export const yamlLib = (): typeof Yaml => require('yaml') as typeof Yaml

/**
 * Parses a YAML file and validates it against a zod schema; every problem becomes a FileIssue
 * naming the field path and the line:column where it sits (or where its parent sits, for a
 * missing field). Shared by the cluster file and the namespaces file.
 */
export function parseYamlFile<S extends z.ZodType>(text: string, file: string, schema: S, fastReader?: FastReader): {value: z.output<S>} & Pick<YamlDocument, 'doc' | 'lines'> {
  const yaml = readYamlDocument(text, file, fastReader)
  const parsed = schema.safeParse(yaml.data)
  if (!parsed.success) throw new InvalidFileError(file, schemaIssues(parsed.error, schema, yaml.doc, yaml.lines))
  return {
    value: parsed.data,
    get doc() {
      return yaml.doc
    },
    get lines() {
      return yaml.lines
    },
  }
}

/**
 * Parses YAML only (no schema). Syntax errors, duplicate keys and an empty file throw
 * InvalidFileError (exit 3) with the position of each problem.
 */
export function readYamlDocument(text: string, file: string, fastReader?: FastReader): YamlDocument {
  const fast = fastReader?.(text)
  if (fast === undefined) return readWithPositions(text, file)
  let positions: YamlDocument | undefined
  const withPositions = (): YamlDocument => (positions ??= readWithPositions(text, file))
  return {
    data: fast,
    get doc() {
      return withPositions().doc
    },
    get lines() {
      return withPositions().lines
    },
  }
}

/** The reference reader: positions, alias limits, and the error messages a user sees. */
function readWithPositions(text: string, file: string): YamlDocument {
  const {LineCounter, parseDocument} = yamlLib()
  const lines = new LineCounter()
  // YAML 1.2 core schema (the library default), so `no`, `on` or `1:30` stay strings instead of
  // silently becoming booleans or numbers; a wrong type is then reported, not guessed.
  const doc = parseDocument(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: true})
  const [first, ...cascade] = doc.errors
  if (first) {
    // Later syntax errors are nearly always the parser stumbling on after the first: report that one.
    const pos = lines.linePos(first.pos[0])
    const more = cascade.length > 0 ? ` (${cascade.length} more syntax error(s) after it, most likely caused by this one)` : ''
    throw new InvalidFileError(file, [{path: '', message: `YAML syntax: ${first.message.split('\n')[0]}${more}`, line: pos.line, column: pos.col}], {
      suggestions: ['Check indentation, brackets and quoting at the position shown; quote values containing ": " or " #"'],
    })
  }
  let data: unknown
  try {
    data = doc.toJS({maxAliasCount: 100})
  } catch (error) {
    throw new InvalidFileError(file, [{path: '', message: `YAML: ${(error as Error).message}`, line: 1, column: 1}])
  }
  if (data === null || data === undefined) {
    throw new InvalidFileError(file, [{path: '', message: 'the file is empty; expected a YAML mapping', line: 1, column: 1}])
  }
  return {data, doc, lines}
}

/** Turns zod issues into FileIssues with field paths, positions and words a user can act on. */
export function schemaIssues(error: z.ZodError, schema: z.ZodType, doc: Document, lines: LineCounter): FileIssue[] {
  return error.issues.flatMap((issue) => issueToFileIssues(issue, schema, doc, lines))
}

export function formatPath(path: readonly Segment[]): string {
  return path.reduce<string>((out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out ? `${out}.${seg}` : seg), '')
}

/**
 * Position of the field at `path`, or of its closest existing ancestor (so a missing field points
 * at the key of its parent mapping). Mapping entries point at their key, list items at the item.
 */
export function positionOf(doc: Document, lines: LineCounter, path: readonly Segment[]): {line: number; column: number} | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const offset = nodeAt(doc, path.slice(0, depth))?.range?.[0]
    if (offset !== undefined) {
      const pos = lines.linePos(offset)
      return {line: pos.line, column: pos.col}
    }
  }
  return undefined
}

function nodeAt(doc: Document, path: readonly Segment[]): Node | undefined {
  const {isMap, isPair, isScalar, isSeq} = yamlLib()
  if (path.length === 0) return doc.contents ?? undefined
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true)
  const last = path[path.length - 1]
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(last))
    return pair && isScalar(pair.key) ? pair.key : undefined
  }
  if (isSeq(parent) && typeof last === 'number') {
    const item = parent.items[last]
    return item && typeof item === 'object' && 'range' in item ? (item as Node) : undefined
  }
  return undefined
}

function issueToFileIssues(issue: z.core.$ZodIssue, schema: z.ZodType, doc: Document, lines: LineCounter): FileIssue[] {
  const path = issue.path.filter((s): s is Segment => typeof s === 'string' || typeof s === 'number')
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(schema, path)
    return issue.keys.map((key) => ({
      path: formatPath([...path, key]),
      message: describeUnknownKey(key, known),
      ...positionOf(doc, lines, [...path, key]),
    }))
  }
  return [{path: formatPath(path), message: describeIssue(issue, doc, path), ...positionOf(doc, lines, path)}]
}

function describeIssue(issue: z.core.$ZodIssue, doc: Document, path: Segment[]): string {
  const present = doc.hasIn(path) || path.length === 0
  const value: unknown = path.length === 0 ? doc.toJS() : doc.getIn(path)
  switch (issue.code) {
    case 'invalid_type': {
      const expected = TYPE_WORDS[issue.expected] ?? issue.expected
      return present && value !== undefined ? `expected ${expected}, got ${describeValue(value)}` : `required field is missing (expected ${expected})`
    }
    case 'invalid_value': {
      const allowed = issue.values.map((v) => JSON.stringify(v))
      const expected = allowed.length === 1 ? allowed[0] : `one of ${allowed.join(', ')}`
      return present ? `expected ${expected}, got ${describeValue(value)}` : `required field is missing (expected ${expected})`
    }
    case 'too_small':
      if (issue.origin === 'array') return `expected at least ${issue.minimum} item(s)`
      if (issue.origin === 'number') return `expected a number of at least ${issue.minimum}, got ${describeValue(value)}`
      return issue.message
    case 'too_big':
      if (issue.origin === 'array') return `expected at most ${issue.maximum} item(s)`
      if (issue.origin === 'number') return `expected a number of at most ${issue.maximum}, got ${describeValue(value)}`
      return issue.message
    case 'invalid_format':
      // Our schemas carry their own "expected …" wording; add what was actually written.
      return typeof value === 'string' ? `${issue.message}, got ${JSON.stringify(value)}` : issue.message
    default:
      return issue.message
  }
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
}

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value) || yamlLib().isSeq(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  return `${typeof value} ${JSON.stringify(value)}`
}

function describeUnknownKey(key: string, known: string[]): string {
  const close = closestKey(key, known)
  if (close) return `unknown field "${key}"; did you mean "${close}"?`
  if (known.length > 0) return `unknown field "${key}"; expected one of: ${known.join(', ')}`
  return `unknown field "${key}"; remove it or check its spelling`
}

/** A known key within two edits of `key` (case-insensitively), the likely intended spelling. */
function closestKey(key: string, known: string[]): string | undefined {
  let best: {name: string; distance: number} | undefined
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase())
    if (distance <= 2 && (!best || distance < best.distance)) best = {name, distance}
  }
  return best?.name
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

interface SchemaDef {
  type: string
  innerType?: z.ZodType
  in?: z.ZodType
  element?: z.ZodType
  shape?: Record<string, z.ZodType>
}

/** Keys the schema allows in the object at `path` (for "did you mean"); [] when not an object. */
function knownKeysAt(schema: z.ZodType, path: readonly Segment[]): string[] {
  let current: z.ZodType | undefined = unwrap(schema)
  for (const segment of path) {
    const def: SchemaDef = current._zod.def as SchemaDef
    current = def.type === 'object' && typeof segment === 'string' ? def.shape?.[segment] : def.type === 'array' ? def.element : undefined
    if (!current) return []
    current = unwrap(current)
  }
  const def = current._zod.def as SchemaDef
  return def.type === 'object' ? Object.keys(def.shape ?? {}).filter((k) => !k.startsWith('$')) : []
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema
  for (;;) {
    const def = current._zod.def as SchemaDef
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined)
    if (!inner) return current
    current = inner
  }
}
