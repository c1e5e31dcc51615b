import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {ROOT, runCli} from '../../helpers/cli.js'

const INVALID = 'test/fixtures/cluster-files/invalid'

describe('kopsmith config validate', () => {
  it('accepts the production example: exit 0 and the --json envelope', async () => {
    const run = await runCli(['config', 'validate', 'examples/production.yaml', '--json'])
    expect(run.exitCode).toBe(0)
    expect(run.json).toEqual({
      status: 'ok',
      result: {
        file: 'examples/production.yaml',
        valid: true,
        name: 'prod.k8s.acme.de',
        profile: 'production',
        kubernetesVersion: '1.35.7',
        defaultsApplied: expect.arrayContaining(['spec.stateStore.discoveryBucket', 'spec.nodeGroups[0].zones']),
      },
      warnings: [],
    })
  })

  it('prints one line for a valid file', async () => {
    const run = await runCli(['config', 'validate', 'examples/sandbox.yaml'])
    expect(run.exitCode).toBe(0)
    expect(run.stdout.trim()).toBe('examples/sandbox.yaml: valid (cluster alice.sandbox.k8s.acme.de, profile sandbox, K8s 1.35.7)')
  })

  it('rejects an invalid file with exit 3 and every issue in the --json error', async () => {
    const run = await runCli(['config', 'validate', `${INVALID}/duplicate-node-group.yaml`, '--json'])
    expect(run.exitCode).toBe(3)
    expect(run.json).toMatchObject({
      status: 'error',
      error: {
        code: 'invalid-file',
        exitCode: 3,
        details: {
          file: `${INVALID}/duplicate-node-group.yaml`,
          issues: [{path: 'spec.nodeGroups[1].name', line: 31, column: 7, message: expect.stringContaining('already used')}],
        },
      },
    })
  })

  it('names file, line:column, field and fix in human output, without a stack trace', async () => {
    const run = await runCli(['config', 'validate', `${INVALID}/typo-key.yaml`])
    expect(run.exitCode).toBe(3)
    expect(run.stderr).toContain(`${INVALID}/typo-key.yaml:26:3: spec.nodeGroup: unknown field "nodeGroup"; did you mean "nodeGroups"?`)
    expect(run.stderr).toContain('Try this:')
    expect(run.stderr).not.toMatch(/^\s+at /m)
  })

  it('refuses a region outside Germany with exit 9', async () => {
    const run = await runCli(['config', 'validate', `${INVALID}/region-us-east-1.yaml`, '--json'])
    expect(run.exitCode).toBe(9)
    expect(run.json).toMatchObject({
      status: 'error',
      error: {code: 'refused', suggestions: ['region: eu-central-1'], details: {issues: [{path: 'spec.region', line: 8, column: 3}]}},
    })
  })

  it('reports a missing file with exit 2, suggestions and no stack trace', async () => {
    const run = await runCli(['config', 'validate', 'clusters/nope.yaml'])
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain('cluster file not found: clusters/nope.yaml')
    expect(run.stderr).toContain('kopsmith sandbox create')
    expect(run.stderr).not.toMatch(/^\s+at /m)
  })
})

describe('kopsmith config schema', () => {
  it('prints exactly the committed schema/cluster.schema.json', async () => {
    const run = await runCli(['config', 'schema'])
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toBe(readFileSync(`${ROOT}schema/cluster.schema.json`, 'utf8'))
  })
})
