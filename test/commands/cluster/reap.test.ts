import {join} from 'node:path'

import {CreateBucketCommand} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, it} from 'vitest'

import {S3StateStore} from '../../../src/adapters/aws/s3-state-store.js'
import type {AwsClients} from '../../../src/adapters/aws/clients.js'
import {auditPrefix, lockKey} from '../../../src/core/aws/lock.js'
import {clusterMetadataKey, serializeClusterMetadata, type ClusterMetadata} from '../../../src/core/sandbox/metadata.js'
import {runCli} from '../../helpers/cli.js'
import {motoClients, motoEnv, uniqueBucket} from '../../helpers/moto.js'
import {readCallLog, seedCluster, STANDIN} from '../../integration/kops/standin.js'
import {workDir} from '../sandbox/support.js'

const AT = '2026-05-10T12:00:00Z'
const EXPIRED = 'expired.sandbox.k8s.acme.de'
const ALSO_EXPIRED = 'also-expired.sandbox.k8s.acme.de'
const FRESH = 'fresh.sandbox.k8s.acme.de'
const PROD = 'prod.k8s.acme.de'

let clients: AwsClients
let store: S3StateStore
/** Seeded once for the runs that must not change anything (seeding through the stand-in is slow). */
let untouched: Promise<string>

beforeAll(() => {
  clients = motoClients()
  store = new S3StateStore(clients)
  untouched = stateWith(MIX)
})

// Each run spawns the CLI and many stand-in processes; give slow machines room.
const SLOW = 180_000

interface Seed {
  name: string
  /** What kopsmith's record says. */
  profile: 'production' | 'sandbox'
  expiresAt: string | null
  protected?: boolean
  /** What the stored spec's labels say (may be forged). */
  labelProfile: 'production' | 'sandbox'
  labelExpiresAt?: string
}

/** A bucket with clusters created through the kops stand-in and kopsmith's metadata.json beside them. */
async function stateWith(clusters: Seed[]): Promise<string> {
  const bucket = uniqueBucket('reap')
  await clients.s3.send(new CreateBucketCommand({Bucket: bucket, CreateBucketConfiguration: {LocationConstraint: 'eu-central-1'}}))
  for (const c of clusters) {
    seedCluster(`s3://${bucket}`, {name: c.name, kubernetesVersion: '1.35.7', profile: c.labelProfile, ...(c.labelExpiresAt ? {expiresAt: c.labelExpiresAt} : {})}, motoEnv())
    const metadata: ClusterMetadata = {name: c.name, profile: c.profile, owner: 'alice@acme.de', protected: c.protected ?? c.profile === 'production', expiresAt: c.expiresAt, createdAt: '2026-05-01T00:00:00Z'}
    await store.putObject(bucket, clusterMetadataKey(c.name), serializeClusterMetadata(metadata))
  }
  return bucket
}

const MIX: Seed[] = [
  {name: EXPIRED, profile: 'sandbox', expiresAt: '2026-05-09T12:00:00Z', labelProfile: 'sandbox', labelExpiresAt: '2026-05-09T12:00:00Z'},
  {name: FRESH, profile: 'sandbox', expiresAt: '2026-05-11T12:00:00Z', labelProfile: 'sandbox', labelExpiresAt: '2026-05-11T12:00:00Z'},
  // A production cluster whose labels were forged to look like a long-expired sandbox.
  {name: PROD, profile: 'production', expiresAt: null, labelProfile: 'sandbox', labelExpiresAt: '2020-01-01T00:00:00Z'},
]

async function reap(bucket: string, extra: string[], env: Record<string, string> = {}) {
  const dir = workDir('kopsmith-reap-')
  const callLog = join(dir, 'kops-calls.jsonl')
  const r = await runCli(['cluster', 'reap', '--state', `s3://${bucket}`, '--at', AT, '--json', ...extra], {
    cwd: dir,
    env: {...motoEnv(), KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: callLog, KOPS_STANDIN_FAIL_AT: '', CI: '1', ...env},
    timeoutMs: 120_000,
  })
  return {...r, calls: readCallLog(callLog)}
}

/** Clusters kops still has a spec for (the audit records of a reaped cluster stay, under kopsmith/). */
async function kopsNames(bucket: string): Promise<string[]> {
  const prefixes = (await store.listKeys(bucket, '', {delimiter: '/'})).map((k) => k.replace(/\/$/, '')).filter((k) => !k.startsWith('.'))
  const present = await Promise.all(prefixes.map(async (p) => ((await store.getObject(bucket, `${p}/config`)) ? p : undefined)))
  return present.filter((p): p is string => p !== undefined).sort()
}

