import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {CreateBucketCommand, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, it} from 'vitest'

import {FsPackageFiles} from '../../../src/adapters/package-files.js'
import {validateClusterFile} from '../../../src/core/config/validate.js'
import {toYaml} from '../../../src/core/render/kops-spec.js'
import {renderClusterManifests} from '../../../src/services/render-cluster.js'
import {ROOT, runCli} from '../../helpers/cli.js'
import {motoEnv, uniqueBucket} from '../../helpers/moto.js'

/**
 * `cluster audit --live` against moto: the spec kops stored in the state bucket is edited behind
 * kopsmith's back, and the audit must report the broken checks by id and the changed fields as drift.
 */
const STANDIN = join(ROOT, 'test/fixtures/kops-standin/kops')

interface Fixture {
  file: string
  bucket: string
  name: string
}

interface ClusterSpec {
  spec: {api: {loadBalancer: {type: string}}; kubeAPIServer: {anonymousAuth: boolean}}
}

async function storeSpec(mutate: (cluster: ClusterSpec) => void): Promise<Fixture> {
  const bucket = uniqueBucket('audit')
  const dir = mkdtempSync(join(tmpdir(), 'kopsmith-audit-'))
  const text = readFileSync(join(ROOT, 'examples/production.yaml'), 'utf8').replace('bucket: acme-kops-state', `bucket: ${bucket}`)
  const file = join(dir, 'cluster.yaml')
  writeFileSync(file, text)
  const config = validateClusterFile(text, file)
  const rendered = await renderClusterManifests(new FsPackageFiles(), config)
  const s3 = new S3Client({region: 'eu-central-1', forcePathStyle: true, endpoint: motoEnv().AWS_ENDPOINT_URL, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}})
  for (const b of [bucket, config.stateStore.discoveryBucket]) {
    await s3.send(new CreateBucketCommand({Bucket: b, CreateBucketConfiguration: {LocationConstraint: 'eu-central-1'}}))
  }
  const cluster = structuredClone(rendered.cluster)
  mutate(cluster as unknown as ClusterSpec)
  // kops' own layout: NAME/config and NAME/instancegroup/<ig>.
  await s3.send(new PutObjectCommand({Bucket: bucket, Key: `${config.name}/config`, Body: toYaml(cluster)}))
  for (const ig of rendered.instanceGroups) {
    await s3.send(new PutObjectCommand({Bucket: bucket, Key: `${config.name}/instancegroup/${ig.metadata.name}`, Body: toYaml(ig)}))
  }
  return {file, bucket, name: config.name}
}

function audit(fixture: Fixture) {
  return runCli(['cluster', 'audit', '-f', fixture.file, '--live', '--json'], {env: {...motoEnv(), KOPSMITH_KOPS: STANDIN}})
}

describe('cluster audit --live against the state bucket (moto)', () => {
  beforeAll(() => {
    expect(motoEnv().AWS_ENDPOINT_URL).toMatch(/^http:\/\/127\.0\.0\.1:/)
  })

  it('an untouched stored spec passes every check and shows no drift', async () => {
    const r = await audit(await storeSpec(() => {}))
    expect(r.exitCode, r.stderr).toBe(0)
    const result = (r.json as {result: {source: string; failed: string[]; drift: unknown[]}}).result
    expect(result.source).toBe('live')
    expect(result.failed).toEqual([])
    expect(result.drift).toEqual([])
  })

  it('a public API load balancer and anonymous auth, edited behind the tool, fail H02 and H05 and show as drift', async () => {
    const fixture = await storeSpec((c) => {
      c.spec.api.loadBalancer.type = 'Public'
      c.spec.kubeAPIServer.anonymousAuth = true
    })
    const r = await audit(fixture)
    expect(r.exitCode).toBe(9)
    const envelope = r.json as {status: string; error: {details: {failed: string[]; drift: Array<{path: string; desired: unknown; live: unknown}>}}}
    expect(envelope.status).toBe('error')
    expect(envelope.error.details.failed).toEqual(['H02', 'H05'])
    expect(envelope.error.details.drift).toEqual(
      expect.arrayContaining([
        {path: 'spec.api.loadBalancer.type', desired: 'Internal', live: 'Public'},
        {path: 'spec.kubeAPIServer.anonymousAuth', desired: false, live: true},
      ]),
    )
    expect(envelope.error.details.drift).toHaveLength(2)
  })
})
