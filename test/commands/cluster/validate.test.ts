import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {CreateBucketCommand} from '@aws-sdk/client-s3'
import {describe, expect, it} from 'vitest'

import {runCli} from '../../helpers/cli.js'
import {motoClients, motoEnv, uniqueBucket} from '../../helpers/moto.js'
import {cliWorkDir, clusterFile, normalise, readCallLog, seedCluster, STANDIN} from '../../integration/kops/standin.js'

const NAME = 'dev.k8s.acme.de'

function setup() {
  const dir = cliWorkDir('kopsmith-validate-')
  const state = pathToFileURL(join(dir, 'state')).href
  const callLog = join(dir, 'calls.jsonl')
  seedCluster(state, {name: NAME, kubernetesVersion: '1.35.7', nodes: 2})
  const validate = (args: string[], env: Record<string, string> = {}) =>
    runCli(['cluster', 'validate', '--name', NAME, '--state', state, ...args], {cwd: dir, env: {KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: callLog, ...env}})
  const validations = () => readCallLog(callLog).filter((c) => c.command === 'validate-cluster')
  return {dir, callLog, validate, validations}
}

describe('kopsmith cluster validate (kops stand-in)', () => {
  it('exit 0 for a healthy cluster, one `kops validate cluster -o json` without --wait (--json pinned)', async () => {
    const t = setup()
    const r = await t.validate(['--json'])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(normalise(r.json)).toMatchSnapshot()
    expect(t.validations().map((c) => c.argv.join(' '))).toEqual([`validate cluster --name ${NAME} -o json`])
  })

  it('exit 1 for an unhealthy cluster, the failures and nodes in the error details (--json pinned)', async () => {
    const t = setup()
    const r = await t.validate(['--json'], {KOPS_STANDIN_HEALTH: 'unhealthy'})
    expect(r.exitCode).toBe(1)
    expect(normalise(r.json)).toMatchSnapshot()
  })

  it('waits in its own loop: two unhealthy attempts, then --count 2 healthy ones', async () => {
    const t = setup()
    const r = await t.validate(['--wait', '30s', '--interval', '100ms', '--count', '2', '--json'], {KOPS_STANDIN_HEALTH: 'unhealthy-then-healthy:2'})
    expect(r.exitCode, r.stderr).toBe(0)
    expect((r.json as {result: {attempts: number; healthy: boolean}}).result).toMatchObject({healthy: true, attempts: 4})
    expect(t.validations().map((c) => c.exitCode)).toEqual([1, 1, 0, 0])
    expect(t.validations().every((c) => !c.argv.includes('--wait'))).toBe(true)
  })

  it('exit 7 when --wait runs out, with a readable table in human mode', async () => {
    const t = setup()
    const r = await t.validate(['--wait', '1s', '--interval', '200ms'], {KOPS_STANDIN_HEALTH: 'unhealthy'})
    expect(r.exitCode).toBe(7)
    expect(r.stdout).toMatch(/^FAILURES$/m)
    expect(r.stdout).toMatch(/Node\s+i-0\w+\s+node "i-0\w+" of role "node" is not ready/)
    expect(r.stderr).toContain(`${NAME} did not pass validation 2 time(s) in a row within 1s`)
    expect(t.validations().length).toBeGreaterThanOrEqual(2)
  })

  it('finds the cluster and its S3 state store from -f FILE', async () => {
    const clients = motoClients()
    const bucket = uniqueBucket('validate')
    await clients.s3.send(new CreateBucketCommand({Bucket: bucket, CreateBucketConfiguration: {LocationConstraint: 'eu-central-1'}}))
    const name = 'v.sandbox.k8s.acme.de'
    seedCluster(`s3://${bucket}`, {name, kubernetesVersion: '1.35.7', profile: 'sandbox'}, motoEnv())
    const dir = cliWorkDir('kopsmith-validate-')
    writeFileSync(join(dir, 'cluster.yaml'), clusterFile({name, bucket, kubernetesVersion: '1.35.7', profile: 'sandbox'}))
    const r = await runCli(['cluster', 'validate', '-f', 'cluster.yaml', '--json'], {cwd: dir, env: {...motoEnv(), KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: ''}, timeoutMs: 60_000})
    expect(r.exitCode, r.stderr).toBe(0)
    expect((r.json as {result: {cluster: string; nodes: unknown[]}}).result).toMatchObject({cluster: name, healthy: true})
  })
})
