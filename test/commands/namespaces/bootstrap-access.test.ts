import {describe, expect, it} from 'vitest'

import {runCli} from '../../helpers/cli.js'

interface Envelope {
  status: 'ok' | 'error'
  result?: {namespaces: string[]}
  error?: {code: string; exitCode: number; message: string; suggestions: string[]; details?: {file?: string; issues?: Array<{path: string; line?: number; column?: number; message: string}>}}
  warnings: string[]
}

const NO_CLUSTER = {KUBECONFIG: '/nonexistent/kubeconfig', AWS_PROFILE: 'none', KOPSMITH_CLUSTER_FILE: undefined}

describe('kopsmith namespaces bootstrap -c: team groups against who can log in', () => {
  it('the example teams are mapped IAM groups of the production example: ok, and no warning', async () => {
    const r = await runCli(['namespaces', 'bootstrap', '-f', 'examples/namespaces.yaml', '-c', 'examples/production.yaml', '--dry-run', '--json'], {env: NO_CLUSTER})
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.json).toMatchObject({status: 'ok', result: {namespaces: ['payments', 'reporting']}, warnings: []})
  })

  it('against the sandbox example (OIDC groups arrive as oidc:<group>): exit 3 naming each team field with its line', async () => {
    const r = await runCli(['namespaces', 'bootstrap', '-f', 'examples/namespaces.yaml', '-c', 'examples/sandbox.yaml', '--dry-run', '--json'], {env: NO_CLUSTER})
    expect(r.exitCode).toBe(3)
    const {error} = r.json as Envelope
    expect(error?.code).toBe('invalid-file')
    expect(error?.details?.file).toBe('examples/namespaces.yaml')
    expect(error?.details?.issues?.map((i) => [i.path, i.line, i.column])).toEqual([
      ['namespaces[0].team', 6, 5],
      ['namespaces[1].team', 13, 5],
    ])
    expect(error?.details?.issues?.[0]?.message).toBe(
      'no one who logs in to alice.sandbox.k8s.acme.de is in group "payments-devs", so its edit binding would grant nothing: OIDC groups arrive prefixed, as "oidc:payments-devs"',
    )
    expect(error?.suggestions).toContain('Or bind the identity provider\'s group: team: "oidc:payments-devs"')
  })

  it('refuses before the cluster is contacted: exit 3, not the missing kubeconfig', async () => {
    const r = await runCli(['namespaces', 'bootstrap', '-f', 'examples/namespaces.yaml', '-c', 'examples/sandbox.yaml', '--yes', '--json'], {env: NO_CLUSTER})
    expect(r.exitCode).toBe(3)
    expect((r.json as Envelope).error?.message).toContain('namespaces[0].team')
  })

  it('KOPSMITH_CLUSTER_FILE names the cluster file as well', async () => {
    const r = await runCli(['namespaces', 'bootstrap', '-f', 'examples/namespaces.yaml', '--dry-run', '--json'], {env: {...NO_CLUSTER, KOPSMITH_CLUSTER_FILE: 'examples/sandbox.yaml'}})
    expect(r.exitCode).toBe(3)
  })

  it('without a cluster file the teams go unchecked, and the run says so', async () => {
    const r = await runCli(['namespaces', 'bootstrap', '-f', 'examples/namespaces.yaml', '--dry-run', '--json'], {env: NO_CLUSTER})
    expect(r.exitCode, r.stderr).toBe(0)
    expect((r.json as Envelope).warnings).toEqual(['team groups were not checked against who can log in to the cluster; pass its cluster file with -c FILE'])
  })

  it('a cluster file that does not exist is a usage error (exit 2)', async () => {
    const r = await runCli(['namespaces', 'bootstrap', '-f', 'examples/namespaces.yaml', '-c', 'examples/nope.yaml', '--dry-run', '--json'], {env: NO_CLUSTER})
    expect(r.exitCode).toBe(2)
    expect((r.json as Envelope).error?.message).toContain('cluster file not found: examples/nope.yaml')
  })
})
