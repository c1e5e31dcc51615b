import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'
import {parseAllDocuments} from 'yaml'

import {runCli} from '../../helpers/cli.js'
import {validateKopsObject} from '../../helpers/kops-schema.js'

// An endpoint nothing listens on: a dry run that tried to reach AWS would fail, not pass.
const NO_AWS = {AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'kopsmith-no-such-profile', KOPSMITH_KOPS: '/nonexistent/kops'}

interface PlanEnvelope {
  status: string
  result: {cluster: string; dryRun: boolean; plan: {steps: Array<{id: string; action: string}>}; hardening: {passed: string[]; failed: unknown[]; waived: Array<{id: string}>; unknown: Array<{id: string}>}; files: string[]}
  warnings: string[]
}

describe('cluster create', () => {
  it('--dry-run --json: the whole plan and the hardening verdict, with no AWS, no kops, no credentials', async () => {
    const r = await runCli(['cluster', 'create', '-f', 'examples/production.yaml', '--dry-run', '--json'], {env: NO_AWS})
    expect(r.exitCode, r.stderr).toBe(0)
    const env = r.json as PlanEnvelope
    expect(env.status).toBe('ok')
    expect(env.result.cluster).toBe('prod.k8s.acme.de')
    expect(env.result.plan.steps.map((s) => s.id)).toMatchSnapshot()
    // H17 (bucket regions) and H18 (the kops binary) need what a dry run never reads.
    expect(env.result.hardening.passed).toEqual(['H01', 'H02', 'H03', 'H04', 'H05', 'H06', 'H07', 'H08', 'H09', 'H10', 'H11', 'H12', 'H13', 'H14', 'H15', 'H16', 'H19'])
    expect(env.result.hardening.unknown.map((u) => u.id)).toEqual(['H17', 'H18'])
    expect(env.result.hardening.failed).toEqual([])
  })

  it('--output-dir writes the kops manifest, and every document passes the kops CRD schema', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kopsmith-out-'))
    const r = await runCli(['cluster', 'create', '-f', 'examples/production.yaml', '--dry-run', '--output-dir', out], {env: NO_AWS})
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stdout).toContain('Plan: create prod.k8s.acme.de')
    const docs = parseAllDocuments(readFileSync(join(out, 'kops/prod.k8s.acme.de.yaml'), 'utf8'), {version: '1.1'}).map((d) => d.toJS() as {kind: string})
    expect(docs.map((d) => d.kind)).toEqual(['Cluster', 'InstanceGroup', 'InstanceGroup', 'InstanceGroup', 'InstanceGroup'])
    for (const doc of docs) expect(validateKopsObject(doc).errors).toEqual([])
  })

  it('a sandbox dry run shows its expiry in the plan and passes H16', async () => {
    const r = await runCli(['cluster', 'create', '-f', 'examples/sandbox.yaml', '--dry-run', '--json'], {env: NO_AWS})
    expect(r.exitCode, r.stderr).toBe(0)
    expect((r.json as PlanEnvelope).result.hardening.passed).toContain('H16')
  })

  it('without --yes and without a TTY: exit 2 naming --yes, before anything is touched', async () => {
    const r = await runCli(['cluster', 'create', '-f', 'examples/production.yaml'], {env: NO_AWS})
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain('pass --yes')
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('an invalid file exits 3 with the field and line:column; a region outside Germany exits 9', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kopsmith-bad-'))
    const base = readFileSync('examples/production.yaml', 'utf8')
    writeFileSync(join(dir, 'typo.yaml'), base.replace('  owner:', '  ownr:'))
    writeFileSync(join(dir, 'region.yaml'), base.replace('region: eu-central-1', 'region: us-east-1'))
    const typo = await runCli(['cluster', 'create', '-f', join(dir, 'typo.yaml'), '--dry-run'], {env: NO_AWS})
    expect(typo.exitCode).toBe(3)
    expect(typo.stderr).toMatch(/typo\.yaml:\d+:\d+: spec\.ownr: unknown field/)
    const region = await runCli(['cluster', 'create', '-f', join(dir, 'region.yaml'), '--dry-run', '--json'], {env: NO_AWS})
    expect(region.exitCode).toBe(9)
    expect((region.json as {error: {message: string}}).error.message).toContain('spec.region')
  })

  it('a missing file exits 2 without a stack trace', async () => {
    const r = await runCli(['cluster', 'create', '-f', 'nope.yaml', '--dry-run'], {env: NO_AWS})
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain('cluster file not found: nope.yaml')
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('a malformed duration flag is a usage error (exit 2), not a bug', async () => {
    const r = await runCli(['cluster', 'create', '-f', 'examples/production.yaml', '--dry-run', '--wait', '1.5h'], {env: NO_AWS})
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain('"1.5h" is not a duration')
  })

  it('a waived check shows in the plan with its reason, instead of refusing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kopsmith-waiver-'))
    const text = readFileSync('examples/production.yaml', 'utf8').replace(
      '  owner: platform@acme.de',
      '  owner: platform@acme.de\n  waivers:\n    - {id: H18, reason: kops is pinned by the platform image and checked at apply time}',
    )
    writeFileSync(join(dir, 'waived.yaml'), text)
    const r = await runCli(['cluster', 'create', '-f', join(dir, 'waived.yaml'), '--dry-run', '--json'], {env: NO_AWS})
    expect(r.exitCode, r.stderr).toBe(0)
    const result = (r.json as PlanEnvelope).result
    expect(result.hardening.waived).toEqual([{id: 'H18', reason: 'kops is pinned by the platform image and checked at apply time'}])
    const render = result.plan.steps.find((s) => s.id === 'render:kops-spec') as {reason: string} | undefined
    expect(render?.reason).toContain('waived: H18')
  })
})
