import {access, chmod, mkdir, open, writeFile} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'

import {isCliError} from '../core/errors.js'
import {decodeUtf8, MAX_INPUT_FILE_BYTES, tooLargeError} from '../core/input-file.js'
import type {UserFiles} from '../ports.js'
import {fileAccessError} from './fs-errors.js'

export class FsUserFiles implements UserFiles {
  constructor(private readonly cwd: string = process.cwd()) {}

  async read(path: string): Promise<string | undefined> {
    const bytes = await readBounded(resolve(this.cwd, path), path)
    return bytes === undefined ? undefined : decodeUtf8(bytes, path)
  }

  async write(path: string, content: string, mode?: number): Promise<void> {
    const target = resolve(this.cwd, path)
    try {
      await mkdir(dirname(target), {recursive: true})
    } catch (error) {
      throw fileAccessError(error, dirname(path), 'create directory', ['Pick a directory that does not exist yet or is a writable directory'])
    }
    try {
      await writeFile(target, content, 'utf8')
      if (mode !== undefined) await chmod(target, mode)
    } catch (error) {
      throw fileAccessError(error, path, 'write', ['Check that the directory exists, is a directory and is writable, or pick another path'])
    }
  }

  async exists(path: string): Promise<boolean> {
    try {
      await access(resolve(this.cwd, path))
      return true
    } catch {
      return false
    }
  }
}

/**
 * Reads at most MAX_INPUT_FILE_BYTES (+1 to notice more), whatever the file claims to be: devices
 * and pipes report size 0, so the limit is enforced on what is read, not on stat.
 * undefined when the file does not exist.
 */
export async function readBounded(target: string, shown: string): Promise<Uint8Array | undefined> {
  let handle
  try {
    handle = await open(target, 'r')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw fileAccessError(error, shown, 'read')
  }
  try {
    const buffer = Buffer.allocUnsafe(MAX_INPUT_FILE_BYTES + 1)
    let length = 0
    for (;;) {
      const {bytesRead} = await handle.read(buffer, length, buffer.length - length, null)
      if (bytesRead === 0) break
      length += bytesRead
      if (length > MAX_INPUT_FILE_BYTES) throw tooLargeError(shown)
    }
    return buffer.subarray(0, length)
  } catch (error) {
    if (isCliError(error)) throw error
    throw fileAccessError(error, shown, 'read')
  } finally {
    await handle.close()
  }
}
