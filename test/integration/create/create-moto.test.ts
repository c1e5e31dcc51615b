import {spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'

import {GetBucketPolicyCommand, GetBucketVersioningCommand} from '@aws-sdk/client-s3'
import {CreateHostedZoneCommand, Route53Client} from '@aws-sdk/client-route-53'
import {describe, expect, it} from 'vitest'

import {ROOT, runCli} from '../../helpers/cli.js'
import {motoEnv, uniqueBucket} from '../../helpers/moto.js'
import {cliWorkDir, readCallLog, STANDIN} from '../kops/standin.js'
import {type AuditRecord, auditPrefix, lockKey} from '../../../src/core/aws/lock.js'
import {clusterMetadataKey} from '../../../src/core/sandbox/metadata.js'
import {listKeys, motoForFile, readObject, s3 as s3Client} from './support.js'

/**
 * `kopsmith cluster create --yes` as a user runs it: the real CLI, the real AWS adapters against
 * moto, the real kops adapter running the kops stand-in (state in the same S3 bucket). moto runs
 * through test/helpers/moto_tls.py, which evaluates the bucket policy's TLS condition as AWS does
 * (see there); without that, moto refuses every write to a hardened state bucket.
 */
const moto = motoForFile()

async function cluster(name: string) {
  const bucket = uniqueBucket('create')
  const dir = cliWorkDir('kopsmith-create-moto-')
  // A public zone: kopsmith creates it; a private one would be created by kops' own DNS task.
  const text = readFileSync(join(ROOT, 'examples/sandbox.yaml'), 'utf8')
    .replace('alice.sandbox.k8s.acme.de', name)
    .replace(/bucket: [a-z0-9.-]+/, `bucket: ${bucket}`)
  writeFileSync(join(dir, 'cluster.yaml'), text)
  // The parent zone in the same account, so the delegation can be checked (and is missing).
  await new Route53Client({region: 'us-east-1', endpoint: moto.url, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}}).send(
    new CreateHostedZoneCommand({Name: 'k8s.acme.de', CallerReference: `parent-${bucket}`}),
  )
  const callLog = join(dir, 'calls.jsonl')
  const create = (env: Record<string, string> = {}, output: '--json' | 'plain' = '--json') =>
    runCli(['cluster', 'create', '-f', 'cluster.yaml', '--yes', ...(output === '--json' ? ['--json'] : []), '--delegate', '--skip', 'addons,namespaces'], {
      cwd: dir,
      env: {...motoEnv(moto.url), KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: callLog, KOPS_STANDIN_HEALTH: 'healthy', KOPSMITH_STATE_DIR: join(dir, 'state'), CI: '1', ...env},
      timeoutMs: 180_000,
    })
  return {bucket, dir, create, calls: () => readCallLog(callLog).map((c) => c.command)}
}

const keys = (bucket: string, prefix: string) => listKeys(moto.url, bucket, prefix)
const body = (bucket: string, key: string) => readObject(moto.url, bucket, key)
const s3 = () => s3Client(moto.url)

