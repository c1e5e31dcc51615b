import {mkdirSync} from 'node:fs'
import {chmod, mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'

import type {Workspace} from '../ports.js'

/** Files kopsmith writes for a run: logs, kubeconfigs, rendered manifests. */
export class FsWorkspace implements Workspace {
  private readonly root: string

  constructor(root: string) {
    this.root = resolve(root)
  }

  async writeFile(path: string, content: string, mode?: number): Promise<void> {
    const target = resolve(this.root, path)
    await mkdir(dirname(target), {recursive: true})
    await writeFile(target, content, mode === undefined ? 'utf8' : {encoding: 'utf8', mode})
    // writeFile's mode applies only to new files; an existing kubeconfig must be narrowed too.
    if (mode !== undefined) await chmod(target, mode)
  }

  async readFile(path: string): Promise<string | undefined> {
    try {
      return await readFile(resolve(this.root, path), 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }

  runLogPath(cluster: string, operation: string): string {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    const dir = join(this.root, 'logs', cluster)
    mkdirSync(dir, {recursive: true})
    return join(dir, `${stamp}-${operation}.log`)
  }

  resolve(path: string): string {
    return resolve(this.root, path)
  }

  async remove(path: string): Promise<void> {
    await rm(resolve(this.root, path), {force: true})
  }

  async setMode(path: string, mode: number): Promise<void> {
    await chmod(resolve(this.root, path), mode)
  }
}
