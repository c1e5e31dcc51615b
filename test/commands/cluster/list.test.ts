import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {describe, expect, it} from 'vitest'

import {runCli} from '../../helpers/cli.js'
import {cliWorkDir, normalise, readCallLog, seedCluster, STANDIN} from '../../integration/kops/standin.js'

function setup() {
  const dir = cliWorkDir('kopsmith-list-')
  const state = pathToFileURL(join(dir, 'state')).href
  const callLog = join(dir, 'calls.jsonl')
  const list = (args: string[], env: Record<string, string | undefined> = {}) =>
    runCli(['cluster', 'list', ...args], {cwd: dir, env: {KOPSMITH_KOPS: STANDIN, KOPS_STANDIN_LOG: callLog, KOPS_STATE_STORE: undefined, ...env}})
  return {dir, state, callLog, list}
}

describe('kopsmith cluster list (kops stand-in)', () => {
  it('lists clusters with version, profile, owner and expiry (--json pinned)', async () => {
    const t = setup()
    seedCluster(t.state, {name: 'prod.k8s.acme.de', kubernetesVersion: '1.35.7', profile: 'production', zones: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c']})
    seedCluster(t.state, {name: 'alice.sandbox.k8s.acme.de', kubernetesVersion: '1.34.10', profile: 'sandbox', owner: 'alice@acme.de', expiresAt: '2026-01-02T03:04:05Z'})
    const r = await t.list(['--state', t.state, '--json'])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(normalise(r.json, {[t.state]: '<state>'})).toMatchInlineSnapshot(`
      {
        "result": {
          "clusters": [
            {
              "expired": true,
              "expiresAt": "<time>",
              "kubernetesVersion": "1.34.10",
              "managedByKopsmith": true,
              "name": "alice.sandbox.k8s.acme.de",
              "owner": "alice@acme.de",
              "profile": "sandbox",
            },
            {
              "expired": false,
              "expiresAt": null,
              "kubernetesVersion": "1.35.7",
              "managedByKopsmith": true,
              "name": "prod.k8s.acme.de",
              "owner": "platform@acme.de",
              "profile": "production",
            },
          ],
          "stateStore": "<state>",
        },
        "status": "ok",
        "warnings": [],
      }
    `)
    expect(readCallLog(t.callLog).map((c) => c.argv.join(' '))).toEqual(['get clusters -o json'])
  })

  it('reads the store from KOPS_STATE_STORE and prints a table', async () => {
    const t = setup()
    seedCluster(t.state, {name: 'alice.sandbox.k8s.acme.de', kubernetesVersion: '1.34.10', profile: 'sandbox', owner: 'alice@acme.de', expiresAt: '2099-01-01T00:00:00Z'})
    const r = await t.list([], {KOPS_STATE_STORE: t.state})
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stdout.split('\n')[0]).toMatch(/^NAME\s+KUBERNETES\s+PROFILE\s+OWNER\s+EXPIRES$/)
    expect(r.stdout).toMatch(/alice\.sandbox\.k8s\.acme\.de\s+1\.34\.10\s+sandbox\s+alice@acme\.de\s+2099-01-01T00:00:00Z/)
  })

  it('shows an empty store as no clusters, exit 0 (kops itself exits 1 there)', async () => {
    const t = setup()
    const r = await t.list(['--state', t.state, '--json'])
    expect(r.exitCode, r.stderr).toBe(0)
    expect((r.json as {result: {clusters: unknown[]}}).result.clusters).toEqual([])
    expect(readCallLog(t.callLog).map((c) => c.exitCode)).toEqual([1])
  })

  it('needs a state store (exit 2) and reports a failing kops (exit 5)', async () => {
    const t = setup()
    const none = await t.list(['--json'])
    expect(none.exitCode).toBe(2)
    expect(JSON.stringify(none.json)).toContain('KOPS_STATE_STORE')
    const failing = await t.list(['--state', t.state, '--json'], {KOPS_STANDIN_FAIL_AT: 'get-clusters'})
    expect(failing.exitCode).toBe(5)
    expect((failing.json as {error: {details: {argv: string[]}}}).error.details.argv).toEqual(['kops', 'get', 'clusters', '-o', 'json'])
  })
})
