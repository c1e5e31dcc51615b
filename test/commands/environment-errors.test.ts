import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {DOCTOR_SUGGESTION} from '../../src/core/errors.js'
import {runCli} from '../helpers/cli.js'
import {motoEnv} from '../helpers/moto.js'
import {cliWorkDir} from '../integration/kops/standin.js'

/** When the machine or the account is the cause, the error says so and points at `kopsmith doctor`. */
function awsConfig(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'kopsmith-aws-'))
  writeFileSync(join(dir, 'config'), '[profile platform]\nregion = eu-central-1\naws_access_key_id = testing\naws_secret_access_key = testing\n')
  return {AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: '/dev/null'}
}

describe('environment errors', () => {
  it('--profile nosuch: the profile does not exist (exit 4), with the nearest one and doctor', async () => {
    const env = {...motoEnv(), ...awsConfig(), AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined}
    const r = await runCli(['cluster', 'list', '--state', 's3://acme-kops-state', '--profile', 'platfrom', '--json'], {cwd: cliWorkDir(), env})
    expect(r.exitCode).toBe(4)
    const error = (r.json as {error: {message: string; suggestions: string[]}}).error
    expect(error.message).toMatch(/^AWS profile "platfrom" does not exist: it is in neither \S+\/config nor \/dev\/null \(profiles there: platform\)$/)
    expect(error.suggestions).toEqual(expect.arrayContaining(['Did you mean --profile platform?', DOCTOR_SUGGESTION]))
  })

  it('doctor reports the unknown profile as its finding and does not send you to itself', async () => {
    const env = {...motoEnv(), ...awsConfig(), AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, KOPSMITH_KOPS: '/nonexistent/kops'}
    const r = await runCli(['doctor', '--profile', 'nosuch', '--json'], {cwd: cliWorkDir(), env})
    expect(r.exitCode).toBe(4)
    const error = (r.json as {error: {suggestions: string[]; details: {checks: Array<{id: string; detail: string; suggestions?: string[]}>}}}).error
    const identity = error.details.checks.find((c) => c.id === 'aws-identity')
    expect(identity?.detail).toMatch(/^AWS profile "nosuch" does not exist/)
    expect(error.suggestions).not.toContain(DOCTOR_SUGGESTION)
    expect(error.details.checks.flatMap((c) => c.suggestions ?? [])).not.toContain(DOCTOR_SUGGESTION)
  })

  it('kops missing: exit 4, pointing at doctor', async () => {
    const dir = cliWorkDir()
    const r = await runCli(['cluster', 'validate', '--name', 'prod.k8s.acme.de', '--state', 's3://acme-kops-state'], {cwd: dir, env: {...motoEnv(), KOPSMITH_KOPS: join(dir, 'no-kops-here')}})
    expect(r.exitCode).toBe(4)
    expect(r.stderr).toContain(`kops was not found: "${join(dir, 'no-kops-here')}" (from --kops / KOPSMITH_KOPS) does not exist`)
    expect(r.stderr).toContain(`  ${DOCTOR_SUGGESTION}`)
  })

  it('no credentials at all: exit 4 with the ways to log in and doctor', async () => {
    const env = {...motoEnv(), AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null'}
    const r = await runCli(['cluster', 'list', '--state', 's3://acme-kops-state'], {cwd: cliWorkDir(), env})
    expect(r.exitCode).toBe(4)
    expect(r.stderr).toMatch(/^Error: No usable AWS credentials for S3 ListObjectsV2/)
    expect(r.stderr).toContain('aws sso login')
    expect(r.stderr).toContain(`  ${DOCTOR_SUGGESTION}`)
  })
})
