import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {fileAccessError} from '../../../src/adapters/fs-errors.js'
import {FsUserFiles} from '../../../src/adapters/fs-user-files.js'
import {ExitCode, FileAccessError, InvalidFileError} from '../../../src/core/errors.js'
import {MAX_INPUT_FILE_BYTES} from '../../../src/core/input-file.js'

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'kopsmith-files-'))
}

async function failure(promise: Promise<unknown>): Promise<Error & {exitCode?: number}> {
  return promise.then(
    () => {
      throw new Error('expected a failure')
    },
    (error: Error) => error,
  )
}

describe('FsUserFiles.read: bounded, UTF-8 only', () => {
  it('reads UTF-8 text, with umlauts, as it is', async () => {
    const d = dir()
    writeFileSync(join(d, 'ok.yaml'), 'owner: jürgen@acme.de\n')
    expect(await new FsUserFiles(d).read('ok.yaml')).toBe('owner: jürgen@acme.de\n')
  })

  it('refuses bytes that are not UTF-8 (exit 3) with the line and column, instead of storing U+FFFD', async () => {
    const d = dir()
    writeFileSync(join(d, 'latin1.yaml'), Buffer.concat([Buffer.from('a: 1\nowner: j'), Buffer.from([0xfc]), Buffer.from('rgen@acme.de\n')]))
    const error = await failure(new FsUserFiles(d).read('latin1.yaml'))
    expect(error).toBeInstanceOf(InvalidFileError)
    expect(error.exitCode).toBe(ExitCode.InvalidFile)
    expect((error as InvalidFileError).issues).toEqual([{path: '', message: 'the file is not UTF-8 text: save it as UTF-8', line: 2, column: 9}])
  })

  it('refuses a file over the limit (exit 3) and one byte less is read', async () => {
    const d = dir()
    writeFileSync(join(d, 'big.yaml'), Buffer.alloc(MAX_INPUT_FILE_BYTES + 1, 0x61))
    writeFileSync(join(d, 'limit.yaml'), Buffer.alloc(MAX_INPUT_FILE_BYTES, 0x61))
    const error = await failure(new FsUserFiles(d).read('big.yaml'))
    expect(error).toBeInstanceOf(InvalidFileError)
    expect(error.message).toContain('larger than 4 MiB')
    expect((await new FsUserFiles(d).read('limit.yaml'))?.length).toBe(MAX_INPUT_FILE_BYTES)
  })

  it('stops reading an endless device at the limit, in bounded memory', async () => {
    const before = process.memoryUsage().rss
    const error = await failure(new FsUserFiles('/').read('/dev/zero'))
    expect(error.message).toContain('larger than 4 MiB')
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024)
  })

  it('a directory is exit 2 naming the path; a missing file is undefined', async () => {
    const d = dir()
    mkdirSync(join(d, 'clusters'))
    const error = await failure(new FsUserFiles(d).read('clusters'))
    expect(error).toBeInstanceOf(FileAccessError)
    expect(error.message).toBe('cannot read clusters: it is a directory, not a file')
    expect(await new FsUserFiles(d).read('missing.yaml')).toBeUndefined()
  })
})

describe('FsUserFiles.write', () => {
  it('an output directory that is a file is exit 2 naming the path', async () => {
    const d = dir()
    writeFileSync(join(d, 'out'), 'not a directory')
    const error = await failure(new FsUserFiles(d).write('out/plan.json', '{}'))
    expect(error).toBeInstanceOf(FileAccessError)
    expect(error.exitCode).toBe(ExitCode.Usage)
    expect(error.message).toBe('cannot create directory out: a file of that name is in the way')
  })
})

describe('fileAccessError', () => {
  it.each([
    ['EACCES', 'permission denied'],
    ['EROFS', 'the file system is read-only'],
    ['ENOSPC', 'no space left on the device'],
  ])('%s → exit 2 saying %s (root cannot provoke these here, so the mapping is checked directly)', (code, reason) => {
    const error = fileAccessError(Object.assign(new Error(`${code}: …`), {code}), 'out/x.yaml', 'write')
    expect(error).toMatchObject({exitCode: ExitCode.Usage, message: `cannot write out/x.yaml: ${reason}`, details: {path: 'out/x.yaml', reason}})
  })

  it('anything that is not about the path stays what it was (a bug)', () => {
    const odd = Object.assign(new Error('EMFILE'), {code: 'EMFILE'})
    expect(() => fileAccessError(odd, 'x', 'read')).toThrow(odd)
  })
})
