import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {HARDENING_IDS} from '../../../src/core/config/schema.js'
import {ROOT, runCli} from '../../helpers/cli.js'

const STANDIN = `${ROOT}test/fixtures/kops-standin/kops`
const kopsEnv = (version: string): Record<string, string> => ({KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_VERSION: version})

interface Check {
  id: string
  status: string
  reason?: string
  findings: unknown[]
}
interface Envelope {
  status: 'ok' | 'error'
  result?: {cluster: string; source: string; checks: Check[]; failed: string[]; drift?: unknown}
  error?: {code: string; exitCode: number; message: string; details?: {failed?: string[]; checks?: Check[]}}
  warnings: string[]
}

function fileWithWaiver(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kopsmith-audit-'))
  const file = join(dir, 'prod.yaml')
  const production = readFileSync(`${ROOT}examples/production.yaml`, 'utf8')
  writeFileSync(file, `${production.trimEnd()}\n  waivers:\n    - {id: H18, reason: "kops 1.33 stays until the CI image is rebuilt (PLAT-42)"}\n`)
  return file
}

describe('kopsmith cluster audit', () => {
  it('-f examples/production.yaml --json: exit 0, every check by id in the envelope', async () => {
    const run = await runCli(['cluster', 'audit', '-f', 'examples/production.yaml', '--json'], {env: kopsEnv('1.35.2')})
    expect(run.exitCode).toBe(0)
    const envelope = run.json as Envelope
    expect(envelope.status).toBe('ok')
    expect(envelope.result).toMatchObject({cluster: 'prod.k8s.acme.de', source: 'rendered', failed: []})
    expect(envelope.result?.drift).toBeUndefined()
    expect(envelope.result?.checks.map((c) => c.id)).toEqual([...HARDENING_IDS])
    expect(envelope.result?.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}:${c.status}`)).toEqual(['H17:unknown'])
  })

  it('prints a table of id, status, title and finding for humans', async () => {
    const run = await runCli(['cluster', 'audit', '-f', 'examples/sandbox.yaml'], {env: {KOPSMITH_KOPS: '/nonexistent/kops'}})
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(/^Hardening audit of alice\.sandbox\.k8s\.acme\.de \(rendered spec\): 17 pass, 0 fail, 0 waived, 2 unknown/)
    expect(run.stdout).toMatch(/^ID\s+STATUS\s+CHECK\s+FINDING$/m)
    for (const id of HARDENING_IDS) expect(run.stdout).toMatch(new RegExp(`^${id}\\s+(PASS|UNKNOWN)\\s`, 'm'))
    expect(run.stderr).toContain('Warning: H18 is unknown: kops was not found')
  })

  it('exits 9 with the result in the error details when a check fails (kops too old for 1.35)', async () => {
    const run = await runCli(['cluster', 'audit', '-f', 'examples/production.yaml', '--json'], {env: kopsEnv('1.33.4')})
    expect(run.exitCode).toBe(9)
    const envelope = run.json as Envelope
    expect(envelope.status).toBe('error')
    expect(envelope.error).toMatchObject({code: 'refused', exitCode: 9})
    expect(envelope.error?.message).toContain('1 hardening check(s) failed on the rendered spec: H18')
    expect(envelope.error?.details?.failed).toEqual(['H18'])
    expect(envelope.error?.details?.checks?.find((c) => c.id === 'H18')?.findings).toEqual([
      {path: 'spec.kubernetesVersion', expected: 'Kubernetes 1.27 to 1.33 for kops 1.33.4', actual: '1.35.7'},
    ])
  })

  it('a file that waives the failing check: exit 0, the check reported as waived with its reason', async () => {
    const run = await runCli(['cluster', 'audit', '-f', fileWithWaiver(), '--json'], {env: kopsEnv('1.33.4')})
    expect(run.exitCode).toBe(0)
    const h18 = (run.json as Envelope).result?.checks.find((c) => c.id === 'H18')
    expect(h18).toMatchObject({status: 'waived', reason: 'kops 1.33 stays until the CI image is rebuilt (PLAT-42)'})
    expect(h18?.findings).toHaveLength(1)
    expect((run.json as Envelope).result?.failed).toEqual([])
  })
})
