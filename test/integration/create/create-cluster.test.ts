import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'

import {parse} from 'yaml'
import {beforeEach, describe, expect, it} from 'vitest'

import {FsUserFiles} from '../../../src/adapters/fs-user-files.js'
import {ClientNodeKube} from '../../../src/adapters/kube/client-node-kube.js'
import {FsWorkspace} from '../../../src/adapters/fs-workspace.js'
import {ExecaKops} from '../../../src/adapters/kops/execa-kops.js'
import {FsPackageFiles} from '../../../src/adapters/package-files.js'
import {SystemClock} from '../../../src/adapters/system-clock.js'
import type {GuardedChangeKind} from '../../../src/core/cluster-changes.js'
import {validateClusterFile} from '../../../src/core/config/validate.js'
import type {ClusterConfig} from '../../../src/core/config/types.js'
import {KopsError, RefusedError} from '../../../src/core/errors.js'
import type {Kops, Workspace} from '../../../src/ports.js'
import {applyClusterCreate, type CreatePorts} from '../../../src/services/apply-cluster-create.js'
import {FakeDns} from '../../fakes/fake-dns.js'
import {FakeIdentity} from '../../fakes/fake-identity.js'
import {FakeStateStore} from '../../fakes/fake-state-store.js'
import {ROOT} from '../../helpers/cli.js'
import {FakeKubeApi} from '../../helpers/fake-kube-api.js'
import {type AuditRecord, auditPrefix, lockKey} from '../../../src/core/aws/lock.js'
import {planExecutionMismatch} from '../../../src/core/plan.js'
import {clusterMetadataKey} from '../../../src/core/sandbox/metadata.js'

/**
 * `cluster create --yes` end to end: the real pipeline and the real kops adapter running the kops
 * stand-in (which follows kops-contract.md and keeps kops' state layout in a file:// store).
 * The AWS side uses the in-memory fakes, whose behaviour the state-store contract test pins
 * against moto: moto evaluates the TLS-only Deny without its condition, so once the state bucket
 * is hardened every object write to it — the lock, the audit record — is refused there.
 */
const STANDIN = join(ROOT, 'test/fixtures/kops-standin/kops')
const config = validateClusterFile(readFileSync(join(ROOT, 'examples/production.yaml'), 'utf8'), 'examples/production.yaml')

interface Run {
  kopsState: string
  ports: CreatePorts
  store: FakeStateStore
  callLog: string
  workDir: string
}

function setup(): Run {
  const workDir = mkdtempSync(join(tmpdir(), 'kopsmith-create-'))
  const kopsState = `file://${join(workDir, 'kops-state')}`
  const callLog = join(workDir, 'calls.jsonl')
  const kops = standinKops(kopsState, callLog, {})
  const store = new FakeStateStore()
  const identity = new FakeIdentity()
  const clock = new SystemClock()
  const ports: CreatePorts = {
    identity,
    store,
    // kops' DNSZone task creates the private zone with the cluster VPC during `update cluster`.
    dns: new FakeDns().withZone(config.dns.zone, {private: true, vpcs: [{vpcId: 'vpc-0abc', region: 'eu-central-1'}]}),
    kops,
    clock,
    workspace: new FsWorkspace(join(workDir, 'state')),
    packageFiles: new FsPackageFiles(),
    files: new FsUserFiles(workDir),
    operation: {store, identity, clock, host: 'test-host', pid: 4242, onInterrupt: () => () => {}},
    kube: async () => {
      throw new Error('addons and namespaces are skipped in these tests')
    },
  }
  return {ports, store, callLog, workDir, kopsState}
}

/** The real adapter running the stand-in; the pipeline binds s3://<state bucket>, here a directory. */
function standinKops(kopsState: string, callLog: string, extraEnv: Record<string, string>): Kops {
  const real = new ExecaKops({binary: STANDIN, env: {...process.env, KOPS_STANDIN_LOG: callLog, KOPS_STANDIN_HEALTH: 'healthy', ...extraEnv}})
  return {...bindAll(real), withStateStore: (_store, options) => real.withStateStore(kopsState, options)}
}

function bindAll(kops: ExecaKops): Kops {
  const proto = Object.getPrototypeOf(kops) as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const key of Object.getOwnPropertyNames(proto)) {
    const v = (kops as unknown as Record<string, unknown>)[key]
    if (key !== 'constructor' && typeof v === 'function') out[key] = (v as (...a: unknown[]) => unknown).bind(kops)
  }
  return out as unknown as Kops
}

