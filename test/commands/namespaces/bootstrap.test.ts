import {mkdtempSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {parseAllDocuments} from 'yaml'
import {describe, expect, it} from 'vitest'

import {runCli} from '../../helpers/cli.js'

describe('kopsmith namespaces bootstrap', () => {
  it('--dry-run --output-dir writes one manifest per namespace without a cluster or credentials', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kopsmith-ns-out-'))
    const r = await runCli(['namespaces', 'bootstrap', '-f', 'examples/namespaces.yaml', '--dry-run', '--output-dir', out, '--json'], {env: {KUBECONFIG: '/nonexistent/kubeconfig', AWS_PROFILE: 'none'}})
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.json).toMatchObject({status: 'ok', result: {dryRun: true, namespaces: ['payments', 'reporting'], files: ['payments.yaml', 'reporting.yaml'], applied: 0}})
    expect(readdirSync(out).sort()).toEqual(['payments.yaml', 'reporting.yaml'])
    const docs = parseAllDocuments(readFileSync(join(out, 'payments.yaml'), 'utf8')).map((d) => (d as {toJS(): {kind: string; metadata: {name: string}}}).toJS())
    expect(docs[0]).toMatchObject({kind: 'Namespace', metadata: {name: 'payments'}})
    expect(docs.map((d) => d.kind)).toEqual(expect.arrayContaining(['ResourceQuota', 'LimitRange', 'NetworkPolicy', 'RoleBinding', 'ServiceAccount', 'Role']))
  })

  it('an invalid namespaces file is exit 3 with the field path and line:column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kopsmith-ns-bad-'))
    const file = join(dir, 'namespaces.yaml')
    writeFileSync(file, ['apiVersion: kopsmith/v1alpha1', 'kind: NamespaceSet', 'namespaces:', '  - name: payments', '    team: devs', '    quota: {cpu: "8", memory: 16Gi, pods: 50}', '    limits: {cpu: 250m, memory: 256Mi}', '    ingres: true', ''].join('\n'))
    const r = await runCli(['namespaces', 'bootstrap', '-f', file, '--dry-run', '--json'])
    expect(r.exitCode).toBe(3)
    expect(r.json).toMatchObject({status: 'error', error: {code: 'invalid-file', exitCode: 3, details: {issues: [{path: 'namespaces[0].ingres', line: 8, column: 5}]}}})
  })

  it('applying without --yes in a non-interactive run is exit 2 naming --yes', async () => {
    const r = await runCli(['namespaces', 'bootstrap', '-f', 'examples/namespaces.yaml', '--kubeconfig', '/nonexistent', '--json'])
    expect(r.exitCode).toBe(2)
    expect(JSON.stringify(r.json)).toContain('--yes')
  })
})
