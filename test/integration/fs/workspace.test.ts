import {mkdtempSync, statSync, writeFileSync} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {FsWorkspace} from '../../../src/adapters/fs-workspace.js'
import {FileAccessError} from '../../../src/core/errors.js'
import {kopsmithStateDir} from '../../../src/deps.js'

const mode = (path: string): number => statSync(path).mode & 0o777

describe("kopsmith's state directory", () => {
  it('KOPSMITH_STATE_DIR, else $XDG_STATE_HOME/kopsmith, else ~/.local/state/kopsmith — never the working directory', () => {
    expect(kopsmithStateDir({KOPSMITH_STATE_DIR: '/srv/kopsmith', XDG_STATE_HOME: '/xdg'})).toBe('/srv/kopsmith')
    expect(kopsmithStateDir({XDG_STATE_HOME: '/xdg'})).toBe('/xdg/kopsmith')
    // The XDG spec ignores relative paths.
    expect(kopsmithStateDir({XDG_STATE_HOME: 'relative'})).toBe(join(homedir(), '.local/state/kopsmith'))
    expect(kopsmithStateDir({})).toBe(join(homedir(), '.local/state/kopsmith'))
  })

  it('creates directories 0700 and writes files 0600, narrowing an existing file', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'kopsmith-ws-')), 'state')
    const ws = new FsWorkspace(root)
    await ws.writeFile('rendered/prod.k8s.acme.de/kops.yaml', 'kind: Cluster\n')
    expect(mode(root)).toBe(0o700)
    expect(mode(join(root, 'rendered'))).toBe(0o700)
    expect(mode(join(root, 'rendered/prod.k8s.acme.de/kops.yaml'))).toBe(0o600)
    writeFileSync(join(root, 'rendered/wide'), 'x', {mode: 0o644})
    await ws.writeFile('rendered/wide', 'y')
    expect(mode(join(root, 'rendered/wide'))).toBe(0o600)
    const log = ws.runLogPath('prod.k8s.acme.de', 'create')
    expect(log.startsWith(join(root, 'logs/prod.k8s.acme.de/'))).toBe(true)
    expect(mode(join(root, 'logs'))).toBe(0o700)
  })

  it('never resolves a path outside itself', () => {
    const ws = new FsWorkspace(mkdtempSync(join(tmpdir(), 'kopsmith-ws-')))
    expect(() => ws.resolve('../x')).toThrow(/outside/)
    expect(() => ws.runLogPath('../../x', 'delete')).toThrow(/outside/)
    expect(() => ws.resolve('/etc/passwd')).toThrow(/outside/)
  })

  it('a state directory that cannot be created is exit 2 naming it, with the way out', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'kopsmith-ws-'))
    writeFileSync(join(parent, 'file'), 'in the way')
    const ws = new FsWorkspace(join(parent, 'file', 'state'))
    const error = await ws.writeFile('kubeconfig/x', 'y').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(FileAccessError)
    expect((error as FileAccessError).message).toContain(`cannot create directory ${join(parent, 'file', 'state', 'kubeconfig')}`)
    expect((error as FileAccessError).suggestions.join(' ')).toContain('KOPSMITH_STATE_DIR')
  })
})