describe('kopsmith cluster reap (moto + kops stand-in)', () => {
  it('reaps the expired sandbox, keeps the unexpired one, never touches production with forged labels', async () => {
    const bucket = await stateWith(MIX)
    const r = await reap(bucket, ['--yes'])
    expect(r.exitCode, r.stderr).toBe(0)

    // Final state: only the expired sandbox is gone, with all its state (kopsmith's audit records stay, under kopsmith/).
    expect(await kopsNames(bucket)).toEqual([FRESH, PROD])
    expect(await store.listKeys(bucket, `${EXPIRED}/`)).toEqual([])
    expect(await store.getObject(bucket, lockKey(EXPIRED))).toBeUndefined()
    // Audited through the delete service.
    const audits = await store.listKeys(bucket, auditPrefix(EXPIRED))
    expect(audits).toHaveLength(1)
    expect(JSON.parse((await store.getObject(bucket, audits[0]!))!.body)).toMatchObject({operation: 'delete', outcome: 'success', cluster: EXPIRED, command: expect.arrayContaining(['cluster', 'reap'])})
    // kops was never asked to delete (or change) anything but the expired sandbox.
    const mutating = r.calls.filter((c) => !['get-clusters', 'version'].includes(c.command))
    expect(mutating.map((c) => c.argv.join(' '))).toEqual([`delete cluster --name ${EXPIRED}`, `delete cluster --name ${EXPIRED} --yes`])
    expect(r.calls.filter((c) => c.argv.includes(PROD) && c.command !== 'get-clusters')).toEqual([])
    expect(await store.listKeys(bucket, auditPrefix(PROD))).toEqual([])

    // The JSON summary, pinned.
    expect(r.json).toMatchSnapshot()
  }, SLOW)

  it('--dry-run lists the decisions and deletes nothing (no --yes needed)', async () => {
    const bucket = await untouched
    const r = await reap(bucket, ['--dry-run'])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(await kopsNames(bucket)).toEqual([EXPIRED, FRESH, PROD].sort())
    expect(r.calls.filter((c) => c.command === 'delete-cluster')).toEqual([])
    expect(r.json).toMatchObject({status: 'ok', result: {dryRun: true, reaped: [{name: EXPIRED}], kept: [{name: FRESH}], skipped: [{name: PROD}], failed: []}})
  }, SLOW)

  it('a failed reap is reported while the others proceed; exit 5 because kops failed', async () => {
    const bucket = await stateWith([...MIX, {name: ALSO_EXPIRED, profile: 'sandbox', expiresAt: '2026-05-08T00:00:00Z', labelProfile: 'sandbox', labelExpiresAt: '2026-05-08T00:00:00Z'}])
    // Clusters are reaped in name order: also-expired first (preview = call 1, delete = call 2), then expired.
    const r = await reap(bucket, ['--yes'], {KOPS_STANDIN_FAIL_AT: 'delete-cluster:2'})
    expect(r.exitCode, r.stderr).toBe(5)

    expect(await kopsNames(bucket)).toEqual([ALSO_EXPIRED, FRESH, PROD])
    expect(await store.getObject(bucket, lockKey(ALSO_EXPIRED))).toBeUndefined() // released after the failure
    const failedAudit = await store.listKeys(bucket, auditPrefix(ALSO_EXPIRED))
    expect(JSON.parse((await store.getObject(bucket, failedAudit[0]!))!.body)).toMatchObject({operation: 'delete', outcome: 'failure', exitCode: 5})

    const json = r.json as {status: string; result: {reaped: Array<{name: string}>; failed: Array<Record<string, unknown>>}; warnings: string[]}
    expect(json.status).toBe('ok')
    expect(json.result.reaped.map((x) => x.name)).toEqual([EXPIRED])
    expect(json.result.failed).toEqual([{name: ALSO_EXPIRED, error: expect.stringContaining('not making progress deleting resources; giving up'), code: 'kops-failed', exitCode: 5}])
    expect(json.warnings.join('\n')).toContain(ALSO_EXPIRED)
    expect(r.calls.filter((c) => c.command === 'delete-cluster').map((c) => [c.argv.join(' '), c.exitCode])).toEqual([
      [`delete cluster --name ${ALSO_EXPIRED}`, 0],
      [`delete cluster --name ${ALSO_EXPIRED} --yes`, 1],
      [`delete cluster --name ${EXPIRED}`, 0],
      [`delete cluster --name ${EXPIRED} --yes`, 0], // nothing of kopsmith's in kops' folder: kops removes it all
    ])
  }, SLOW)

  it('without --yes in a non-interactive run: exit 2 naming --yes, nothing deleted', async () => {
    const bucket = await untouched
    const r = await reap(bucket, [])
    expect(r.exitCode).toBe(2)
    expect(r.json).toMatchObject({status: 'error', error: {code: 'usage', message: expect.stringContaining('pass --yes')}})
    expect(await kopsNames(bucket)).toEqual([EXPIRED, FRESH, PROD].sort())
    expect(r.calls).toEqual([])
  }, SLOW)

  it('refuses an --at that is not a time (exit 2)', async () => {
    const r = await runCli(['cluster', 'reap', '--state', 's3://b-c-d', '--at', 'tomorrow', '--dry-run', '--json'], {env: motoEnv()})
    expect(r.exitCode).toBe(2)
    expect(r.json).toMatchObject({error: {message: expect.stringContaining('--at tomorrow')}})
  })
})
