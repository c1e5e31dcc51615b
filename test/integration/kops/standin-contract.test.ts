import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {pathToFileURL} from 'node:url'

import {beforeEach, describe, expect, it} from 'vitest'
import YAML from 'yaml'

import {kopsObjects, STANDIN, tempDir} from './standin.js'

/**
 * The stand-in itself against kops-contract.md: the texts and exit codes the adapter and the
 * services depend on. If kops changes, this is the file to change first.
 */
const NAME = 'c1.k8s.acme.de'

describe('kops stand-in contract', () => {
  let dir: string
  let root: string
  let store: string
  const kops = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(STANDIN, args, {env: {PATH: process.env.PATH, HOME: dir, KOPS_STATE_STORE: store, ...env}, encoding: 'utf8'})
    return {code: r.status, stdout: r.stdout, stderr: r.stderr}
  }
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text)
    return join(dir, name)
  }
  const keys = (): string[] => {
    const walk = (d: string): string[] => (existsSync(d) ? readdirSync(d).flatMap((e) => (statSync(join(d, e)).isDirectory() ? walk(join(d, e)) : [relative(root, join(d, e))])) : [])
    return walk(join(root, NAME)).sort()
  }

  beforeEach(() => {
    dir = tempDir()
    root = join(dir, 'state')
    store = pathToFileURL(root).href
  })

  const create = (version = '1.34.10') => kops(['create', '-f', file('c.yaml', kopsObjects({name: NAME, kubernetesVersion: version}))])
  const secret = () => kops(['create', 'secret', 'encryptionconfig', '--name', NAME, '-f', file('enc.yaml', 'kind: EncryptionConfiguration\n')])

  it('create -f prints what it created, and refuses an existing cluster with exit 1', () => {
    const first = create()
    expect(first.code).toBe(0)
    expect(first.stdout).toContain(`Created cluster/${NAME}`)
    expect(first.stdout).toContain('Created instancegroup/nodes-general')
    const again = create()
    expect(again.code).toBe(1)
    expect(again.stderr.trim()).toBe(`Error: cluster "${NAME}" already exists`)
  })

  it('replace -f needs --force for a cluster that does not exist', () => {
    const f = file('c.yaml', kopsObjects({name: NAME, kubernetesVersion: '1.34.10'}))
    expect(kops(['replace', '-f', f]).stderr).toContain(`cluster ${NAME} does not exist (try adding --force flag)`)
    expect(kops(['replace', '-f', f, '--force']).code).toBe(0)
    expect(keys()).toContain(`${NAME}/config`)
  })

  it('update --yes needs the encryptionconfig secret when spec.encryptionConfig is true, and then lays out the state', () => {
    create()
    const refused = kops(['update', 'cluster', '--name', NAME, '--yes'])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toContain('no encryptionconfig secret has been set')
    expect(refused.stderr).toContain('could not find encryptionconfig secret')
    expect(secret().code).toBe(0)
    expect(secret().stderr).toContain('already exists. The `--force` flag can be passed')
    const applied = kops(['update', 'cluster', '--name', NAME, '--yes'])
    expect(applied.code).toBe(0)
    expect(applied.stdout).toContain('Cluster is starting.')
    expect(keys()).toEqual([
      `${NAME}/addons/bootstrap-channel.yaml`,
      `${NAME}/cluster-completed.spec`,
      `${NAME}/config`,
      `${NAME}/igconfig/control-plane/control-plane-eu-central-1a/nodeupconfig.yaml`,
      `${NAME}/igconfig/node/nodes-general/nodeupconfig.yaml`,
      `${NAME}/instancegroup/control-plane-eu-central-1a`,
      `${NAME}/instancegroup/nodes-general`,
      `${NAME}/kops-version.txt`,
      `${NAME}/pki/private/kubernetes-ca/keyset.yaml`,
      `${NAME}/secrets/encryptionconfig`,
    ])
    expect(kops(['update', 'cluster', '--name', NAME, '--yes']).stdout).toContain('Cluster changes have been applied to the cloud.')
  })

  it('refuses Kubernetes newer than its own minor unless KOPS_RUN_TOO_NEW_VERSION, and older than its floor', () => {
    create('1.36.3')
    secret()
    const tooNew = kops(['update', 'cluster', '--name', NAME, '--yes'])
    expect(tooNew.code).toBe(1)
    expect(tooNew.stdout).toContain('upgrading kops is required')
    expect(tooNew.stderr.trim()).toBe('Error: kops upgrade is required')
    expect(kops(['update', 'cluster', '--name', NAME, '--yes'], {KOPS_RUN_TOO_NEW_VERSION: '1'}).code).toBe(0)
    expect(kops(['update', 'cluster', '--name', NAME], {KOPS_STANDIN_VERSION: '1.37.0'}).code).toBe(0) // 1.36 is inside kops 1.37's range
    const old = 'old.k8s.acme.de'
    kops(['create', '-f', file('old.yaml', kopsObjects({name: old, kubernetesVersion: '1.30.2'}).replace('encryptionConfig: true', 'encryptionConfig: false'))])
    const tooOld = kops(['update', 'cluster', '--name', old], {KOPS_STANDIN_VERSION: '1.36.2'})
    expect(tooOld.code).toBe(1)
    expect(tooOld.stderr.trim()).toBe('Error: kubernetes upgrade is required')
    const older = kops(['update', 'cluster', '--name', NAME, '--yes'], {KOPS_STANDIN_VERSION: '1.36.2'})
    expect(older.code).toBe(0)
    const downgrade = kops(['update', 'cluster', '--name', NAME, '--yes'], {KOPS_STANDIN_VERSION: '1.36.1'})
    expect(downgrade.code).toBe(1)
    expect(downgrade.stderr).toContain('kops version older than last used to update the cluster')
  })

  it('validate: an error without JSON before update --yes; afterwards one JSON document, no failures key when healthy', () => {
    create()
    secret()
    const before = kops(['validate', 'cluster', '--name', NAME, '-o', 'json'])
    expect([before.code, before.stdout]).toEqual([1, ''])
    expect(before.stderr).toContain('unexpected error during validation')
    kops(['update', 'cluster', '--name', NAME, '--yes'])
    const seq = {KOPS_STANDIN_HEALTH: 'unhealthy-then-healthy:2'}
    const results = [1, 2, 3].map(() => kops(['validate', 'cluster', '--name', NAME, '-o', 'json'], seq))
    expect(results.map((r) => r.code)).toEqual([1, 1, 0])
    expect(results[0]?.stderr.trim()).toBe('Error: validation failed: cluster not yet healthy')
    const healthy = results[2]?.stdout ?? ''
    expect(healthy.endsWith('}')).toBe(true) // json.Marshal + Write: no newline
    expect(Object.keys(JSON.parse(healthy) as object)).toEqual(['nodes'])
    expect(Object.keys(JSON.parse(results[0]?.stdout ?? '{}') as object)).toEqual(['failures', 'nodes'])
    const table = kops(['validate', 'cluster', '--name', NAME])
    expect(table.stdout).toContain(`Your cluster ${NAME} is ready`)
  })

  it('get: an array when listing, one object for one name; exit 1 "no clusters found" when empty', () => {
    expect(kops(['get', 'clusters', '-o', 'json']).stderr.trim()).toBe('Error: no clusters found')
    create()
    expect(Array.isArray(JSON.parse(kops(['get', 'clusters', '-o', 'json']).stdout))).toBe(true)
    expect(JSON.parse(kops(['get', 'cluster', NAME, '-o', 'json']).stdout)).toMatchObject({kind: 'Cluster', metadata: {name: NAME}})
    expect(kops(['get', 'cluster', 'nope', '-o', 'json']).stderr.trim()).toBe('Error: cluster not found "nope"')
    expect(JSON.parse(kops(['get', 'ig', '--name', NAME, 'nodes-general', '-o', 'json']).stdout)).toMatchObject({kind: 'InstanceGroup'})
    expect(kops(['get', 'ig', '--name', 'nope', '-o', 'json']).stderr.trim()).toBe('Error: cluster "nope" was not found')
    expect(YAML.parse(kops(['get', 'cluster', NAME, '-o', 'yaml']).stdout)).toMatchObject({spec: {kubernetesVersion: '1.34.10'}})
  })

  it('reconcile exists from kops 1.31 and rolls the control plane before the nodes', () => {
    create()
    secret()
    kops(['update', 'cluster', '--name', NAME, '--yes'])
    expect(kops(['reconcile', 'cluster', '--name', NAME, '--yes'], {KOPS_STANDIN_VERSION: '1.30.4'}).stderr).toContain('unknown command "reconcile" for "kops"')
    expect(kops(['upgrade', 'cluster', '--name', NAME, '--yes']).stdout).toContain('1.34.10 \t1.35.7')
    const r = kops(['reconcile', 'cluster', '--name', NAME, '--yes'])
    expect(r.code).toBe(0)
    const phases = r.stdout.split('\n').filter((l) => /^(Updating|Waiting|Performing|Pruning)/.test(l))
    expect(phases).toEqual([
      'Updating control plane configuration',
      'Waiting for the kubernetes API to be served',
      'Performing rolling-update for control plane',
      'Updating node configuration',
      'Performing rolling-update for nodes',
      'Pruning old resources that are no longer used',
    ])
    const drained = r.stderr.split('\n').filter((l) => l.includes('Stopping instance')).map((l) => /in group "([^.]+)/.exec(l)?.[1])
    expect(drained).toEqual(['control-plane-eu-central-1a', 'nodes-general', 'nodes-general'])
    expect(kops(['rolling-update', 'cluster', '--name', NAME]).stdout).toContain('No rolling-update required.')
  })

  it('delete needs --name, previews without --yes, and refuses to remove state with unknown files beside it', () => {
    create()
    secret()
    kops(['update', 'cluster', '--name', NAME, '--yes'])
    expect(kops(['delete', 'cluster']).stderr.trim()).toBe('Error: --name is required (for safety)')
    const preview = kops(['delete', 'cluster', '--name', NAME])
    expect(preview.code).toBe(0)
    expect(preview.stdout.split('\n')[0]).toMatch(/^TYPE\s+NAME\s+ID$/)
    expect(preview.stdout).toContain('Must specify --yes to delete cluster')
    mkdirSync(join(root, NAME, 'kopsmith'), {recursive: true})
    writeFileSync(join(root, NAME, 'kopsmith', 'lock.json'), '{}')
    const refused = kops(['delete', 'cluster', '--name', NAME, '--yes'])
    expect(refused.code).toBe(1)
    expect(refused.stderr.trim()).toBe(`Error: error removing cluster from state store: refusing to delete: unknown file found: ${store}/${NAME}/kopsmith/lock.json`)
    expect(keys()).toContain(`${NAME}/config`)
    // The cloud resources went first; a second attempt has none left to list.
    expect(kops(['delete', 'cluster', '--name', NAME]).stdout).toContain('No cloud resources to delete')
  })

  it('delete removes every kops file when nothing else is there', () => {
    create()
    secret()
    kops(['update', 'cluster', '--name', NAME, '--yes'])
    const r = kops(['delete', 'cluster', '--name', NAME, '--yes'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`Deleted cluster: "${NAME}"`)
    expect(keys()).toEqual([])
  })

  it('fails on request with realistic output, counting calls per command', () => {
    create()
    const fail = {KOPS_STANDIN_FAIL_AT: 'get-clusters:2'}
    expect(kops(['get', 'clusters'], fail).code).toBe(0) // call 1
    const second = kops(['get', 'clusters'], fail)
    expect(second.code).toBe(1)
    expect(second.stderr).toContain('Error: get clusters failed: RequestLimitExceeded')
    expect(kops(['get', 'clusters'], fail).code).toBe(0) // call 3
    expect(kops(['frobnicate']).stderr).toContain('unknown command "frobnicate" for "kops"')
    expect(kops(['get', 'clusters', '--bogus']).stderr).toContain('unknown flag: --bogus')
  })
})
