import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import SandboxCreate from '../../../src/commands/sandbox/create.js'
import {validateClusterFile} from '../../../src/core/config/validate.js'
import {costInputOf, estimateCost, parsePriceTable} from '../../../src/core/sandbox/cost.js'
import {runCli} from '../../helpers/cli.js'
import {motoEnv, uniqueBucket} from '../../helpers/moto.js'
import {STANDIN} from '../../integration/kops/standin.js'
import {anonymousEnv, workDir} from './support.js'

describe('kopsmith sandbox create (CLI, no terminal)', () => {
  it('names every flag it would have asked for, in one exit-2 message, and writes nothing', async () => {
    const dir = workDir()
    // moto's caller identity (user/moto) carries no e-mail, and git has none: the owner is unknown.
    const r = await runCli(['sandbox', 'create'], {cwd: dir, env: {...motoEnv(), ...anonymousEnv(dir)}})
    expect(r.exitCode, r.stderr).toBe(2)
    expect(r.stderr).toContain('Error: sandbox create cannot ask questions in a non-interactive run; pass --name NAME --owner EMAIL --state s3://BUCKET --yes')
    expect(r.stderr).toContain('Try this:')
    expect(r.stderr).toContain('Without --size and --ttl a sandbox is small and lives 72h')
    expect(existsSync(join(dir, 'clusters'))).toBe(false)
  })

  it('under --json the same refusal is an error envelope listing the missing flags', async () => {
    const dir = workDir()
    const r = await runCli(['sandbox', 'create', '--name', 'alice', '--json'], {cwd: dir, env: {...motoEnv(), ...anonymousEnv(dir), KOPS_STATE_STORE: 's3://acme-kops-state'}})
    expect(r.exitCode).toBe(2)
    expect(r.json).toMatchObject({status: 'error', error: {code: 'usage', exitCode: 2, details: {missingFlags: ['--owner', '--yes']}}})
  })

  it('refuses --ttl beyond 14 days with exit 2 and the cap explained', async () => {
    const dir = workDir()
    const r = await runCli(['sandbox', 'create', '--name', 'alice', '--owner', 'alice@acme.de', '--state', 's3://acme-kops-state', '--ttl', '15d', '--dry-run'], {cwd: dir, env: {...motoEnv(), ...anonymousEnv(dir)}})
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/--ttl 15d: 15d is longer than a sandbox may live: at most 14 days \(336h\)/)
  })

  it('--dry-run --json: the file it would write validates, the cost comes from the price table, nothing is written', async () => {
    const dir = workDir()
    const r = await runCli(['sandbox', 'create', '--name', 'alice', '--owner', 'alice@acme.de', '--state', 's3://acme-kops-state', '--size', 'small', '--ttl', '48h', '--dry-run', '--json'], {cwd: dir, env: {...motoEnv(), ...anonymousEnv(dir)}})
    expect(r.exitCode, r.stderr).toBe(0)
    const result = (r.json as {result: Record<string, unknown> & {content: string; expiresAt: string}}).result
    expect(existsSync(join(dir, 'clusters'))).toBe(false)
    const config = validateClusterFile(result.content, 'clusters/alice.sandbox.k8s.acme.de.yaml')
    expect(config).toMatchObject({profile: 'sandbox', ttl: '48h', expiresAt: result.expiresAt, owner: 'alice@acme.de'})
    expect(Date.parse(result.expiresAt) - Date.now()).toBeGreaterThan(47.9 * 3_600_000)
    const table = parsePriceTable(readFileSync(new URL('../../../data/prices-eu-central-1.json', import.meta.url), 'utf8'))
    expect(result.cost).toEqual(estimateCost(table, costInputOf(config), 48 * 3_600_000))
    expect((result.cost as {lines: Array<{role: string}>}).lines.map((l) => l.role)).toEqual(['control-plane', 'nodes', 'nat-gateway', 'load-balancer', 'ebs'])
    // The public shape of the result, pinned: a change to it must be deliberate.
    expect({...result, content: '<cluster file>', expiresAt: '<now + ttl>'}).toMatchSnapshot()
  })

  it('with --yes and no kops: exit 4 before anything is written, pointing at doctor', async () => {
    const dir = workDir()
    const r = await runCli(['sandbox', 'create', '--name', 'alice', '--owner', 'alice@acme.de', '--state', `s3://${uniqueBucket('sbx')}`, '--yes'], {
      cwd: dir,
      env: {...motoEnv(), ...anonymousEnv(dir), KOPSMITH_KOPS: join(dir, 'no-kops-here')},
    })
    expect(r.exitCode, r.stderr).toBe(4)
    expect(r.stderr).toContain('no-kops-here')
    expect(r.stderr).toContain('kopsmith doctor')
    expect(existsSync(join(dir, 'clusters'))).toBe(false)
  })

  it('with --yes and a working kops, writes the file and runs the create pipeline on it', async () => {
    const dir = workDir()
    const file = join(dir, 'clusters', 'alice.sandbox.k8s.acme.de.yaml')
    // The stand-in kops passes the preflight; the pipeline then stops at the DNS zone, which moto lacks (exit 4).
    const r = await runCli(['sandbox', 'create', '--name', 'alice', '--owner', 'alice@acme.de', '--state', `s3://${uniqueBucket('sbx')}`, '--yes'], {
      cwd: dir,
      env: {...motoEnv(), ...anonymousEnv(dir), KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: ''},
      timeoutMs: 120_000,
    })
    expect(r.stdout).toContain('Wrote clusters/alice.sandbox.k8s.acme.de.yaml. Creating the cluster; if this stops, resume with: kopsmith cluster create -f clusters/alice.sandbox.k8s.acme.de.yaml --yes')
    expect(validateClusterFile(readFileSync(file, 'utf8'), file)).toMatchObject({name: 'alice.sandbox.k8s.acme.de', profile: 'sandbox'})
    expect(r.exitCode, r.stderr).not.toBe(0)
  })

  it('--state takes s3://BUCKET or a bare bucket, or KOPS_STATE_STORE; --bucket still works, with a warning', async () => {
    const dir = workDir()
    const args = ['sandbox', 'create', '--name', 'alice', '--owner', 'alice@acme.de', '--dry-run', '--json']
    const stateOf = (r: {json: unknown}) => (r.json as {result: {content: string}}).result.content.match(/bucket: (\S+)/)?.[1]
    const viaState = await runCli([...args, '--state', 's3://acme-kops-state'], {cwd: dir, env: {...motoEnv(), ...anonymousEnv(dir)}})
    const viaBare = await runCli([...args, '--state', 'acme-kops-state'], {cwd: dir, env: {...motoEnv(), ...anonymousEnv(dir)}})
    const viaEnv = await runCli(args, {cwd: dir, env: {...motoEnv(), ...anonymousEnv(dir), KOPS_STATE_STORE: 's3://acme-kops-state'}})
    const viaOld = await runCli([...args, '--bucket', 's3://acme-kops-state'], {cwd: dir, env: {...motoEnv(), ...anonymousEnv(dir)}})
    for (const r of [viaState, viaBare, viaEnv, viaOld]) {
      expect(r.exitCode, r.stderr).toBe(0)
      expect(stateOf(r)).toBe('acme-kops-state')
    }
    expect((viaOld.json as {warnings: string[]}).warnings).toEqual(['The "--bucket" flag has been deprecated. Use "--state" instead.'])
    expect((viaState.json as {warnings: string[]}).warnings).toEqual([])
    const human = await runCli(['sandbox', 'create', '--name', 'alice', '--owner', 'alice@acme.de', '--dry-run', '--bucket', 'acme-kops-state'], {cwd: dir, env: {...motoEnv(), ...anonymousEnv(dir)}})
    expect(human.exitCode, human.stderr).toBe(0)
    expect(human.stderr).toContain('The "--bucket" flag has been deprecated. Use "--state" instead.')
    const bad = await runCli([...args, '--state', 's3://Not_A_Bucket'], {cwd: dir, env: {...motoEnv(), ...anonymousEnv(dir)}})
    expect(bad.exitCode).toBe(2)
    expect(JSON.stringify(bad.json)).toContain('\\"s3://Not_A_Bucket\\" is not an S3 state store')
  })

  it('keeps its flags stable', () => {
    expect(Object.fromEntries(Object.entries(SandboxCreate.flags).map(([k, f]) => [k, {type: f.type, ...('options' in f && f.options ? {options: f.options} : {}), ...(f.env ? {env: f.env} : {}), ...(f.char ? {char: f.char} : {})}]))).toMatchSnapshot()
  })
})
