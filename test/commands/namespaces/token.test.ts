import {describe, expect, it} from 'vitest'

import {runCli} from '../../helpers/cli.js'

interface Envelope {
  status: 'ok' | 'error'
  error?: {code: string; exitCode: number; message: string; suggestions: string[]}
  warnings: string[]
}

// The API server side (the token, its rights and expiry) is test/e2e/namespace-token.test.ts.
describe('kopsmith namespaces token: refused before any cluster is asked', () => {
  it.each([
    [['payments', '--duration', '5m'], 'got 5m'],
    [['payments', '--duration', '25h'], 'got 25h'],
    [['payments', '--duration', '90s'], 'got 90s'],
  ])('%j is exit 2: --duration must be 10m to 24h', async (args, got) => {
    const r = await runCli(['namespaces', 'token', ...args, '--kubeconfig', '/nonexistent', '--json'])
    expect(r.exitCode).toBe(2)
    expect((r.json as Envelope).error?.message).toBe(`--duration must be whole seconds from 10m to 24h; ${got}`)
  })

  it('a name that is no namespace never reaches an API path (exit 2)', async () => {
    const r = await runCli(['namespaces', 'token', '../kube-system', '--kubeconfig', '/nonexistent', '--json'])
    expect(r.exitCode).toBe(2)
    expect((r.json as Envelope).error?.message).toContain('"../kube-system" is not a namespace name')
  })

  it('without a cluster or context named: exit 2 naming --cluster; with a missing kubeconfig: exit 4', async () => {
    const none = await runCli(['namespaces', 'token', 'payments', '--json'], {env: {KUBECONFIG: undefined}})
    expect(none.exitCode).toBe(2)
    expect((none.json as Envelope).error?.message).toContain('--cluster NAME')
    const missing = await runCli(['namespaces', 'token', 'payments', '--cluster', 'prod.k8s.acme.de', '--kubeconfig', '/nonexistent/kubeconfig', '--json'])
    expect(missing.exitCode).toBe(4)
    expect((missing.json as Envelope).error?.message).toBe('kubeconfig /nonexistent/kubeconfig does not exist')
  })

  it('--output takes kubeconfig or token only (exit 2)', async () => {
    const r = await runCli(['namespaces', 'token', 'payments', '--output', 'json', '--kubeconfig', '/nonexistent'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain('Expected --output=json to be one of: kubeconfig, token')
  })
})
