import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'

import {
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3'
import {ListHostedZonesCommand, ListResourceRecordSetsCommand, Route53Client} from '@aws-sdk/client-route-53'
import {afterAll, beforeAll} from 'vitest'

import {type CliResult, cliEnv, collectCli, ROOT} from '../../helpers/cli.js'
import {motoEnv, uniqueBucket, uniqueZone} from '../../helpers/moto.js'
import {cliWorkDir, STANDIN} from '../kops/standin.js'

/**
 * Shared by the end-to-end tests of `cluster create --yes`: a moto server with AWS's TLS semantics
 * (test/helpers/moto_tls.py: without it moto refuses every write to a hardened state bucket),
 * cluster files in fresh working directories, and the CLI run as users run it.
 */
export interface Moto {
  url: string
  stop(): void
}

export async function startMotoTls(): Promise<Moto> {
  const port = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const a = srv.address()
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0))
    })
  })
  const url = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn('python3', [join(ROOT, 'test/helpers/moto_tls.py'), '-H', '127.0.0.1', '-p', String(port)], {stdio: 'ignore'})
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/moto-api/`)).ok) break
    } catch {
      if (i > 150) throw new Error('moto (TLS conditions) did not start')
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return {url, stop: () => child.kill()}
}

/**
 * For a test file: one moto server (TLS semantics) for all its tests, and every scenario's
 * leftover kops processes killed after them, whatever the code under test did.
 */
export function motoForFile(): {readonly url: string; track<T extends Scenario>(scenario: T): T} {
  let moto: Moto | undefined
  const scenarios: Scenario[] = []
  beforeAll(async () => {
    moto = await startMotoTls()
  })
  afterAll(() => {
    for (const s of scenarios) killRecorded(s)
    moto?.stop()
  })
  return {
    get url() {
      if (!moto) throw new Error('moto is not started yet')
      return moto.url
    },
    track(scenario) {
      scenarios.push(scenario)
      return scenario
    },
  }
}

export function s3(url: string, region = 'eu-central-1'): S3Client {
  return new S3Client({region, endpoint: url, forcePathStyle: true, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}})
}

export async function listKeys(url: string, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = []
  let token: string | undefined
  do {
    const out = await s3(url).send(new ListObjectsV2Command({Bucket: bucket, Prefix: prefix, ContinuationToken: token}))
    keys.push(...(out.Contents ?? []).map((o) => o.Key ?? ''))
    token = out.IsTruncated ? out.NextContinuationToken : undefined
  } while (token)
  return keys.sort()
}

export async function readObject(url: string, bucket: string, key: string): Promise<string> {
  return (await (await s3(url).send(new GetObjectCommand({Bucket: bucket, Key: key}))).Body?.transformToString()) ?? ''
}

/** The kops wrapper script (test/fixtures/kops-wrapper/kops): kops as a grandchild of kopsmith. */
export const KOPS_WRAPPER = `${ROOT}test/fixtures/kops-wrapper/kops`

export interface Scenario {
  dir: string
  bucket: string
  name: string
  /** The cluster file, relative to `dir`. */
  file: string
  /** Where the kops wrapper records the processes it started. */
  pidsFile: string
  env: Record<string, string>
}

/**
 * A sandbox cluster file (one zone, a public zone kopsmith creates, no parent zone in the account)
 * in a fresh working directory, with the environment to create it against moto and the kops
 * stand-in (run through the wrapper when `wrapper` is set).
 */
export function sandboxScenario(url: string, options: {name?: string; bucket?: string; zone?: string; wrapper?: boolean; ttl?: string} = {}): Scenario {
  const bucket = options.bucket ?? uniqueBucket('create')
  const zone = options.zone ?? uniqueZone('sbx')
  const name = options.name ?? `alice.${zone}`
  const dir = cliWorkDir('kopsmith-create-e2e-')
  const text = readFileSync(join(ROOT, 'examples/sandbox.yaml'), 'utf8')
    .replace('alice.sandbox.k8s.acme.de', name)
    .replace('zone: sandbox.k8s.acme.de', `zone: ${zone}`)
    .replace(/bucket: [a-z0-9.-]+/, `bucket: ${bucket}`)
    .replace('ttl: 72h', `ttl: ${options.ttl ?? '72h'}`)
  writeFileSync(join(dir, 'cluster.yaml'), text)
  const pidsFile = join(dir, 'kops-pids.txt')
  return {
    dir,
    bucket,
    name,
    file: 'cluster.yaml',
    pidsFile,
    env: {...motoEnv(url), KOPSMITH_KOPS: options.wrapper ? KOPS_WRAPPER : STANDIN, KOPS_WRAPPER_PIDS: pidsFile, KOPS_STANDIN_LOG: join(dir, 'calls.jsonl'), KOPS_STANDIN_HEALTH: 'healthy', CI: '1'},
  }
}

/**
 * The production example (three zones, protected) with a public zone kopsmith creates, so the kops
 * stand-in can take it all the way; `sandboxOverIt` writes `sandbox.yaml` beside it: a one-hour
 * sandbox file reusing the production cluster's name, zone and bucket.
 */
export function productionScenario(url: string, options: {wrapper?: boolean} = {}): Scenario & {sandboxOverIt(): string} {
  const base = sandboxScenario(url, options)
  const zone = base.name.slice(base.name.indexOf('.') + 1)
  const name = `prod.${zone}`
  const text = readFileSync(join(ROOT, 'examples/production.yaml'), 'utf8')
    .replace('name: prod.k8s.acme.de', `name: ${name}`)
    .replace('dns: {zone: k8s.acme.de, type: private}', `dns: {zone: ${zone}, type: public}`)
    .replace(/bucket: [a-z0-9.-]+/, `bucket: ${base.bucket}`)
    .replace(/^\s*namespaces: .*$/m, '')
  writeFileSync(join(base.dir, 'cluster.yaml'), text)
  const sandboxOverIt = (): string => {
    writeFileSync(
      join(base.dir, 'sandbox.yaml'),
      readFileSync(join(ROOT, 'examples/sandbox.yaml'), 'utf8')
        .replace('alice.sandbox.k8s.acme.de', name)
        .replace('zone: sandbox.k8s.acme.de', `zone: ${zone}`)
        .replace(/bucket: [a-z0-9.-]+/, `bucket: ${base.bucket}`)
        .replace('ttl: 72h', 'ttl: 1h'),
    )
    return 'sandbox.yaml'
  }
  return {...base, name, sandboxOverIt}
}

export interface RunningCli {
  child: ChildProcess
  /** stdout so far. */
  stdout(): string
  stderr(): string
  done: Promise<CliResult>
}

/**
 * The built CLI (bin/run.js on dist/, which `npm test` builds first) in a child process: exit
 * codes, output and signals exactly as a user or a scheduled job sees them.
 */
export function startBuiltCli(args: string[], options: {cwd: string; env: Record<string, string | undefined>; timeoutMs?: number}): RunningCli {
  // Vitest sets NODE_ENV=test, under which oclif maps dist/ back to src/; users have no such setting.
  const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), ...args], {cwd: options.cwd, env: cliEnv({NODE_ENV: 'production', ...options.env}), stdio: ['ignore', 'pipe', 'pipe']})
  return {child, ...collectCli(child, options.timeoutMs ?? 180_000)}
}

export function runBuiltCli(args: string[], options: {cwd: string; env: Record<string, string | undefined>; timeoutMs?: number}): Promise<CliResult> {
  return startBuiltCli(args, options).done
}

/** Processes the kops wrapper recorded: pid, role (wrapper, kops, sidekick) and the kops argv. */
export function recordedKopsProcesses(scenario: Scenario): Array<{pid: number; role: string; argv: string}> {
  if (!existsSync(scenario.pidsFile)) return []
  return readFileSync(scenario.pidsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pid, role, ...argv] = line.split(' ')
      return {pid: Number(pid), role: role ?? '', argv: argv.join(' ')}
    })
}

/** Running (a zombie, waiting for a slow init to collect it, has exited). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2).charAt(0))
  } catch {
    return !existsSync('/proc/self') // gone just now, or no /proc to ask
  }
}

/** Test hygiene: nothing a scenario started may outlive the test, whatever the code under test did. */
export function killRecorded(scenario: Scenario): void {
  for (const p of recordedKopsProcesses(scenario)) {
    try {
      process.kill(p.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

/** Polls until `check` returns something truthy. */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 120_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * Everything moto holds that `cluster create` could touch — every bucket with its region,
 * settings and objects (keys and ETags), every hosted zone with its records — to show that a
 * refused run left it exactly as it was.
 */
export async function motoSnapshot(url: string): Promise<unknown> {
  const client = s3(url)
  const settle = async <T>(call: () => Promise<T>): Promise<T | string> => {
    try {
      return await call()
    } catch (error) {
      return (error as Error).name
    }
  }
  const buckets = (await client.send(new ListBucketsCommand({}))).Buckets ?? []
  const out: Record<string, unknown> = {}
  for (const {Name: name} of buckets) {
    if (!name) continue
    const strip = <T extends {$metadata?: unknown}>(o: T | string) => (typeof o === 'string' ? o : {...o, $metadata: undefined})
    out[`s3://${name}`] = {
      location: strip(await settle(() => client.send(new GetBucketLocationCommand({Bucket: name})))),
      versioning: strip(await settle(() => client.send(new GetBucketVersioningCommand({Bucket: name})))),
      encryption: strip(await settle(() => client.send(new GetBucketEncryptionCommand({Bucket: name})))),
      publicAccessBlock: strip(await settle(() => client.send(new GetPublicAccessBlockCommand({Bucket: name})))),
      policy: strip(await settle(() => client.send(new GetBucketPolicyCommand({Bucket: name})))),
      tags: strip(await settle(() => client.send(new GetBucketTaggingCommand({Bucket: name})))),
      objects: ((await client.send(new ListObjectsV2Command({Bucket: name}))).Contents ?? []).map((o) => `${o.Key} ${o.ETag}`).sort(),
    }
  }
  const route53 = new Route53Client({region: 'us-east-1', endpoint: url, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}})
  for (const zone of (await route53.send(new ListHostedZonesCommand({}))).HostedZones ?? []) {
    const records = (await route53.send(new ListResourceRecordSetsCommand({HostedZoneId: zone.Id}))).ResourceRecordSets ?? []
    out[`zone ${zone.Id}`] = {name: zone.Name, private: zone.Config?.PrivateZone, records: records.map((r) => `${r.Name} ${r.Type} ${(r.ResourceRecords ?? []).map((v) => v.Value).join(',')}`).sort()}
  }
  return out
}
