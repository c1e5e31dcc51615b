import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {CreateBucketCommand} from '@aws-sdk/client-s3'
import {describe, expect, it} from 'vitest'

import {FsPackageFiles} from '../../../src/adapters/package-files.js'
import {HARDENING_IDS} from '../../../src/core/config/constants.js'
import {validateClusterFile} from '../../../src/core/config/validate.js'
import {renderClusterManifests} from '../../../src/services/render-cluster.js'
import {runCli} from '../../helpers/cli.js'
import {motoClients, motoEnv, uniqueBucket} from '../../helpers/moto.js'
import {cliWorkDir, clusterFile, normalise, readCallLog, seedCluster, STANDIN} from '../../integration/kops/standin.js'

const NAME = 'dev.k8s.acme.de'

async function setup() {
  const dir = cliWorkDir('kopsmith-validate-')
  const bucket = uniqueBucket('validate')
  await motoClients().s3.send(new CreateBucketCommand({Bucket: bucket, CreateBucketConfiguration: {LocationConstraint: 'eu-central-1'}}))
  const state = `s3://${bucket}`
  const callLog = join(dir, 'calls.jsonl')
  seedCluster(state, {name: NAME, kubernetesVersion: '1.35.7', nodes: 2}, motoEnv())
  const validate = (args: string[], env: Record<string, string> = {}) =>
    runCli(['cluster', 'validate', '--name', NAME, '--state', state, ...args], {cwd: dir, env: {...motoEnv(), KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: callLog, KOPS_STATE_STORE: undefined, ...env}})
  const validations = () => readCallLog(callLog).filter((c) => c.command === 'validate-cluster')
  return {dir, callLog, validate, validations}
}

describe('kopsmith cluster validate (kops stand-in)', () => {
  it('exit 0 for a healthy cluster, one `kops validate cluster -o json` without --wait (--json pinned)', async () => {
    const t = await setup()
    const r = await t.validate(['--json'])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(normalise(r.json)).toMatchSnapshot()
    expect(t.validations().map((c) => c.argv.join(' '))).toEqual([`validate cluster --name ${NAME} -o json`])
  })

  it('exit 1 for an unhealthy cluster, the failures and nodes in the error details (--json pinned)', async () => {
    const t = await setup()
    const r = await t.validate(['--json'], {KOPS_STANDIN_HEALTH: 'unhealthy'})
    expect(r.exitCode).toBe(1)
    expect(normalise(r.json)).toMatchSnapshot()
  })

  it('waits in its own loop: two unhealthy attempts, then --count 2 healthy ones', async () => {
    const t = await setup()
    const r = await t.validate(['--wait', '30s', '--interval', '100ms', '--count', '2', '--json'], {KOPS_STANDIN_HEALTH: 'unhealthy-then-healthy:2'})
    expect(r.exitCode, r.stderr).toBe(0)
    expect((r.json as {result: {attempts: number; healthy: boolean}}).result).toMatchObject({healthy: true, attempts: 4})
    expect(t.validations().map((c) => c.exitCode)).toEqual([1, 1, 0, 0])
    expect(t.validations().every((c) => !c.argv.includes('--wait'))).toBe(true)
  })

  it('exit 7 when --wait runs out, with a readable table in human mode', async () => {
    const t = await setup()
    // Each stand-in call reads the S3 state through the SDK (a second or so): room for two attempts.
    const r = await t.validate(['--wait', '6s', '--interval', '200ms'], {KOPS_STANDIN_HEALTH: 'unhealthy'})
    expect(r.exitCode).toBe(7)
    expect(r.stdout).toMatch(/^FAILURES$/m)
    expect(r.stdout).toMatch(/Node\s+i-0\w+\s+node "i-0\w+" of role "node" is not ready/)
    expect(r.stderr).toContain(`${NAME} did not pass validation 2 time(s) in a row within 6s`)
    expect(t.validations().length).toBeGreaterThanOrEqual(2)
  })

  async function seededFromFile(render: 'kopsmith' | 'bare') {
    const clients = motoClients()
    const bucket = uniqueBucket('validate')
    await clients.s3.send(new CreateBucketCommand({Bucket: bucket, CreateBucketConfiguration: {LocationConstraint: 'eu-central-1'}}))
    const name = 'v.sandbox.k8s.acme.de'
    const dir = cliWorkDir('kopsmith-validate-')
    const text = clusterFile({name, bucket, kubernetesVersion: '1.35.7', profile: 'sandbox'})
    writeFileSync(join(dir, 'cluster.yaml'), text)
    if (render === 'bare') {
      seedCluster(`s3://${bucket}`, {name, kubernetesVersion: '1.35.7', profile: 'sandbox'}, motoEnv())
    } else {
      // The spec kopsmith renders, stored by kops as `cluster create` would.
      const config = validateClusterFile(text, 'cluster.yaml')
      const rendered = await renderClusterManifests(new FsPackageFiles(), config, {expiresAt: '2026-12-01T00:00:00Z'})
      writeFileSync(join(dir, 'kops.yaml'), rendered.manifest)
      const env = {...process.env, ...motoEnv(), KOPS_STATE_STORE: `s3://${bucket}`, KOPS_STANDIN_LOG: '', KOPS_STANDIN_VERSION: '1.35.1'}
      execFileSync(STANDIN, ['create', '-f', join(dir, 'kops.yaml')], {env, stdio: 'pipe'})
      writeFileSync(join(dir, 'enc.yaml'), 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: []\n')
      execFileSync(STANDIN, ['create', 'secret', 'encryptionconfig', '--name', name, '-f', join(dir, 'enc.yaml')], {env, stdio: 'pipe'})
      execFileSync(STANDIN, ['update', 'cluster', '--name', name, '--yes', '--create-kube-config=false'], {env, stdio: 'pipe'})
    }
    return {dir, name}
  }

  it('-f FILE: healthy, and the live hardening audit of the stored spec passes', async () => {
    const {dir, name} = await seededFromFile('kopsmith')
    const r = await runCli(['cluster', 'validate', '-f', 'cluster.yaml', '--json'], {cwd: dir, env: {...motoEnv(), KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: ''}, timeoutMs: 60_000})
    expect(r.exitCode, r.stdout).toBe(0)
    const result = (r.json as {result: {cluster: string; healthy: boolean; audit: {failed: string[]; checks: unknown[]}}}).result
    expect(result).toMatchObject({cluster: name, healthy: true})
    expect(result.audit.failed).toEqual([])
    expect(result.audit.checks).toHaveLength(HARDENING_IDS.length)
  })

  it('-f FILE: a healthy cluster whose stored spec is not hardened exits 9 naming the failed checks', async () => {
    const {dir, name} = await seededFromFile('bare')
    const r = await runCli(['cluster', 'validate', '-f', 'cluster.yaml', '--json'], {cwd: dir, env: {...motoEnv(), KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: ''}, timeoutMs: 60_000})
    expect(r.exitCode, r.stderr).toBe(9)
    const error = (r.json as {error: {message: string; details: {healthy: boolean; audit: {failed: string[]}}}}).error
    expect(error.details.healthy).toBe(true)
    expect(error.details.audit.failed.length).toBeGreaterThan(0)
    expect(error.message).toContain(`${name} is healthy but fails hardening check(s) ${error.details.audit.failed.join(', ')}`)
  })
})
