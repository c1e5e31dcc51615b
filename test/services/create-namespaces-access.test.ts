import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {FsUserFiles} from '../../src/adapters/fs-user-files.js'
import {FsWorkspace} from '../../src/adapters/fs-workspace.js'
import {FsPackageFiles} from '../../src/adapters/package-files.js'
import {SystemClock} from '../../src/adapters/system-clock.js'
import {validateClusterFile} from '../../src/core/config/validate.js'
import {InvalidFileError} from '../../src/core/errors.js'
import {applyClusterCreate, type CreatePorts} from '../../src/services/apply-cluster-create.js'
import {FakeDns} from '../fakes/fake-dns.js'
import {FakeIdentity} from '../fakes/fake-identity.js'
import {FakeKops} from '../fakes/fake-kops.js'
import {FakeStateStore} from '../fakes/fake-state-store.js'
import {ROOT} from '../helpers/cli.js'

/**
 * `cluster create --yes` checks the teams of spec.namespaces.file against the cluster's
 * authentication first: a group nobody can hold stops the run before AWS, kops or the lock.
 */
describe('cluster create: namespaces whose teams nobody can log in as', () => {
  it('exit 3 naming namespaces[i].team, before anything is touched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kopsmith-create-ns-'))
    const production = readFileSync(join(ROOT, 'examples/production.yaml'), 'utf8')
    // Only the payments role is mapped; reporting-devs is held by no one.
    const text = production.replace(/^ {8}- \{roleARN: "arn:aws:iam::123456789012:role\/reporting-devs".*\n/m, '')
    expect(text).not.toBe(production)
    writeFileSync(join(dir, 'cluster.yaml'), text)
    writeFileSync(join(dir, 'namespaces.yaml'), readFileSync(join(ROOT, 'examples/namespaces.yaml'), 'utf8'))
    const config = validateClusterFile(text, 'cluster.yaml')

    const store = new FakeStateStore()
    const identity = new FakeIdentity()
    const kops = new FakeKops('1.35.2')
    const clock = new SystemClock()
    const ports: CreatePorts = {
      identity,
      store,
      dns: new FakeDns(),
      kops,
      clock,
      workspace: new FsWorkspace(join(dir, '.kopsmith')),
      packageFiles: new FsPackageFiles(),
      files: new FsUserFiles(dir),
      operation: {store, identity, clock, host: 'test-host', pid: 1, onInterrupt: () => () => {}},
      kube: async () => {
        throw new Error('never reached')
      },
    }
    const input = {config, file: 'cluster.yaml', skip: new Set(['addons'] as const), delegate: false, allowChanges: new Set<never>()}

    const error = await applyClusterCreate(ports, input, {display: 'silent', waitMs: 1000, command: ['cluster', 'create']}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidFileError)
    expect((error as InvalidFileError).exitCode).toBe(3)
    expect((error as InvalidFileError).issues.map((i) => [i.path, i.line])).toEqual([['namespaces[1].team', 13]])
    expect((error as InvalidFileError).suggestions[0]).toContain('in cluster.yaml')
    expect(identity.calls).toBe(0)
    expect(store.calls).toEqual([])
    expect(kops.calls).toEqual([])
  })
})