function bindWorkspace(workspace: Workspace): Workspace {
  return {
    writeFile: workspace.writeFile.bind(workspace),
    readFile: workspace.readFile.bind(workspace),
    runLogPath: workspace.runLogPath.bind(workspace),
    resolve: workspace.resolve.bind(workspace),
    remove: workspace.remove.bind(workspace),
    setMode: workspace.setMode.bind(workspace),
  }
}

/** Every file below `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  const walk = (d: string): string[] => {
    if (!existsSync(d)) return []
    return readdirSync(d, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [relative(dir, join(d, e.name))]))
  }
  return walk(dir)
}

function calls(run: Run): string[] {
  try {
    return readFileSync(run.callLog, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as {command: string}).command)
  } catch {
    return []
  }
}

const MUTATING = ['create', 'create-secret-encryptionconfig', 'update-cluster', 'export-kubeconfig']
const count = (list: string[], command: string): number => list.filter((c) => c === command).length

async function create(run: Run, env: Record<string, string> = {}, cluster: ClusterConfig = config, extra: {writeKubeconfig?: string; allowChanges?: ReadonlySet<GuardedChangeKind>; skip?: ReadonlySet<'addons' | 'namespaces'>} = {}): Promise<Awaited<ReturnType<typeof applyClusterCreate>>> {
  const ports = {...run.ports, kops: standinKops(run.kopsState, run.callLog, env)}
  const {allowChanges = new Set<GuardedChangeKind>(), ...rest} = extra
  const input = {config: cluster, file: 'examples/production.yaml', skip: new Set(['addons', 'namespaces'] as const), delegate: false, allowChanges, ...rest}
  return applyClusterCreate(ports, input, {display: 'silent', waitMs: 60_000, intervalMs: 10, consecutive: 2, command: ['cluster', 'create']})
}

describe('cluster create --yes against the kops stand-in', () => {
  let run: Run
  beforeEach(() => {
    run = setup()
  })

  it('--write-kubeconfig merges a context into the user\'s kubeconfig, keeping what is there; without it the file is untouched', async () => {
    const userKubeconfig = join(run.workDir, 'home-kube-config')
    const before = 'apiVersion: v1\nkind: Config\nclusters:\n- name: staging\n  cluster: {server: https://api.staging.k8s.acme.de}\ncontexts:\n- name: staging\n  context: {cluster: staging, user: staging}\nusers:\n- name: staging\n  user: {token: t}\ncurrent-context: staging\n'
    writeFileSync(userKubeconfig, before)
    await create(run)
    expect(readFileSync(userKubeconfig, 'utf8')).toBe(before)
    const result = await create(run, {}, config, {writeKubeconfig: userKubeconfig})
    expect(result.steps.find((s) => s.id === 'kubeconfig:write-user')).toMatchObject({status: 'done', outcome: `context ${config.name} written to ${userKubeconfig}`})
    const written = parse(readFileSync(userKubeconfig, 'utf8')) as {contexts: Array<{name: string}>; clusters: Array<{name: string; cluster: {server: string}}>}
    expect(written.contexts.map((c) => c.name).sort()).toEqual([config.name, 'staging'])
    expect(written.clusters.find((c) => c.name === config.name)?.cluster.server).toBe(`https://api.${config.name}`)
  })

  it('installs the addons and bootstraps the namespaces as one step each, their own plans running inside', async () => {
    const api = await new FakeKubeApi({crdEstablishDelayMs: 20, rolloutDelayMs: 50}).start()
    try {
      api.seed({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'kube-system'}}, 'kube-apiserver')
      const kubeconfig = api.writeKubeconfig()
      // Next to the cluster file, examples/production.yaml, which names it.
      mkdirSync(join(run.workDir, 'examples'))
      writeFileSync(join(run.workDir, 'examples/namespaces.yaml'), readFileSync(join(ROOT, 'examples/namespaces.yaml'), 'utf8'))
      run.ports = {...run.ports, kube: async () => new ClientNodeKube(kubeconfig)}
      const result = await create(run, {}, config, {skip: new Set()})
      expect(result.steps.find((s) => s.id === 'addons:install')).toMatchObject({status: 'done', outcome: expect.stringMatching(/^\d+ object\(s\) applied$/)})
      expect(result.steps.find((s) => s.id === 'namespaces:bootstrap')).toMatchObject({status: 'done', outcome: '2 namespace(s)'})
      expect(api.getObject('apps/v1', 'Deployment', 'traefik', 'traefik')).toBeDefined()
      expect(api.getObject('v1', 'ResourceQuota', 'quota', 'payments')).toBeDefined()
    } finally {
      await api.stop()
    }
  })

  it('creates the cluster, exports a 0600 kubeconfig, releases the lock and writes one audit record', async () => {
    const result = await create(run)
    expect(result.steps.map((s) => [s.id, s.status])).toEqual([
      ['preflight:credentials', 'done'],
      ['preflight:kops-version', 'done'],
      ['preflight:buckets', 'done'],
      ['preflight:dns', 'done'],
      ['preflight:existing-cluster', 'done'],
      ['state-bucket:ensure', 'done'],
      ['lock:acquire', 'done'],
      ['discovery-bucket:ensure', 'done'],
      ['dns:check-private-zone', 'unchanged'],
      ['render:kops-spec', 'done'],
      ['kops:create-or-replace', 'done'],
      ['metadata:write', 'done'],
      ['kops:encryption-secret', 'done'],
      ['kops:update-cluster', 'done'],
      ['validate:wait', 'done'],
      ['kubeconfig:export', 'done'],
      ['dns:verify-private-zone', 'done'],
      ['addons:install', 'skipped'],
      ['namespaces:bootstrap', 'skipped'],
      ['lock:release', 'done'],
    ])
    expect(result.steps.find((s) => s.id === 'kops:create-or-replace')?.outcome).toBe('created')
    expect(result.summary).toMatchObject({outcome: 'success', steps: {total: 20, skipped: 2}, skipped: [{id: 'addons:install', reason: '--skip addons'}, {id: 'namespaces:bootstrap', reason: '--skip namespaces'}]})
    expect(result.summary.auditRecord).toMatch(new RegExp(`^s3://${config.stateStore.bucket}/kopsmith/${config.name}/audit/.+-create-.+\\.json$`))
    const kubeconfig = join(run.workDir, 'state/kubeconfig', config.name)
    expect(statSync(kubeconfig).mode & 0o777).toBe(0o600)
    const log = calls(run)
    expect(count(log, 'create')).toBe(1)
    expect(count(log, 'create-secret-encryptionconfig')).toBe(1)
    expect(log.indexOf('create-secret-encryptionconfig')).toBeLessThan(log.indexOf('update-cluster'))
    expect(await run.store.getObject(config.stateStore.bucket, lockKey(config.name))).toBeUndefined()
    const audits = await run.store.listKeys(config.stateStore.bucket, auditPrefix(config.name))
    expect(audits).toHaveLength(1)
    const record = JSON.parse((await run.store.getObject(config.stateStore.bucket, audits[0]!))!.body) as AuditRecord
    expect(record).toMatchObject({outcome: 'success', operation: 'create'})
    // What was shown is what ran: the stored plan and the stored step records, id for id, in order.
    expect(record.steps!.map((s) => s.id)).toEqual(record.plan!.steps.map((s) => s.id))
    expect(planExecutionMismatch(record.plan!, record.steps!, true)).toEqual([])
    expect(record.steps!.map((s) => s.id)).toEqual(result.steps.map((s) => s.id))
  })

  it('a second run changes nothing: no create, no replace, no new secret', async () => {
    await create(run)
    const before = calls(run).length
    const again = await create(run)
    const second = calls(run).slice(before)
    expect(again.steps.find((s) => s.id === 'kops:create-or-replace')).toMatchObject({status: 'unchanged', outcome: 'the stored spec matches'})
    expect(again.steps.find((s) => s.id === 'kops:encryption-secret')).toMatchObject({status: 'unchanged', outcome: 'exists, not rotated'})
    expect(again.steps.find((s) => s.id === 'state-bucket:ensure')).toMatchObject({status: 'unchanged'})
    for (const command of ['create', 'replace', 'create-secret-encryptionconfig']) expect(count(second, command)).toBe(0)
  })

  it.each(['create', 'create-secret-encryptionconfig', 'update-cluster', 'validate-cluster', 'export-kubeconfig'])(
    'a kops failure at %s exits 5 with the lock released, and the re-run completes without redoing finished work',
    async (failing) => {
      const error = await create(run, {KOPS_STANDIN_FAIL_AT: `${failing}:1`}).catch((e: unknown) => e)
      if (failing === 'validate-cluster') {
        // A failing validate attempt is "not healthy yet" inside the loop; the next attempt passes.
        expect(error).not.toBeInstanceOf(Error)
      } else {
        expect(error).toBeInstanceOf(KopsError)
        expect((error as KopsError).exitCode).toBe(5)
        expect(await run.store.getObject(config.stateStore.bucket, lockKey(config.name))).toBeUndefined()
        const audits = await run.store.listKeys(config.stateStore.bucket, auditPrefix(config.name))
        const record = JSON.parse((await run.store.getObject(config.stateStore.bucket, audits[0]!))!.body) as {outcome: string; exitCode: number}
        expect(record).toMatchObject({outcome: 'failure', exitCode: 5})
        await create(run)
      }
      const log = calls(run)
      // Finished work is never redone: the spec is created once, the secret is created once.
      expect(count(log, 'create')).toBe(failing === 'create' ? 2 : 1)
      expect(count(log, 'create-secret-encryptionconfig')).toBe(failing === 'create-secret-encryptionconfig' ? 2 : 1)
      expect(count(log, 'replace')).toBe(0)
      for (const command of MUTATING) expect(log).toContain(command)
      expect(statSync(join(run.workDir, 'state/kubeconfig', config.name)).mode & 0o777).toBe(0o600)
    },
  )

  it('the encryption key never touches a disk: not through the workspace, not in any file of the work directory while kops runs, not in the log', async () => {
    const written: Array<{path: string; content: string}> = []
    const real = run.ports.workspace
    const hooked: Workspace = {
      ...bindWorkspace(real),
      writeFile: async (path, content, mode) => {
        written.push({path, content})
        return real.writeFile(path, content, mode)
      },
    }
    run.ports.workspace = hooked
    // Scan every file of the work directory (the kops state store stands in for S3, so it is left
    // out) all through the run, including while the stand-in holds `create secret` open for 1.5 s.
    const seen = new Map<string, Set<string>>()
    let scans = 0
    const scan = () => {
      scans++
      for (const file of filesUnder(run.workDir).filter((f) => !f.startsWith('kops-state/'))) {
        try {
          const content = readFileSync(join(run.workDir, file), 'utf8')
          const set = seen.get(file) ?? new Set<string>()
          set.add(content)
          seen.set(file, set)
        } catch {
          // removed between listing and reading
        }
      }
    }
    const timer = setInterval(scan, 25)
    try {
      await create(run, {KOPS_STANDIN_SLEEP_MS: 'create-secret-encryptionconfig:1500'})
    } finally {
      clearInterval(timer)
    }
    scan()
    expect(scans).toBeGreaterThan(40) // ≥ 1 s of scanning, so also while the secret was being created

    const stored = JSON.parse(readFileSync(join(run.kopsState.replace('file://', ''), config.name, 'secrets', 'encryptionconfig'), 'utf8')) as {Data: string}
    const encryptionConfig = Buffer.from(stored.Data, 'base64').toString('utf8')
    const key = /secret: ([A-Za-z0-9+/=]{40,})/.exec(encryptionConfig)?.[1]
    expect(key, encryptionConfig).toBeDefined()
    expect(written.length).toBeGreaterThan(0) // the rendered spec went through the hook
    expect(written.filter((w) => w.content.includes(key!) || w.content.includes('EncryptionConfiguration')).map((w) => w.path)).toEqual([])
    const holding = [...seen.entries()].filter(([, contents]) => [...contents].some((c) => c.includes(key!) || c.includes('kind: EncryptionConfiguration'))).map(([f]) => f)
    expect(holding).toEqual([])
    expect([...seen.keys()].some((f) => f.startsWith('state/logs/'))).toBe(true) // the run log was scanned too
    const secretCall = readFileSync(run.callLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as {command: string; argv: string[]}).find((c) => c.command === 'create-secret-encryptionconfig')
    expect(secretCall?.argv).toEqual(['create', 'secret', 'encryptionconfig', '--name', config.name, '-f', '-'])
  })

  it('a sandbox re-run keeps the later expiry: sandbox extend moved the stored record, not the file', async () => {
    const text = readFileSync(join(ROOT, 'examples/sandbox.yaml'), 'utf8').replace(/^(\s*)ttl: .*$/m, '$1ttl: 72h\n$1expiresAt: "2026-12-01T00:00:00Z"')
    const sandbox = validateClusterFile(text, 'sandbox.yaml')
    run.ports.dns = new FakeDns()
    const extended = '2026-12-05T00:00:00Z'
    await run.store.createBucket(sandbox.stateStore.bucket, 'eu-central-1')
    await run.store.putObject(
      sandbox.stateStore.bucket,
      clusterMetadataKey(sandbox.name),
      JSON.stringify({name: sandbox.name, profile: 'sandbox', owner: sandbox.owner, protected: false, expiresAt: extended, createdAt: '2026-11-26T00:00:00Z'}),
    )
    await create(run, {}, sandbox)
    const stored = readFileSync(join(run.kopsState.replace('file://', ''), sandbox.name, 'config'), 'utf8')
    expect(stored).toContain(extended)
    expect(stored).not.toContain('2026-12-01T00:00:00')
    const metadata = JSON.parse((await run.store.getObject(sandbox.stateStore.bucket, clusterMetadataKey(sandbox.name)))!.body) as {expiresAt: string}
    expect(metadata.expiresAt).toBe(extended)
  })

  describe('an existing cluster is never turned into something else unasked', () => {
    const sandboxText = readFileSync(join(ROOT, 'examples/sandbox.yaml'), 'utf8').replace('alice.sandbox.k8s.acme.de', config.name).replace('zone: sandbox.k8s.acme.de', `zone: ${config.dns.zone}`).replace('ttl: 72h', 'ttl: 1h')
    const production = JSON.stringify({name: config.name, profile: 'production', owner: config.owner, protected: true, expiresAt: null, createdAt: '2026-11-01T00:00:00Z'})

    async function seeded(): Promise<void> {
      await run.store.createBucket(config.stateStore.bucket, 'eu-central-1')
      await run.store.putObject(config.stateStore.bucket, clusterMetadataKey(config.name), production)
      run.store.calls.length = 0
    }

    it('a protected production cluster re-created as a one-hour sandbox is refused (exit 9) before anything is touched', async () => {
      await seeded()
      const error = await create(run, {}, validateClusterFile(sandboxText, 'sandbox.yaml')).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RefusedError)
      expect((error as RefusedError).exitCode).toBe(9)
      expect((error as RefusedError).message).toContain('profile: production → sandbox (kopsmith record: profile)')
      expect((error as RefusedError).message).toContain('protected: true → false (kopsmith record: protected)')
      // Reads only: no bucket created or changed, no lock, no audit record, no kops call but its version.
      expect(run.store.calls.map((c) => c.method).filter((m) => !['describeBucket', 'getObject', 'listKeys'].includes(m))).toEqual([])
      expect(calls(run)).toEqual(['version'])
      expect(JSON.parse((await run.store.getObject(config.stateStore.bucket, clusterMetadataKey(config.name)))!.body)).toMatchObject({profile: 'production', protected: true})
    })

    it('goes ahead when --allow-change names every change, and records the override in the audit record', async () => {
      await seeded()
      await create(run, {}, validateClusterFile(sandboxText, 'sandbox.yaml'), {allowChanges: new Set(['profile', 'protected'])})
      const [key] = await run.store.listKeys(config.stateStore.bucket, auditPrefix(config.name))
      const audit = JSON.parse((await run.store.getObject(config.stateStore.bucket, key!))!.body) as {overrides: unknown[]; plan: {steps: Array<{id: string; action: string}>}}
      expect(audit.overrides).toEqual([
        {change: 'profile', source: 'kopsmith record', field: 'profile', from: 'production', to: 'sandbox'},
        {change: 'protected', source: 'kopsmith record', field: 'protected', from: true, to: false},
      ])
      expect(audit.plan.steps.find((s) => s.id === 'preflight:existing-cluster')).toMatchObject({action: 'update'})
    })

    it('a refused discovery bucket (eu-west-1) stops the run before the state bucket is created', async () => {
      run.store.withBucket(config.stateStore.discoveryBucket, {region: 'eu-west-1'})
      const error = await create(run).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RefusedError)
      expect((error as RefusedError).message).toContain(`${config.stateStore.discoveryBucket} exists in eu-west-1`)
      expect(run.store.buckets.has(config.stateStore.bucket)).toBe(false)
      expect(run.store.calls.map((c) => c.method).filter((m) => m !== 'describeBucket')).toEqual([])
    })
  })
})
