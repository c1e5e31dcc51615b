import {join} from 'node:path'

import {CreateBucketCommand} from '@aws-sdk/client-s3'
import {describe, expect, it} from 'vitest'

import {S3StateStore} from '../../../src/adapters/aws/s3-state-store.js'
import {clusterMetadataKey, serializeClusterMetadata, type ClusterMetadata} from '../../../src/core/sandbox/metadata.js'
import {runCli} from '../../helpers/cli.js'
import {motoClients, motoEnv, uniqueBucket} from '../../helpers/moto.js'
import {cliWorkDir, normalise, seedCluster} from '../../integration/kops/standin.js'

/**
 * `cluster list` reads the S3 state store itself (moto here): clusters are the stored kops specs,
 * joined with kopsmith's records. kops is pointed at a path that does not exist, so any kops call fails.
 */
async function setup() {
  const clients = motoClients()
  const bucket = uniqueBucket('list')
  await clients.s3.send(new CreateBucketCommand({Bucket: bucket, CreateBucketConfiguration: {LocationConstraint: 'eu-central-1'}}))
  const dir = cliWorkDir('kopsmith-list-')
  const store = new S3StateStore(clients)
  const list = (args: string[], env: Record<string, string | undefined> = {}) =>
    runCli(['cluster', 'list', ...args], {cwd: dir, env: {...motoEnv(), KOPSMITH_KOPS: join(dir, 'no-kops-here'), KOPS_STATE_STORE: undefined, ...env}})
  const record = (m: ClusterMetadata) => store.putObject(bucket, clusterMetadataKey(m.name), serializeClusterMetadata(m))
  return {bucket, store, list, record}
}

describe('kopsmith cluster list (S3 state store on moto, no kops)', () => {
  it('lists the clusters kops stored, with kopsmith’s record of each (--json pinned)', async () => {
    const t = await setup()
    seedCluster(`s3://${t.bucket}`, {name: 'prod.k8s.acme.de', kubernetesVersion: '1.35.7', profile: 'production', zones: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c']}, motoEnv())
    seedCluster(`s3://${t.bucket}`, {name: 'alice.sandbox.k8s.acme.de', kubernetesVersion: '1.34.10', profile: 'sandbox', owner: 'alice@acme.de', expiresAt: '2026-01-02T03:04:05Z'}, motoEnv())
    seedCluster(`s3://${t.bucket}`, {name: 'legacy.k8s.acme.de', kubernetesVersion: '1.33.13'}, motoEnv())
    await t.record({name: 'prod.k8s.acme.de', profile: 'production', owner: 'platform@acme.de', protected: true, expiresAt: null, createdAt: '2026-01-01T00:00:00Z'})
    // The record's expiry is later than the label: the record is what reap acts on.
    await t.record({name: 'alice.sandbox.k8s.acme.de', profile: 'sandbox', owner: 'alice@acme.de', protected: false, expiresAt: '2099-01-01T00:00:00Z', createdAt: '2026-01-01T00:00:00Z'})
    // Folders without a `config` are not clusters (kops' listing has it so too).
    await t.store.putObject(t.bucket, 'backups/notes.txt', 'not a cluster')

    const r = await t.list(['--state', `s3://${t.bucket}`, '--json'])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(normalise(r.json, {[t.bucket]: '<bucket>'})).toEqual({
      status: 'ok',
      result: {
        stateStore: 's3://<bucket>',
        clusters: [
          {name: 'alice.sandbox.k8s.acme.de', kubernetesVersion: '1.34.10', profile: 'sandbox', owner: 'alice@acme.de', protected: false, expiresAt: '<time>', expired: false, managedByKopsmith: true},
          // No kopsmith record: the labels of the stored spec fill in.
          {name: 'legacy.k8s.acme.de', kubernetesVersion: '1.33.13', profile: 'production', owner: 'platform@acme.de', protected: null, expiresAt: null, expired: false, managedByKopsmith: true},
          {name: 'prod.k8s.acme.de', kubernetesVersion: '1.35.7', profile: 'production', owner: 'platform@acme.de', protected: true, expiresAt: null, expired: false, managedByKopsmith: true},
        ],
      },
      warnings: [],
    })
    expect((r.json as {result: {clusters: Array<{expiresAt: string | null}>}}).result.clusters[0]!.expiresAt).toBe('2099-01-01T00:00:00Z')
  })

  it('reads the store from KOPS_STATE_STORE and prints a table', async () => {
    const t = await setup()
    seedCluster(`s3://${t.bucket}`, {name: 'alice.sandbox.k8s.acme.de', kubernetesVersion: '1.34.10', profile: 'sandbox', owner: 'alice@acme.de', expiresAt: '2020-01-01T00:00:00Z'}, motoEnv())
    const r = await t.list([], {KOPS_STATE_STORE: `s3://${t.bucket}`})
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stdout.split('\n')[0]).toMatch(/^NAME\s+KUBERNETES\s+PROFILE\s+OWNER\s+EXPIRES$/)
    expect(r.stdout).toMatch(/alice\.sandbox\.k8s\.acme\.de\s+1\.34\.10\s+sandbox\s+alice@acme\.de\s+2020-01-01T00:00:00Z \(expired\)/)
  })

  it('an empty store is no clusters, exit 0', async () => {
    const t = await setup()
    const r = await t.list(['--state', t.bucket, '--json'])
    expect(r.exitCode, r.stderr).toBe(0)
    expect((r.json as {result: {clusters: unknown[]}}).result.clusters).toEqual([])
  })

  it('needs a state store on S3 (exit 2)', async () => {
    const t = await setup()
    const none = await t.list(['--json'])
    expect(none.exitCode).toBe(2)
    expect(JSON.stringify(none.json)).toContain('KOPS_STATE_STORE')
    const file = await t.list(['--state', 'file:///tmp/state', '--json'])
    expect(file.exitCode).toBe(2)
    expect(JSON.stringify(file.json)).toContain('is not an S3 state store: expected s3://BUCKET')
  })
})
