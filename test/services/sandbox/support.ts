import {FsPackageFiles} from '../../../src/adapters/package-files.js'
import type {Clock, GitConfig, UserFiles} from '../../../src/ports.js'

/** The user's files in memory (clusters/…), with every write recorded. */
export class MemoryFiles implements UserFiles {
  readonly files = new Map<string, string>()
  readonly writes: string[] = []

  with(path: string, content: string): this {
    this.files.set(path, content)
    return this
  }

  async read(path: string): Promise<string | undefined> {
    return this.files.get(path)
  }

  async write(path: string, content: string): Promise<void> {
    this.writes.push(path)
    this.files.set(path, content)
  }

  async exists(path: string): Promise<boolean> {
    return this.files.has(path)
  }
}

export class FixedClock implements Clock {
  constructor(private current: Date) {}

  now(): Date {
    return new Date(this.current)
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms)
  }

  async sleep(ms: number): Promise<void> {
    this.advance(ms)
  }
}

export class StaticGitConfig implements GitConfig {
  calls = 0
  constructor(private readonly email: string | undefined) {}

  async userEmail(): Promise<string | undefined> {
    this.calls++
    return this.email
  }
}

/** The real package files: the shipped price table is what the wizard must quote. */
export const packageFiles = new FsPackageFiles()
