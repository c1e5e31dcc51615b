import {readdir, readFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'

import type {PackageFiles} from '../ports.js'

/** The package root: two levels above this file in both `src/adapters` and `dist/adapters`. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The one loader for shipped data (`templates/`, `addons/`, `schema/`), resolved from the package root. */
export class FsPackageFiles implements PackageFiles {
  constructor(private readonly root: string = PACKAGE_ROOT) {}

  read(path: string): Promise<string> {
    return readFile(this.resolve(path), 'utf8')
  }

  async list(dir: string): Promise<string[]> {
    return (await readdir(this.resolve(dir))).sort()
  }

  private resolve(path: string): string {
    if (path.startsWith('/') || path.split('/').includes('..')) throw new Error(`package path must be relative: ${path}`)
    return this.root + path
  }
}
