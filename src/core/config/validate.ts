import type {FileIssue} from '../errors.js'
import {schemaIssues} from '../yaml-file.js'
import {checkClusterFileWith, type SchemaCheck, type ValidatedClusterFile, type ValidateOptions} from './check.js'
import {clusterFileSchema} from './schema.js'
import type {ClusterConfig} from './types.js'

export {KUBERNETES_MINORS, REGION_ZONES, type ValidatedClusterFile, type ValidateOptions} from './check.js'

/** The zod schema as a SchemaCheck: on failure, every issue with its path, position and wording. */
export const zodSchemaCheck: SchemaCheck = (data, yaml) => {
  const parsed = clusterFileSchema.safeParse(data)
  if (parsed.success) return {ok: true, value: parsed.data}
  const issues: FileIssue[] = schemaIssues(parsed.error, clusterFileSchema, yaml.doc, yaml.lines)
  return {ok: false, issues}
}

/**
 * Validates a cluster file and applies the profile defaults. Pure. Throws InvalidFileError (exit
 * 3) with every problem's field path and line:column, or RefusedError (exit 9) for a region
 * outside Germany; see `checkClusterFileWith`.
 */
export function validateClusterFile(text: string, file: string, options: ValidateOptions = {}): ClusterConfig {
  return checkClusterFile(text, file, options).config
}

/** `validateClusterFile`, also telling which fields were filled by defaults (for `config validate`). */
export function checkClusterFile(text: string, file: string, options: ValidateOptions = {}): ValidatedClusterFile {
  // The zod check always explains a rejection, so there is always a result or a throw.
  return checkClusterFileWith(text, file, options, zodSchemaCheck) as ValidatedClusterFile
}
