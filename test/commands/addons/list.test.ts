import {describe, expect, it} from 'vitest'

import {runCli} from '../../helpers/cli.js'

describe('kopsmith addons list', () => {
  it('--json lists what would be installed: name, version, namespace, enabled', async () => {
    const r = await runCli(['addons', 'list', '-f', 'examples/production.yaml', '--json'])
    expect(r.exitCode, r.stderr).toBe(0)
    const result = (r.json as {result: {kubernetesVersion: string; addons: Array<Record<string, unknown>>}}).result
    expect(result.kubernetesVersion).toBe('1.35.7')
    expect(result.addons.map((a) => [a.name, a.namespace, a.enabled])).toEqual([
      ['ingress', 'traefik', true],
      ['cluster-autoscaler', 'kube-system', true],
      ['logging', 'logging', true],
    ])
    const ca = result.addons.find((a) => a.name === 'cluster-autoscaler')!
    expect(ca.version).toMatch(/^v1\.35\.\d+$/)
    expect(ca.followsKubernetesMinor).toBe(true)
  })

  it('addons install --dry-run --output-dir renders every enabled addon without a cluster', async () => {
    const {mkdtempSync, readdirSync} = await import('node:fs')
    const {tmpdir} = await import('node:os')
    const {join} = await import('node:path')
    const out = mkdtempSync(join(tmpdir(), 'kopsmith-addons-out-'))
    const r = await runCli(['addons', 'install', '-f', 'examples/production.yaml', '--dry-run', '--output-dir', out, '--json'], {env: {KUBECONFIG: '/nonexistent'}})
    expect(r.exitCode, r.stderr).toBe(0)
    expect(readdirSync(out).sort()).toEqual(['cluster-autoscaler.yaml', 'ingress.yaml', 'logging.yaml'])
  })
})
