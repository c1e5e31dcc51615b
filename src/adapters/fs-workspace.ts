import {mkdirSync} from 'node:fs'
import {chmod, mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import {dirname, isAbsolute, join, relative, resolve, sep} from 'node:path'

import {CliError} from '../core/errors.js'
import type {Workspace} from '../ports.js'
import {fileAccessError} from './fs-errors.js'

const SUGGESTIONS = ['Set KOPSMITH_STATE_DIR to a writable directory of your own (default: $XDG_STATE_HOME/kopsmith, else ~/.local/state/kopsmith)']

/**
 * kopsmith's per-user state directory: admin kubeconfigs, run logs, rendered specs. Directories are
 * created 0700 and files written 0600 — an admin kubeconfig is a cluster-admin credential, and a
 * run log holds kops' full output. Every path stays inside the root (a cluster name can never point
 * it elsewhere: names are checked where they enter, and again here).
 */
export class FsWorkspace implements Workspace {
  private readonly root: string

  constructor(root: string) {
    this.root = resolve(root)
  }

  async writeFile(path: string, content: string, mode = 0o600): Promise<void> {
    const target = this.inside(path)
    await this.makeDir(dirname(target))
    try {
      await writeFile(target, content, {encoding: 'utf8', mode})
      // writeFile's mode applies only to new files; an existing kubeconfig must be narrowed too.
      await chmod(target, mode)
    } catch (error) {
      throw fileAccessError(error, target, 'write', SUGGESTIONS)
    }
  }

  async readFile(path: string): Promise<string | undefined> {
    try {
      return await readFile(this.inside(path), 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw fileAccessError(error, this.inside(path), 'read', SUGGESTIONS)
    }
  }

  runLogPath(cluster: string, operation: string): string {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    const dir = this.inside(join('logs', cluster))
    try {
      mkdirSync(dir, {recursive: true, mode: 0o700})
    } catch (error) {
      throw fileAccessError(error, dir, 'create directory', SUGGESTIONS)
    }
    return join(dir, `${stamp}-${operation}.log`)
  }

  resolve(path: string): string {
    return this.inside(path)
  }

  async remove(path: string): Promise<void> {
    try {
      await rm(this.inside(path), {force: true})
    } catch (error) {
      throw fileAccessError(error, this.inside(path), 'remove', SUGGESTIONS)
    }
  }

  async setMode(path: string, mode: number): Promise<void> {
    try {
      await chmod(this.inside(path), mode)
    } catch (error) {
      throw fileAccessError(error, this.inside(path), 'change the mode of', SUGGESTIONS)
    }
  }

  /** Creates a directory (and missing parents, the state root included) with mode 0700. */
  async makeDir(dir: string): Promise<void> {
    try {
      await mkdir(dir, {recursive: true, mode: 0o700})
    } catch (error) {
      throw fileAccessError(error, dir, 'create directory', SUGGESTIONS)
    }
  }

  private inside(path: string): string {
    const target = resolve(this.root, path)
    const rel = relative(this.root, target)
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw new CliError(`refusing a state path outside ${this.root}: ${path}`)
    }
    return target
  }
}
