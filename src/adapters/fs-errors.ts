import {FileAccessError} from '../core/errors.js'

/**
 * File-system failures that mean "this path cannot be used" (the user's, not kopsmith's, to fix),
 * in words instead of errno names. Anything else stays a bug.
 */
const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory, not a file',
  EEXIST: 'a file of that name is in the way',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  EFBIG: 'the file is too large',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
  EINVAL: 'not a valid path here',
}

export function fsErrorReason(error: unknown): string | undefined {
  const code = (error as {code?: unknown} | null)?.code
  return typeof code === 'string' ? REASONS[code] : undefined
}

/** The FileAccessError (exit 2) for a file-system error on `path`; errors that are not about the path are rethrown. */
export function fileAccessError(error: unknown, path: string, action: string, suggestions: string[] = []): FileAccessError {
  const reason = fsErrorReason(error)
  if (reason === undefined) throw error
  return new FileAccessError(path, action, reason, {suggestions})
}
