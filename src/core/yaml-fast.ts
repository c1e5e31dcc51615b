import * as jsYaml from 'js-yaml'

/**
 * A fast reader for YAML files kopsmith reads on paths that need no `yaml` otherwise (the namespaces
 * file, kubeconfigs): js-yaml parses a namespaces file of 100 namespaces in ~25 ms where `yaml`
 * takes ~150 ms plus ~45 ms to load — more than a converged re-run spends talking to the API.
 * What it cannot decide the same way it leaves to the reference reader (yaml-file.ts).
 */

/**
 * The YAML 1.2 core schema exactly as `yaml` resolves it (its schema/core/int.js and float.js).
 * js-yaml's own int type also reads `0b…` and signed `-0x…`/`+0o…`, and its float type misses
 * `-.5`; both are replaced, while its null and bool types already match.
 * test/unit/core/yaml-file.test.ts compares both readers scalar by scalar and file by file.
 */
/** Every int and float of the core schema starts with a sign, a dot or a digit: most scalars are names, and stop here. */
const numeric = (data: string | null): data is string => data !== null && /^[-+.0-9]/.test(data)
const CORE_INT = new jsYaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: string | null) => numeric(data) && /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/.test(data),
  construct: (data: string) => (data.startsWith('0o') ? parseInt(data.slice(2), 8) : data.startsWith('0x') ? parseInt(data.slice(2), 16) : parseInt(data, 10)),
  predicate: (value: unknown) => typeof value === 'number' && Number.isInteger(value),
})
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/
const CORE_FLOAT = new jsYaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: string | null) =>
    numeric(data) && (FLOAT_SPECIAL.test(data) || /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(data) || /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(data)),
  construct: (data: string) =>
    FLOAT_SPECIAL.test(data) ? (data.slice(-3).toLowerCase() === 'nan' ? NaN : data.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY) : parseFloat(data),
  predicate: (value: unknown) => typeof value === 'number',
})
// js-yaml exports its types at run time; @types/js-yaml does not declare them.
const {types} = jsYaml as unknown as {types: Record<'null' | 'bool', jsYaml.Type>}
const CORE_SCHEMA = jsYaml.FAILSAFE_SCHEMA.extend({implicit: [types.null, types.bool, CORE_INT, CORE_FLOAT]})

/** The data of a plain file (no anchors), read fast; undefined when the reference reader must decide. */
export function readYamlFast(text: string): unknown {
  // Aliases are shared references in js-yaml: an alias bomb would not blow up here but in whatever
  // walks the data next. `yaml` counts them (maxAliasCount), so any file with anchors goes there.
  if (/[&*]/.test(text)) return undefined
  try {
    const data = jsYaml.load(text, {schema: CORE_SCHEMA, json: false})
    return data === null || data === undefined ? undefined : data
  } catch {
    return undefined
  }
}

