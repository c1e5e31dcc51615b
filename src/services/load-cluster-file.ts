import {checkClusterFileWith, type SchemaCheck, type ValidateOptions} from '../core/config/check.js'
import type {ClusterFile} from '../core/config/schema.js'
import type {ClusterConfig} from '../core/config/types.js'
import {FileAccessError, UsageError} from '../core/errors.js'
import type {PrecompiledValidator} from '../core/precompiled-validator.js'
import type {UserFiles} from '../ports.js'
import {loadPrecompiledValidator} from './precompiled-validators.js'

export interface LoadedClusterFile {
  config: ClusterConfig
  /** The file as read, for audit records and for writing it back (sandbox wizard). */
  text: string
  /** Field paths filled by defaults, for `config validate`. */
  defaultsApplied: string[]
}

const START_HERE = ['kopsmith cluster create -f examples/production.yaml --dry-run', 'kopsmith sandbox create']

/**
 * Reads and validates a cluster file. A missing or unreadable path is a usage error (exit 2);
 * an invalid file — including one that is not UTF-8 or larger than MAX_INPUT_FILE_BYTES — is
 * exit 3, and a region outside Germany exit 9 (from validateClusterFile).
 *
 * A valid file is checked by the precompiled validator, so zod is neither loaded nor compiled at
 * start-up; when that says no, the zod schema runs to explain every problem.
 */
export async function loadClusterFile(
  files: UserFiles,
  path: string,
  options: ValidateOptions = {},
  validator: Promise<PrecompiledValidator | undefined> = loadPrecompiledValidator('core/config/cluster-file.precompiled.js'),
): Promise<LoadedClusterFile> {
  if (path.trim() === '') throw new UsageError('no cluster file given', {suggestions: ['Pass the file with -f FILE', ...START_HERE]})
  const text = await readClusterFile(files, path)
  const fast = await validator
  const checked = fast ? checkClusterFileWith(text, path, options, precompiledCheck(fast)) : undefined
  const {config, defaultsApplied} = checked ?? (await import('../core/config/validate.js')).checkClusterFile(text, path, options)
  return {config, text, defaultsApplied}
}

export function precompiledCheck(validate: PrecompiledValidator): SchemaCheck {
  return (data) => {
    // The validator fills defaults in place; the raw data must stay as written (defaultsApplied).
    const value = structuredClone(data)
    return validate(value) ? {ok: true, value: value as ClusterFile} : {ok: false}
  }
}

async function readClusterFile(files: UserFiles, path: string): Promise<string> {
  let text: string | undefined
  try {
    text = await files.read(path)
  } catch (error) {
    if (!(error instanceof FileAccessError)) throw error
    throw new UsageError(`cannot read cluster file ${path}: ${error.reason}`, {
      details: {path, reason: error.reason},
      suggestions: ['Pass the path of a cluster file (YAML), such as examples/production.yaml', ...START_HERE],
    })
  }
  if (text === undefined) {
    throw new UsageError(`cluster file not found: ${path}`, {
      suggestions: [`Check the path (relative to the current directory): ${path}`, ...START_HERE],
    })
  }
  return text
}
