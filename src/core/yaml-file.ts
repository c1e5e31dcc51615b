import {isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node} from 'yaml'
import type {z} from 'zod'

import {InvalidFileError, type FileIssue} from './errors.js'

/**
 * Parses a YAML file and validates it against a zod schema; every problem becomes a FileIssue
 * naming the field path and the line:column where it sits (or where its parent sits, for a
 * missing field). Shared by the cluster file and the namespaces file.
 */
export function parseYamlFile<S extends z.ZodType>(text: string, file: string, schema: S): {value: z.output<S>; doc: Document; lines: LineCounter} {
  const lines = new LineCounter()
  // YAML 1.1 is how Kubernetes reads manifests; users write these files next to manifests.
  const doc = parseDocument(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: true})
  if (doc.errors.length > 0) {
    throw new InvalidFileError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0]
        return {path: '', message: `YAML syntax: ${e.message.split('\n')[0]}`, line: pos?.line, column: pos?.col}
      }),
    )
  }
  const data: unknown = doc.toJS()
  if (data === null || data === undefined) throw new InvalidFileError(file, [{path: '', message: 'the file is empty; expected a YAML mapping', line: 1, column: 1}])
  const parsed = schema.safeParse(data)
  if (!parsed.success) {
    throw new InvalidFileError(file, parsed.error.issues.flatMap((issue) => issueToFileIssues(issue, doc, lines)))
  }
  return {value: parsed.data, doc, lines}
}

type Segment = string | number

export function formatPath(path: readonly Segment[]): string {
  return path.reduce<string>((out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out ? `${out}.${seg}` : seg), '')
}

/** Position of the node at `path`, or of its closest existing ancestor. Pairs point at their key. */
export function positionOf(doc: Document, lines: LineCounter, path: readonly Segment[]): {line: number; column: number} | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = nodeAt(doc, path.slice(0, depth), depth < path.length ? undefined : 'key')
    const offset = node?.range?.[0]
    if (offset !== undefined) {
      const pos = lines.linePos(offset)
      return {line: pos.line, column: pos.col}
    }
  }
  return undefined
}

function nodeAt(doc: Document, path: readonly Segment[], prefer?: 'key'): Node | undefined {
  if (path.length === 0) return doc.contents ?? undefined
  const parent = path.length === 1 ? doc.contents : (doc.getIn(path.slice(0, -1), true) as Node | undefined)
  const last = path[path.length - 1]
  if (prefer === 'key' && isMap(parent)) {
    const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === last)
    if (pair && isScalar(pair.key)) return pair.key
  }
  const node = doc.getIn(path as Segment[], true)
  return node && typeof node === 'object' && 'range' in (node as object) ? (node as Node) : undefined
}

function issueToFileIssues(issue: z.core.$ZodIssue, doc: Document, lines: LineCounter): FileIssue[] {
  const path = issue.path.filter((s): s is Segment => typeof s === 'string' || typeof s === 'number')
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: formatPath([...path, key]),
      message: `unknown field "${key}"; remove it or check its spelling`,
      ...positionOf(doc, lines, [...path, key]),
    }))
  }
  return [{path: formatPath(path), message: describeIssue(issue, doc, path), ...positionOf(doc, lines, path)}]
}

function describeIssue(issue: z.core.$ZodIssue, doc: Document, path: Segment[]): string {
  const present = doc.hasIn(path)
  switch (issue.code) {
    case 'invalid_type':
      return present ? `expected ${issue.expected}, got ${describeValue(doc.getIn(path))}` : `required field is missing (expected ${issue.expected})`
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(doc.getIn(path))}`
    case 'too_small':
      return issue.origin === 'array' ? `expected at least ${issue.minimum} item(s)` : issue.message
    default:
      return issue.message
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  return `${typeof value} ${JSON.stringify(value)}`
}
