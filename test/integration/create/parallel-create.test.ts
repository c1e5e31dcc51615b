import {GetBucketPolicyCommand} from '@aws-sdk/client-s3'
import {CreateHostedZoneCommand, DeleteHostedZoneCommand, ListHostedZonesByNameCommand, Route53Client} from '@aws-sdk/client-route-53'
import {describe, expect, it} from 'vitest'

import {auditPrefix, lockKey} from '../../../src/core/aws/lock.js'
import {clusterMetadataKey} from '../../../src/core/sandbox/metadata.js'
import {discoveryDocumentKeys, DISCOVERY_READ_SID, TLS_ONLY_SID} from '../../../src/core/aws/bucket.js'
import {uniqueBucket, uniqueZone} from '../../helpers/moto.js'
import {listKeys, motoForFile, readObject, runBuiltCli, s3, sandboxScenario} from './support.js'

/**
 * Six teams create six clusters at once, sharing one state bucket, its OIDC discovery bucket and
 * one DNS zone: real processes of the built CLI against moto and the kops stand-in. Every run must
 * succeed, and the shared bucket policy must publish every cluster's discovery documents.
 */
const moto = motoForFile()

/** IAM resource matching: `*` matches any run of characters, `/` included. */
function matches(pattern: string, arn: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)
  return regex.test(arn)
}

describe('the moto wrapper', () => {
  it('refuses a reused CreateHostedZone CallerReference as Route53 does (HostedZoneAlreadyExists, 409), even after a delete', async () => {
    const route53 = new Route53Client({region: 'us-east-1', endpoint: moto.url, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}})
    const zone = uniqueZone('twice')
    const created = await route53.send(new CreateHostedZoneCommand({Name: zone, CallerReference: `ref-${zone}`}))
    const refused = {name: 'HostedZoneAlreadyExists', message: 'A hosted zone has already been created with the specified caller reference.', $metadata: {httpStatusCode: 409}}
    expect(await route53.send(new CreateHostedZoneCommand({Name: zone, CallerReference: `ref-${zone}`})).catch((e: unknown) => e)).toMatchObject(refused)
    await route53.send(new DeleteHostedZoneCommand({Id: created.HostedZone!.Id}))
    expect(await route53.send(new CreateHostedZoneCommand({Name: zone, CallerReference: `ref-${zone}`})).catch((e: unknown) => e)).toMatchObject(refused)
  })
})

describe('six parallel cluster create --yes in one state bucket (built CLI, moto, kops stand-in)', () => {
  it('all succeed, and the shared discovery bucket publishes every cluster', {timeout: 600_000}, async () => {
    const bucket = uniqueBucket('shared')
    const zone = uniqueZone('teams')
    const runs = Array.from({length: 6}, (_, i) => sandboxScenario(moto.url, {bucket, zone, name: `team${i + 1}.${zone}`}))
    const results = await Promise.all(
      runs.map((t) => runBuiltCli(['cluster', 'create', '-f', t.file, '--yes', '--json', '--skip', 'addons,namespaces'], {cwd: t.dir, env: t.env, timeoutMs: 540_000})),
    )
    for (const [i, r] of results.entries()) expect(r.exitCode, `team${i + 1}: ${r.stdout}${r.stderr}`).toBe(0)

    const policy = JSON.parse((await s3(moto.url).send(new GetBucketPolicyCommand({Bucket: `${bucket}-oidc`}))).Policy ?? '{}') as {Statement: Array<{Sid: string; Resource: string | string[]}>}
    expect(policy.Statement.map((s) => s.Sid)).toEqual([TLS_ONLY_SID, DISCOVERY_READ_SID])
    const read = policy.Statement.find((s) => s.Sid === DISCOVERY_READ_SID)!
    const patterns = ([] as string[]).concat(read.Resource)
    for (const t of runs) {
      for (const key of discoveryDocumentKeys(t.name)) expect(patterns.some((p) => matches(p, `arn:aws:s3:::${bucket}-oidc/${key}`)), `${key} is published`).toBe(true)
    }
    // Public read stops at the discovery documents.
    for (const key of ['team1/config', `team1.${zone}/secrets/x`, 'index.html']) expect(patterns.some((p) => matches(p, `arn:aws:s3:::${bucket}-oidc/${key}`)), key).toBe(false)

    // One zone for all of them, and each cluster locked, recorded and audited on its own.
    const zones = await new Route53Client({region: 'us-east-1', endpoint: moto.url, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}}).send(new ListHostedZonesByNameCommand({DNSName: zone}))
    expect((zones.HostedZones ?? []).filter((z) => z.Name === `${zone}.`)).toHaveLength(1)
    for (const t of runs) {
      expect(await listKeys(moto.url, bucket, lockKey(t.name))).toEqual([])
      expect(JSON.parse(await readObject(moto.url, bucket, clusterMetadataKey(t.name)))).toMatchObject({name: t.name, profile: 'sandbox'})
      expect(await listKeys(moto.url, bucket, auditPrefix(t.name))).toHaveLength(1)
    }
  })
})