describe('cluster create --yes (moto + kops stand-in)', () => {
  it('builds the cluster: hardened bucket, delegated zone, kops spec and secret, validated, kubeconfig 0600, lock released, audited', {timeout: 240_000}, async () => {
    const name = 'e2e.sandbox.k8s.acme.de'
    const t = await cluster(name)
    const r = await t.create()
    expect(r.exitCode, r.stdout + r.stderr).toBe(0)
    const result = (r.json as {result: {cluster: string; steps: Array<{id: string; status: string; outcome: string}>; summary: {outcome: string}}}).result
    expect(result.cluster).toBe(name)
    // Times and the caller vary; which step did what does not.
    expect(result.steps.filter((s) => s.id !== 'preflight:credentials').map((s) => `${s.id} ${s.status}: ${s.outcome.replaceAll(t.bucket, 'BUCKET')}`)).toMatchSnapshot()
    expect(result.summary.outcome).toBe('success')

    expect((await s3().send(new GetBucketVersioningCommand({Bucket: t.bucket}))).Status).toBe('Enabled')
    expect((await s3().send(new GetBucketPolicyCommand({Bucket: t.bucket}))).Policy).toContain('aws:SecureTransport')
    expect(await keys(t.bucket, `${name}/config`)).toEqual([`${name}/config`])
    expect(await keys(t.bucket, lockKey(name))).toEqual([])
    const audits = await keys(t.bucket, auditPrefix(name))
    expect(audits).toHaveLength(1)
    expect(JSON.parse(await body(t.bucket, audits[0]!))).toMatchObject({operation: 'create', outcome: 'success', exitCode: 0})
    expect(JSON.parse(await body(t.bucket, clusterMetadataKey(name)))).toMatchObject({name, profile: 'sandbox', expiresAt: expect.any(String)})
    // Nothing lands in the working directory (often the user's infrastructure repository): the admin
    // kubeconfig and the run log go to kopsmith's state directory, 0700, the kubeconfig 0600.
    expect(statSync(join(t.dir, 'state/kubeconfig', name)).mode & 0o777).toBe(0o600)
    expect(statSync(join(t.dir, 'state')).mode & 0o777).toBe(0o700)
    expect(readdirSync(join(t.dir, 'state/logs', name)).some((f) => f.endsWith('-create.log'))).toBe(true)
    expect(readdirSync(t.dir).sort()).toEqual(['calls.jsonl', 'cluster.yaml', 'node_modules', 'state'])
    // kopsmith keeps nothing in kops' cluster folder, and nothing of its own ends in /config.
    expect(await keys(t.bucket, `${name}/kopsmith/`)).toEqual([])
    const ours = await keys(t.bucket, 'kopsmith/')
    expect(ours.length).toBeGreaterThanOrEqual(2)
    expect(ours.filter((k) => k.endsWith('/config'))).toEqual([])
    expect(t.calls().filter((c) => ['create', 'create-secret-encryptionconfig', 'update-cluster', 'export-kubeconfig'].includes(c))).toEqual([
      'create',
      'create-secret-encryptionconfig',
      'update-cluster',
      'export-kubeconfig',
    ])
  })

  it('a kops failure exits 5 with the lock released and a failure audited; the re-run finishes without redoing work', {timeout: 240_000}, async () => {
    const name = 'retry.sandbox.k8s.acme.de'
    const t = await cluster(name)
    const failed = await t.create({KOPS_STANDIN_FAIL_AT: 'update-cluster:1'})
    expect(failed.exitCode).toBe(5)
    expect((failed.json as {error: {message: string}}).error.message).toContain('update cluster')
    expect(await keys(t.bucket, lockKey(name))).toEqual([])
    const again = await t.create()
    expect(again.exitCode, again.stdout).toBe(0)
    const outcomes = await Promise.all((await keys(t.bucket, auditPrefix(name))).map(async (k) => (JSON.parse(await body(t.bucket, k)) as {outcome: string}).outcome))
    expect(outcomes.sort()).toEqual(['failure', 'success'])
    const calls = t.calls()
    expect(calls.filter((c) => c === 'create')).toHaveLength(1)
    expect(calls.filter((c) => c === 'create-secret-encryptionconfig')).toHaveLength(1)
    expect(calls.filter((c) => c === 'replace')).toHaveLength(0)
  })

  it('SIGKILL of kopsmith while kops creates the encryption secret leaves no key material on disk', {timeout: 240_000}, async () => {
    const name = 'killed.sandbox.k8s.acme.de'
    const t = await cluster(name)
    // HOME and XDG_STATE_HOME inside the work directory, so every file the run writes is scanned.
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries({...process.env, ...motoEnv(moto.url), KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_HEALTH: 'healthy', KOPS_STANDIN_SLEEP_MS: 'create-secret-encryptionconfig:3000', CI: '1', HOME: t.dir, XDG_STATE_HOME: join(t.dir, 'state-home'), KOPSMITH_VERBOSE: ''})) {
      if (v !== undefined) env[k] = v
    }
    const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}bin/dev.js`, 'cluster', 'create', '-f', 'cluster.yaml', '--yes', '--json', '--delegate', '--skip', 'addons,namespaces'], {cwd: t.dir, env, stdio: 'ignore'})
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
    const secretCall = await waitFor(() => standinPid(child.pid!, ['create', 'secret', 'encryptionconfig']), 150_000)
    // The stand-in holds the call open for 3 s; 300 ms lets the adapter hand over its stdin first.
    await new Promise((r) => setTimeout(r, 300))
    expect(existsSync(`/proc/${secretCall}`)).toBe(true)
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    // kops (here the stand-in) outlives kopsmith and finishes reading the key from its stdin pipe.
    await waitFor(() => (existsSync(`/proc/${secretCall}`) ? undefined : true), 30_000)
    expect(await keys(t.bucket, `${name}/`)).toContain(`${name}/secrets/encryptionconfig`)
    const encryptionConfig = await body(t.bucket, `${name}/secrets/encryptionconfig`).then((b) => Buffer.from((JSON.parse(b) as {Data: string}).Data, 'base64').toString('utf8'))
    const key = /secret: ([A-Za-z0-9+/=]{40,})/.exec(encryptionConfig)?.[1]
    expect(key, encryptionConfig).toBeDefined()
    const holding = filesUnder(t.dir)
      .filter((f) => !f.startsWith('node_modules'))
      .filter((f) => {
        const text = readFileSync(join(t.dir, f), 'utf8')
        return text.includes(key!) || text.includes('kind: EncryptionConfiguration')
      })
    expect(holding).toEqual([])
  })
})

describe('cluster create --yes in a CI log (no TTY): what a person reading the job output sees', () => {
  const STAMP = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`

  it('one timestamped line as each plan step starts and ends, in plan order, then the summary', {timeout: 240_000}, async () => {
    const name = 'plain.sandbox.k8s.acme.de'
    const t = await cluster(name)
    const r = await t.create({}, 'plain')
    expect(r.exitCode, r.stdout + r.stderr).toBe(0)
    const lines = r.stdout.split('\n')
    const steps = lines.filter((l) => new RegExp(`^${STAMP} (start|done |fail |stop ) \\[`).test(l))
    // Every step of the plan ends once, in order; each one the runner executes also starts once.
    const ended = steps.filter((l) => / done {2}/.test(l)).map((l) => /\] ([a-z-]+:[a-z-]+):/.exec(l)?.[1])
    expect(ended).toEqual([
      'preflight:credentials', 'preflight:kops-version', 'preflight:buckets', 'preflight:dns', 'preflight:existing-cluster', 'state-bucket:ensure',
      'lock:acquire', 'discovery-bucket:ensure', 'dns:ensure-public-zone', 'render:kops-spec', 'kops:create-or-replace', 'metadata:write',
      'kops:encryption-secret', 'kops:update-cluster', 'validate:wait', 'kubeconfig:export', 'addons:install', 'namespaces:bootstrap', 'lock:release',
    ])
    expect(steps.filter((l) => / start /.test(l))).toHaveLength(ended.length - 2) // the lock's own two steps are recorded, not run
    expect(steps[0]).toMatch(new RegExp(`^${STAMP} start \\[1/19\\] preflight:credentials: Check AWS credentials$`))
    expect(steps.find((l) => l.includes('done  [11/19] kops:create-or-replace'))).toMatch(/\(created\) \(\d+(\.\d)?m?s\)$/)
    expect(steps.find((l) => l.includes('done  [17/19] addons:install'))).toMatch(/\(skipped: --skip addons\)/)
    // kops' klog chatter and its hints for kops users never reach the display.
    expect(r.stdout).not.toMatch(/^\S*\s+I\d{4} /m)
    expect(r.stdout).not.toContain('kOps has set your kubectl context')
    expect(r.stdout).not.toContain('Suggestions:')
    const summary = r.stdout.slice(r.stdout.indexOf(`Cluster ${name} is ready in `))
    expect(summary).toMatch(new RegExp(`^Cluster ${name} is ready in \\S+: 19 steps, \\d+ done, \\d+ already in place, 2 skipped$`, 'm'))
    expect(summary).toContain('  skipped:  addons:install (--skip addons)')
    expect(summary).toContain(`  log:      ${join(t.dir, 'state/logs', name)}/`)
    expect(summary).toMatch(new RegExp(`  audit:    s3://${t.bucket}/kopsmith/${name}/audit/\\S+-create-\\S+\\.json`))
    expect(summary).toContain(`  export KUBECONFIG=${join(t.dir, 'state/kubeconfig', name)}`)
    expect(summary).toContain('  kubectl get nodes')
    expect(summary).toContain('Next: kopsmith cluster validate -f cluster.yaml')
    expect(r.stderr).toBe('')
  })

  it('a kops failure: the step fails, kops\' error is shown once with the log path, no klog noise, exit 5', {timeout: 240_000}, async () => {
    const name = 'failing.sandbox.k8s.acme.de'
    const t = await cluster(name)
    const r = await t.create({KOPS_STANDIN_FAIL_AT: 'update-cluster'}, 'plain')
    expect(r.exitCode, r.stdout + r.stderr).toBe(5)
    const all = r.stdout + r.stderr
    const kopsError = 'error running tasks: deadline exceeded executing task AutoscalingGroup/nodes'
    expect(all.split(kopsError)).toHaveLength(2) // exactly once
    expect(r.stdout).toMatch(new RegExp(`^${STAMP} fail  \\[14/19\\] kops:update-cluster: kops update cluster --yes \\(\\S+\\)$`, 'm'))
    expect(r.stdout).not.toMatch(/ done {2}\[15\/19\]/)
    expect(r.stderr).toMatch(new RegExp(`^Error: kops update cluster failed: ${kopsError}`))
    expect(r.stderr).toContain(`  full log: ${join(t.dir, 'state/logs', name)}/`)
    expect(all.split('full log:')).toHaveLength(2)
    expect(all).not.toMatch(/I0822 10:00/)
    expect(r.stdout).not.toContain('is ready in')
    // The audit record has the plan and what became of each step: the failed one, the ones never run.
    const [key] = await keys(t.bucket, auditPrefix(name))
    const record = JSON.parse(await body(t.bucket, key!)) as AuditRecord
    expect(record.outcome).toBe('failure')
    expect(record.steps!.map((s) => s.id)).toEqual(record.plan!.steps.map((s) => s.id))
    expect(record.steps!.find((s) => s.id === 'kops:update-cluster')).toMatchObject({status: 'failed', outcome: expect.stringContaining(kopsError)})
    expect(record.steps!.find((s) => s.id === 'validate:wait')).toMatchObject({status: 'not-run'})
    expect(record.steps!.find((s) => s.id === 'lock:release')).toMatchObject({status: 'done', outcome: 'released'})
  })
})

/** The pid of a stand-in that `parent` runs with `words` (in this order), from /proc. */
function standinPid(parent: number, words: string[]): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // Other runs on this machine run stand-ins too: only a child of ours counts.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== parent) continue
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
      const at = argv.findIndex((a) => a.endsWith('kops-standin/kops'))
      if (at >= 0 && words.every((w, i) => argv[at + 1 + i] === w)) return Number(entry)
    } catch {
      // the process ended while we looked
    }
  }
  return undefined
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}

function filesUnder(dir: string): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.isFile() ? [relative(dir, join(d, e.name))] : []))
  return walk(dir)
}
