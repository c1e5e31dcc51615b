import {spawn} from 'node:child_process'
import {existsSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {CreateBucketCommand} from '@aws-sdk/client-s3'
import {beforeEach, describe, expect, it, vi} from 'vitest'
import YAML from 'yaml'

import {ExecaKops} from '../../../src/adapters/kops/execa-kops.js'
import {CliError, FileAccessError, InterruptedError, KopsError, PreconditionError, TimeoutError} from '../../../src/core/errors.js'
import {ROOT} from '../../helpers/cli.js'
import {motoClients, motoEnv, uniqueBucket} from '../../helpers/moto.js'
import {isAlive, KOPS_WRAPPER} from '../create/support.js'
import {callLines, kopsObjects, readCallLog, seedCluster, STANDIN, tempDir} from './standin.js'

const NAME = 'dev.k8s.acme.de'

describe('ExecaKops against the kops stand-in', () => {
  let dir: string
  let store: string
  let callLog: string
  let env: Record<string, string | undefined>
  const kops = (extra: Record<string, string> = {}, options: {logFile?: string; killGraceMs?: number} = {}) =>
    new ExecaKops({binary: STANDIN, env: {...env, ...extra}, ...(options.killGraceMs ? {killGraceMs: options.killGraceMs} : {})}).withStateStore(store, options.logFile ? {logFile: options.logFile} : {})

  beforeEach(() => {
    dir = tempDir()
    store = pathToFileURL(join(dir, 'state')).href
    callLog = join(dir, 'calls.jsonl')
    env = {PATH: process.env.PATH, HOME: dir, KOPS_STANDIN_LOG: callLog}
  })

  it('reads both kops version formats', async () => {
    expect(await new ExecaKops({binary: STANDIN, env: {...env, KOPS_STANDIN_VERSION: '1.35.2'}}).version()).toEqual({version: '1.35.2', minor: '1.35'})
    expect(await new ExecaKops({binary: STANDIN, env: {...env, KOPS_STANDIN_VERSION: '1.28.4'}}).version()).toEqual({version: '1.28.4', minor: '1.28'})
    expect(callLines(callLog)).toEqual(['version', 'version'])
  })

  it('turns a missing binary into PreconditionError (exit 4) with an install hint', async () => {
    const missing = new ExecaKops({binary: join(dir, 'no-such-kops'), env})
    const error = await missing.version().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PreconditionError)
    expect((error as CliError).exitCode).toBe(4)
    expect((error as CliError).message).toContain('no-such-kops')
    expect((error as CliError).suggestions.join(' ')).toContain('kops.sigs.k8s.io')
    const onPath = await new ExecaKops({env: {PATH: dir}}).version().catch((e: unknown) => e)
    expect(onPath).toBeInstanceOf(PreconditionError)
    expect((onPath as CliError).message).toContain('"kops" on PATH')
  })

  it('maps the empty store (kops exits 1 "no clusters found") to [] and an absent cluster to undefined', async () => {
    const k = kops()
    expect(await k.listClusters()).toEqual([])
    expect(await k.getCluster(NAME)).toBeUndefined()
    expect(await k.getInstanceGroups(NAME)).toEqual([])
    expect(readCallLog(callLog).map((e) => [e.argv.join(' '), e.exitCode])).toEqual([
      ['get clusters -o json', 1],
      [`get cluster ${NAME} -o json`, 1],
      [`get instancegroups --name ${NAME} -o json`, 1],
    ])
  })

  it('creates, reads back and replaces objects, passing KOPS_STATE_STORE and argv arrays', async () => {
    const k = kops()
    const file = join(dir, 'kops.yaml')
    writeFileSync(file, kopsObjects({name: NAME, kubernetesVersion: '1.34.10', profile: 'sandbox'}))
    await k.createFromFile(file)
    const stored = await k.getCluster(NAME)
    expect(stored).toMatchObject({kind: 'Cluster', metadata: {name: NAME}, spec: {kubernetesVersion: '1.34.10', configBase: `${store}/${NAME}`}})
    expect((await k.listClusters()).map((c) => (c.metadata as {name: string}).name)).toEqual([NAME])
    expect((await k.getInstanceGroups(NAME)).map((g) => (g.metadata as {name: string}).name)).toEqual(['control-plane-eu-central-1a', 'nodes-general'])

    const changed = {...stored, spec: {...(stored?.spec as object), kubernetesVersion: '1.35.7'}}
    await k.replaceFromContent(YAML.stringify(changed))
    expect((await k.getCluster(NAME))?.spec).toMatchObject({kubernetesVersion: '1.35.7'})
    // The temporary file is gone once kops has read it.
    const replaceArgv = readCallLog(callLog).find((e) => e.command === 'replace')?.argv ?? []
    expect(replaceArgv.slice(0, 2)).toEqual(['replace', '-f'])
    expect(existsSync(replaceArgv[2] ?? '')).toBe(false)
    expect(existsSync(join(dir, 'state', NAME, 'config'))).toBe(true)
  })

  it('reports a failing kops call as KopsError (exit 5) with argv, exit code and the last 20 stderr lines', async () => {
    const k = kops({KOPS_STANDIN_FAIL_AT: 'create'})
    writeFileSync(join(dir, 'kops.yaml'), kopsObjects({name: NAME, kubernetesVersion: '1.34.10'}))
    const error = (await k.createFromFile(join(dir, 'kops.yaml')).catch((e: unknown) => e)) as KopsError
    expect(error).toBeInstanceOf(KopsError)
    expect(error.exitCode).toBe(5)
    expect(error.failure.argv).toEqual(['kops', 'create', '-f', join(dir, 'kops.yaml')])
    expect(error.failure.exitCode).toBe(1)
    const tail = error.failure.stderrTail.split('\n')
    expect(tail).toHaveLength(20)
    expect(tail.slice(-2)).toEqual(['Error: create failed: RequestLimitExceeded: Request limit exceeded.', '\tstatus code: 503, request id: 7c1f'])
    expect(tail[0]).toContain('Tasks: 24 done') // 27 lines in all: the first 7 progress lines were cut
    expect(error.message).toContain('kops create -f failed: create failed: RequestLimitExceeded')
    expect(error.message).toContain('exit code: 1')
  })

  it('fails only the Nth call when told to (update-cluster:2)', async () => {
    seedCluster(store, {name: NAME, kubernetesVersion: '1.34.10'})
    const k = kops({KOPS_STANDIN_FAIL_AT: 'update-cluster:2'})
    // Counted from the first call made under the rule (the seed's update ran without it).
    expect(await k.updateCluster(NAME, {yes: false})).toMatchObject({changesPending: false})
    await expect(k.updateCluster(NAME, {yes: false})).rejects.toBeInstanceOf(KopsError)
    expect(await k.updateCluster(NAME, {yes: false})).toMatchObject({changesPending: false})
    expect(readCallLog(callLog).filter((e) => e.command === 'update-cluster').map((e) => e.exitCode)).toEqual([0, 1, 0])
  })

  it('validates once without --wait: healthy, unhealthy (exit 1 with JSON) and unreachable (exit 1 without)', async () => {
    writeFileSync(join(dir, 'kops.yaml'), kopsObjects({name: NAME, kubernetesVersion: '1.34.10', nodes: 2}))
    await kops().createFromFile(join(dir, 'kops.yaml'))
    const unreachable = await kops().validateCluster(NAME).catch((e: unknown) => e)
    expect(unreachable).toBeInstanceOf(KopsError)
    expect((unreachable as KopsError).failure.stderrTail).toContain('no such host')

    seedCluster(store, {name: 'other.k8s.acme.de', kubernetesVersion: '1.34.10'})
    const healthy = await kops().validateCluster('other.k8s.acme.de')
    expect(healthy.healthy).toBe(true)
    expect(healthy.result.failures).toEqual([])
    expect(healthy.result.nodes.map((n) => [n.role, n.status])).toEqual([
      ['control-plane', 'True'],
      ['node', 'True'],
      ['node', 'True'],
    ])
    const unhealthy = await kops({KOPS_STANDIN_HEALTH: 'unhealthy'}).validateCluster('other.k8s.acme.de')
    expect(unhealthy.healthy).toBe(false)
    expect(unhealthy.result.failures.map((f) => f.type)).toEqual(['Node', 'InstanceGroup', 'Pod'])
    expect(unhealthy.result.failures[1]).toMatchObject({instanceGroup: 'nodes-general'})
    expect(readCallLog(callLog).filter((e) => e.command === 'validate-cluster').map((e) => [e.argv.includes('--wait'), e.exitCode])).toEqual([
      [false, 1],
      [false, 0],
      [false, 1],
    ])
  })

  it('reads update dry-runs, rolling-update previews and delete previews from kops text', async () => {
    seedCluster(store, {name: NAME, kubernetesVersion: '1.34.10'})
    const k = kops()
    expect((await k.updateCluster(NAME, {yes: false})).changesPending).toBe(false)
    const stored = await k.getCluster(NAME)
    await k.replaceFromContent(YAML.stringify({...stored, spec: {...(stored?.spec as object), kubernetesVersion: '1.35.7'}}))
    expect((await k.updateCluster(NAME, {yes: false})).changesPending).toBe(true)
    await k.updateCluster(NAME, {yes: true, instanceGroupRoles: ['control-plane', 'apiserver']})
    const rolling = await k.rollingUpdate(NAME, {yes: false})
    expect(rolling.needsUpdate).toEqual(['control-plane-eu-central-1a'])
    expect(rolling.groups).toEqual([
      {name: 'control-plane-eu-central-1a', status: 'NeedsUpdate', needUpdate: 1, ready: 0, min: 1, target: 1, max: 1, nodes: 1},
      {name: 'nodes-general', status: 'Ready', needUpdate: 0, ready: 2, min: 2, target: 2, max: 3, nodes: 2},
    ])
    const preview = await k.deleteCluster(NAME, {yes: false})
    expect(preview.resources.map((r) => r.type)).toEqual(expect.arrayContaining(['vpc', 'instance', 'autoscaling-group']))
    expect(callLines(callLog).slice(-4)).toEqual([
      `update cluster --name ${NAME}`,
      `update cluster --name ${NAME} --yes --instance-group-roles control-plane,apiserver --create-kube-config=false`,
      `rolling-update cluster --name ${NAME}`,
      `delete cluster --name ${NAME}`,
    ])
  })

  it('creates the encryptionconfig secret from content on standard input (-f -), never from a file, and logs no key', async () => {
    writeFileSync(join(dir, 'kops.yaml'), kopsObjects({name: NAME, kubernetesVersion: '1.34.10'}))
    await kops().createFromFile(join(dir, 'kops.yaml'))
    const key = 'c2VjcmV0LWtleS1tYXRlcmlhbC0wMTIzNDU2Nzg5YWJjZGVm'
    const content = `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - aescbc:\n          keys:\n            - {name: key1, secret: ${key}}\n`
    const logFile = join(dir, 'run.log')
    await kops({}, {logFile}).createEncryptionConfigSecret(NAME, content)
    const stored = JSON.parse(readFileSync(join(dir, 'state', NAME, 'secrets', 'encryptionconfig'), 'utf8')) as {Data: string}
    expect(Buffer.from(stored.Data, 'base64').toString('utf8')).toBe(content)
    expect(callLines(callLog).at(-1)).toBe(`create secret encryptionconfig --name ${NAME} -f -`)
    expect(readFileSync(logFile, 'utf8')).not.toContain(key)
    expect(await kops().hasEncryptionConfig(NAME)).toBe(true)
    // A second create fails like kops, and the error names no key material.
    const error = (await kops().createEncryptionConfigSecret(NAME, content).catch((e: unknown) => e)) as KopsError
    expect(error).toBeInstanceOf(KopsError)
    expect(JSON.stringify({message: error.message, failure: error.failure})).not.toContain(key)
  })

  it('exports an admin kubeconfig to the given file', async () => {
    seedCluster(store, {name: NAME, kubernetesVersion: '1.34.10'})
    const path = join(dir, 'kube', NAME)
    await kops().exportKubeconfig(NAME, path)
    const doc = YAML.parse(readFileSync(path, 'utf8')) as {contexts: Array<{name: string}>; users: Array<{name: string}>}
    expect(doc.contexts.map((c) => c.name)).toEqual([NAME])
    expect(doc.users.map((u) => u.name)).toEqual([NAME])
    expect(statSync(path).mode & 0o777).toBe(0o600)
  })

  it('a kubeconfig path whose directory cannot be made is a file access error (exit 2) naming it, before kops runs', async () => {
    seedCluster(store, {name: NAME, kubernetesVersion: '1.34.10'})
    writeFileSync(join(dir, 'not-a-dir'), 'x')
    const path = join(dir, 'not-a-dir', 'kube', NAME)
    const error = (await kops().exportKubeconfig(NAME, path).catch((e: unknown) => e)) as FileAccessError
    expect(error).toBeInstanceOf(FileAccessError)
    expect(error.exitCode).toBe(2)
    expect(error.message).toContain(join(dir, 'not-a-dir', 'kube'))
    expect(error.message).toContain('a part of the path is a file, not a directory')
  })

  it('streams output lines to onOutput and appends them to the run log', async () => {
    seedCluster(store, {name: NAME, kubernetesVersion: '1.34.10'})
    const logFile = join(dir, 'run.log')
    const lines: string[] = []
    await kops({}, {logFile}).updateCluster(NAME, {yes: false, onOutput: (l) => lines.push(l)})
    expect(lines).toContain('No changes need to be applied')
    expect(lines.some((l) => l.includes('executor.go'))).toBe(true) // stderr too
    const log = readFileSync(logFile, 'utf8')
    expect(log).toContain(`$ kops update cluster --name ${NAME}`)
    expect(log).toContain('No changes need to be applied')
    expect(log).toContain('[exit 0]')
  })

  it('stops a call that runs past timeoutMs with TimeoutError (exit 7)', async () => {
    const started = Date.now()
    const error = await kops({KOPS_STANDIN_SLEEP_MS: '5000'}).listClusters({timeoutMs: 400}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as CliError).exitCode).toBe(7)
    expect(Date.now() - started).toBeLessThan(4000)
  })

  it('kills the child when the signal aborts: SIGTERM, then SIGKILL when it ignores SIGTERM', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(new InterruptedError('Ctrl-C')), 500)
    const started = Date.now()
    const error = await kops({KOPS_STANDIN_SLEEP_MS: '10000', KOPS_STANDIN_IGNORE_SIGTERM: '1'}, {killGraceMs: 300})
      .listClusters({signal: controller.signal})
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InterruptedError)
    expect((error as CliError).message).toBe('Ctrl-C')
    expect(Date.now() - started).toBeLessThan(5000)

    const polite = new AbortController()
    setTimeout(() => polite.abort(), 500)
    const error2 = await kops({KOPS_STANDIN_SLEEP_MS: '10000'}).listClusters({signal: polite.signal}).catch((e: unknown) => e)
    expect(error2).toBeInstanceOf(InterruptedError)
    // The stand-in logs a SIGTERM it obeys; the one that ignored it was killed and logged nothing.
    expect(readCallLog(callLog).filter((e) => e.signal === 'SIGTERM')).toHaveLength(1)
  })

  describe('the whole process tree of a kops call ends with it (kops run by a wrapper script)', () => {
    const pidsFile = () => join(dir, 'pids.txt')
    /** The wrapper runs kops as its child, plus (for `sidekick` commands) a helper that ignores SIGTERM and holds the pipes. */
    const wrapped = (extra: Record<string, string> = {}, options: {killGraceMs?: number; timeouts?: Record<string, number>} = {}) =>
      new ExecaKops({binary: KOPS_WRAPPER, env: {...env, KOPS_WRAPPER_PIDS: pidsFile(), ...extra}, killGraceMs: options.killGraceMs ?? 300, ...(options.timeouts ? {timeouts: options.timeouts} : {})}).withStateStore(store)
    const started = (): Array<{pid: number; role: string}> =>
      existsSync(pidsFile()) ? readFileSync(pidsFile(), 'utf8').split('\n').filter(Boolean).map((l) => ({pid: Number(l.split(' ')[0]), role: l.split(' ')[1] ?? ''})) : []
    const untilStarted = async (roles: string[]) => {
      for (let i = 0; i < 200 && !roles.every((r) => started().some((p) => p.role === r)); i++) await new Promise((r) => setTimeout(r, 50))
      expect(started().map((p) => p.role)).toEqual(expect.arrayContaining(roles))
    }
    const survivors = () => started().filter((p) => isAlive(p.pid))
    const hang = {KOPS_STANDIN_SLEEP_MS: 'get-clusters:600000', KOPS_STANDIN_IGNORE_SIGTERM: '1', KOPS_WRAPPER_SIDEKICK: 'get'}

    it('cancel: SIGTERM to the group, then SIGKILL; wrapper, kops and the helper that ignores SIGTERM all end', async () => {
      const controller = new AbortController()
      const call = wrapped(hang).listClusters({signal: controller.signal}).catch((e: unknown) => e)
      await untilStarted(['wrapper', 'sidekick', 'kops'])
      const t0 = Date.now()
      controller.abort(new InterruptedError('Ctrl-C'))
      const error = await call
      expect(error).toBeInstanceOf(InterruptedError)
      expect(Date.now() - t0).toBeLessThan(4000)
      await vi.waitFor(() => expect(survivors()).toEqual([]), {timeout: 3000})
    })

    it('deadline: the step default (or --kops-timeout) ends the whole tree with TimeoutError (exit 7)', async () => {
      const error = await wrapped(hang, {timeouts: {get: 700}}).listClusters({timeoutMs: 60_000}).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TimeoutError)
      expect((error as CliError).message).toBe('kops get clusters did not finish within 700ms and was stopped')
      expect((error as CliError).suggestions.join('\n')).toContain('--kops-timeout get=DURATION')
      await vi.waitFor(() => expect(survivors()).toEqual([]), {timeout: 3000})
    })

    it('a call that finished, leaving a helper that holds the pipes and ignores SIGTERM, returns instead of hanging', async () => {
      const t0 = Date.now()
      expect(await wrapped({KOPS_WRAPPER_SIDEKICK: 'get'}).listClusters()).toEqual([])
      expect(Date.now() - t0).toBeLessThan(8000)
      await vi.waitFor(() => expect(survivors()).toEqual([]), {timeout: 3000})
    })

    it('when kopsmith exits while kops runs, nothing kops started survives it', async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}test/integration/kops/kops-exit.ts`, store], {
        cwd: ROOT,
        env: {...process.env, ...env, KOPSMITH_KOPS: KOPS_WRAPPER, KOPS_WRAPPER_PIDS: pidsFile(), KOPS_STANDIN_SLEEP_MS: 'update-cluster:600000', KOPS_STANDIN_IGNORE_SIGTERM: '1', KOPS_WRAPPER_SIDEKICK: 'update'},
        stdio: ['pipe', 'pipe', 'inherit'],
      })
      await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('running') && resolve()))
      await untilStarted(['wrapper', 'sidekick', 'kops'])
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
      child.stdin.write('exit\n')
      expect(await exited).toBe(3)
      await vi.waitFor(() => expect(survivors()).toEqual([]), {timeout: 3000})
    })
  })

  it('refuses to run a state-store command without a bound store', async () => {
    const error = await new ExecaKops({binary: STANDIN, env}).listClusters().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CliError)
    expect((error as CliError).exitCode).toBe(10)
  })

  it('passes the AWS environment through: an s3:// store on moto', async () => {
    const clients = motoClients()
    const bucket = uniqueBucket('kops')
    await clients.s3.send(new CreateBucketCommand({Bucket: bucket, CreateBucketConfiguration: {LocationConstraint: 'eu-central-1'}}))
    const s3 = new ExecaKops({binary: STANDIN, env: {...env, ...motoEnv()}}).withStateStore(`s3://${bucket}`)
    expect(await s3.listClusters()).toEqual([])
    writeFileSync(join(dir, 'kops.yaml'), kopsObjects({name: NAME, kubernetesVersion: '1.34.10'}))
    await s3.createFromFile(join(dir, 'kops.yaml'))
    expect(await s3.getCluster(NAME)).toMatchObject({spec: {configBase: `s3://${bucket}/${NAME}`}})
  })
})
