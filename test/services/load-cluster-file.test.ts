import {mkdtempSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

import {FsUserFiles} from '../../src/adapters/fs-user-files.js'
import {ExitCode, FileAccessError, InvalidFileError, RefusedError, UsageError} from '../../src/core/errors.js'
import type {UserFiles} from '../../src/ports.js'
import {loadClusterFile} from '../../src/services/load-cluster-file.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** A working directory holding copies of the examples and some trouble. */
function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kopsmith-load-'))
  writeFileSync(join(dir, 'prod.yaml'), readFileSync(`${ROOT}examples/production.yaml`, 'utf8'))
  writeFileSync(join(dir, 'bad.yaml'), readFileSync(`${ROOT}test/fixtures/cluster-files/invalid/min-greater-than-max.yaml`, 'utf8'))
  writeFileSync(join(dir, 'abroad.yaml'), readFileSync(`${ROOT}test/fixtures/cluster-files/invalid/region-eu-west-1.yaml`, 'utf8'))
  mkdirSync(join(dir, 'clusters'))
  return dir
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a failure')
    },
    (error: Error) => error,
  )
}

describe('loadClusterFile (through the real file-system adapter)', () => {
  const files = new FsUserFiles(workdir())

  it('returns the resolved config, the text as read, and the defaults applied', async () => {
    const loaded = await loadClusterFile(files, 'prod.yaml')
    expect(loaded.config.name).toBe('prod.k8s.acme.de')
    expect(loaded.config.controlPlane.count).toBe(3)
    expect(loaded.text).toBe(readFileSync(`${ROOT}examples/production.yaml`, 'utf8'))
    expect(loaded.defaultsApplied).toContain('spec.stateStore.discoveryBucket')
  })

  it('a missing file is a usage error (exit 2) with a way forward', async () => {
    const error = await failure(loadClusterFile(files, 'clusters/prod.yaml'))
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).exitCode).toBe(ExitCode.Usage)
    expect(error.message).toBe('cluster file not found: clusters/prod.yaml')
    expect((error as UsageError).suggestions).toEqual(expect.arrayContaining(['kopsmith cluster create -f examples/production.yaml --dry-run', 'kopsmith sandbox create']))
  })

  it('a directory is a usage error that says so', async () => {
    const error = await failure(loadClusterFile(files, 'clusters'))
    expect(error).toBeInstanceOf(UsageError)
    expect(error.message).toBe('cannot read cluster file clusters: it is a directory, not a file')
  })

  it('an empty path is a usage error', async () => {
    expect(await failure(loadClusterFile(files, ''))).toBeInstanceOf(UsageError)
  })

  it('an invalid file is exit 3 and names the file as given', async () => {
    const error = await failure(loadClusterFile(files, 'bad.yaml'))
    expect(error).toBeInstanceOf(InvalidFileError)
    expect(error.message).toContain('bad.yaml:29:7: spec.nodeGroups[0].minSize: minSize 13 is larger than maxSize 12')
  })

  it('a file outside Germany is refused (exit 9)', async () => {
    expect(await failure(loadClusterFile(files, 'abroad.yaml'))).toBeInstanceOf(RefusedError)
  })
})

describe('loadClusterFile with a port that fails', () => {
  it('turns an unreadable file into a usage error instead of a bug', async () => {
    const denied: UserFiles = {
      // What the adapter throws for EACCES (test/integration/fs/user-files.test.ts checks that mapping).
      read: () => Promise.reject(new FileAccessError('prod.yaml', 'read', 'permission denied')),
      write: () => Promise.resolve(),
      exists: () => Promise.resolve(true),
    }
    const error = await failure(loadClusterFile(denied, 'prod.yaml'))
    expect(error).toBeInstanceOf(UsageError)
    expect(error.message).toBe('cannot read cluster file prod.yaml: permission denied')
  })
})
