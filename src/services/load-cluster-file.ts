import {checkClusterFile, type ValidateOptions} from '../core/config/validate.js'
import type {ClusterConfig} from '../core/config/types.js'
import {CliError, UsageError} from '../core/errors.js'
import type {UserFiles} from '../ports.js'

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
 * an invalid file is exit 3 and a region outside Germany exit 9 (from validateClusterFile).
 */
export async function loadClusterFile(files: UserFiles, path: string, options: ValidateOptions = {}): Promise<LoadedClusterFile> {
  if (path.trim() === '') throw new UsageError('no cluster file given', {suggestions: ['Pass the file with -f FILE', ...START_HERE]})
  const text = await readClusterFile(files, path)
  const {config, defaultsApplied} = checkClusterFile(text, path, options)
  return {config, text, defaultsApplied}
}

async function readClusterFile(files: UserFiles, path: string): Promise<string> {
  let text: string | undefined
  try {
    text = await files.read(path)
  } catch (error) {
    if (error instanceof CliError) throw error
    throw new UsageError(`cannot read cluster file ${path}: ${reasonOf(error)}`, {
      cause: error,
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

/** The UserFiles adapter passes file-system errors through; say what they mean, not errno names. */
function reasonOf(error: unknown): string {
  const code = (error as {code?: unknown} | null)?.code
  switch (code) {
    case 'EISDIR':
      return 'it is a directory, not a file'
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'ELOOP':
      return 'too many symbolic links'
    default:
      return error instanceof Error ? error.message : String(error)
  }
}
