import {CreateBucketCommand} from '@aws-sdk/client-s3'
import {CreateHostedZoneCommand, Route53Client} from '@aws-sdk/client-route-53'
import {describe, expect, it} from 'vitest'

import {auditPrefix, type AuditRecord} from '../../../src/core/aws/lock.js'
import {clusterMetadataKey} from '../../../src/core/sandbox/metadata.js'
import {listKeys, motoForFile, motoSnapshot, productionScenario, readObject, runBuiltCli, s3, sandboxScenario, type Scenario} from './support.js'

/**
 * A refused `cluster create --yes` changes nothing: the built CLI against moto and the kops
 * stand-in, with moto's whole state compared before and after. Every precondition of every
 * resource is checked before any is created, and an existing cluster is never turned into
 * something else unless --allow-change names the change.
 */
const moto = motoForFile()

const yes = ['--yes', '--json', '--skip', 'addons,namespaces']
const create = (t: Scenario, file = t.file, extra: string[] = [], env: Record<string, string> = {}) => runBuiltCli(['cluster', 'create', '-f', file, ...yes, ...extra], {cwd: t.dir, env: {...t.env, ...env}})
const error = (r: {json: unknown}) => (r.json as {error: {code: string; message: string; suggestions: string[]}}).error

async function audits(t: Scenario): Promise<AuditRecord[]> {
  return Promise.all((await listKeys(moto.url, t.bucket, auditPrefix(t.name))).map(async (k) => JSON.parse(await readObject(moto.url, t.bucket, k)) as AuditRecord))
}

describe('a production cluster re-created from a one-hour sandbox file (built CLI, moto, kops stand-in)', () => {
  it('is refused with exit 9 and moto left exactly as it was; with --allow-change naming every change, dropping control-plane groups kops would keep is still refused before anything changes', {timeout: 600_000}, async () => {
    const t = productionScenario(moto.url)
    const made = await create(t)
    expect(made.exitCode, made.stdout + made.stderr).toBe(0)
    const sandbox = t.sandboxOverIt()

    const before = await motoSnapshot(moto.url)
    const refused = await create(t, sandbox)
    expect(refused.exitCode, refused.stdout + refused.stderr).toBe(9)
    expect(error(refused).message).toContain(`${t.name} exists, and this cluster file would change what it is; nothing was changed`)
    for (const line of [
      'profile: production → sandbox (kopsmith record: profile)',
      'profile: production → sandbox (kops spec: spec.cloudLabels["kopsmith.dev/profile"])',
      'protected: true → false (kopsmith record: protected)',
      'control-plane: control-plane-eu-central-1a, control-plane-eu-central-1b, control-plane-eu-central-1c → control-plane-eu-central-1a',
      'etcd: a, b, c → a (kops spec: spec.etcdClusters[main].etcdMembers)',
      'zones: eu-central-1a, eu-central-1b, eu-central-1c → eu-central-1a',
    ]) expect(error(refused).message).toContain(line)
    expect(error(refused).suggestions.join('\n')).toContain(`--allow-change profile,protected,control-plane,etcd,zones`)
    expect(await motoSnapshot(moto.url)).toEqual(before)

    // Even with every change allowed: dropping the b and c control-plane groups would need kops to
    // delete them (kops replace keeps them, kops update then refuses), so nothing is changed.
    const allowed = await create(t, sandbox, ['--allow-change', 'profile,protected,control-plane,etcd,zones'])
    expect(allowed.exitCode, allowed.stdout + allowed.stderr).toBe(9)
    expect(error(allowed).message).toContain('drops instance group(s) the state store still holds: control-plane-eu-central-1b, control-plane-eu-central-1c')
    expect(error(allowed).suggestions.join('\n')).toContain(`kops delete instancegroup control-plane-eu-central-1b --name ${t.name} --state s3://${t.bucket} --yes`)
    expect(await motoSnapshot(moto.url)).toEqual(before)
    expect(JSON.parse(await readObject(moto.url, t.bucket, clusterMetadataKey(t.name)))).toMatchObject({profile: 'production', protected: true})
    // Refusals come before the lock: the only audit record is the first create's.
    expect((await audits(t)).map((a) => `${a.operation} ${a.outcome}`)).toEqual(['create success'])
  })
})

describe('a refused create leaves moto exactly as it was (built CLI, moto, kops stand-in)', () => {
  const cases: Array<[string, (t: Scenario) => Promise<Record<string, string> | void>, number, string]> = [
    [
      'the OIDC discovery bucket exists in eu-west-1',
      async (t) => {
        await s3(moto.url, 'eu-west-1').send(new CreateBucketCommand({Bucket: `${t.bucket}-oidc`, CreateBucketConfiguration: {LocationConstraint: 'eu-west-1'}}))
      },
      9,
      'exists in eu-west-1, not eu-central-1',
    ],
    [
      'the state bucket exists in eu-west-1',
      async (t) => {
        await s3(moto.url, 'eu-west-1').send(new CreateBucketCommand({Bucket: t.bucket, CreateBucketConfiguration: {LocationConstraint: 'eu-west-1'}}))
      },
      9,
      'exists in eu-west-1, not eu-central-1',
    ],
    [
      'two public zones of the cluster zone\'s name exist',
      async (t) => {
        const zone = t.name.slice(t.name.indexOf('.') + 1)
        const route53 = new Route53Client({region: 'us-east-1', endpoint: moto.url, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}})
        for (const n of [1, 2]) await route53.send(new CreateHostedZoneCommand({Name: zone, CallerReference: `twin-${n}-${t.bucket}`}))
      },
      4,
      'Cannot use hosted zone',
    ],
    [
      'the parent zone is in this account and --delegate is not given',
      async (t) => {
        const zone = t.name.slice(t.name.indexOf('.') + 1)
        await new Route53Client({region: 'us-east-1', endpoint: moto.url, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}}).send(
          new CreateHostedZoneCommand({Name: zone.slice(zone.indexOf('.') + 1), CallerReference: `parent-${t.bucket}`}),
        )
      },
      4,
      'does not exist yet and its parent zone',
    ],
    ['the kops binary cannot drive Kubernetes 1.35', async () => ({KOPS_STANDIN_VERSION: '1.33.4'}), 4, 'kops 1.33 supports Kubernetes'],
    ['there are no AWS credentials', async () => ({AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: ''}), 4, 'No usable AWS credentials'],
  ]

  it.each(cases)('%s', {timeout: 180_000}, async (_name, arrange, exitCode, message) => {
    const t = sandboxScenario(moto.url)
    const env = (await arrange(t)) ?? {}
    const before = await motoSnapshot(moto.url)
    const r = await create(t, t.file, [], env)
    expect(r.exitCode, r.stdout + r.stderr).toBe(exitCode)
    expect(error(r).message).toContain(message)
    expect(await motoSnapshot(moto.url)).toEqual(before)
  })
})
