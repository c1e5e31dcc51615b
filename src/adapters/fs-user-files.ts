import {access, chmod, mkdir, readFile, writeFile} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'

import type {UserFiles} from '../ports.js'

export class FsUserFiles implements UserFiles {
  constructor(private readonly cwd: string = process.cwd()) {}

  async read(path: string): Promise<string | undefined> {
    try {
      return await readFile(resolve(this.cwd, path), 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
      throw error
    }
  }

  async write(path: string, content: string, mode?: number): Promise<void> {
    const target = resolve(this.cwd, path)
    await mkdir(dirname(target), {recursive: true})
    await writeFile(target, content, 'utf8')
    if (mode !== undefined) await chmod(target, mode)
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
