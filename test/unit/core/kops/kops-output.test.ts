import {describe, expect, it} from 'vitest'

import {
  parseDeletePreview,
  parseKopsTable,
  parseKopsVersion,
  parseRollingUpdatePreview,
  parseUpdateApplied,
  parseUpdateDryRun,
  parseValidationJson,
  summariseUpdatePreview,
  tailLines,
} from '../../../../src/core/kops/kops-output.js'

describe('parseKopsVersion', () => {
  it.each([
    ['Client version: 1.35.2 (git-v1.35.2)\n', '1.35.2', '1.35'],
    ['Client version: 1.36.0-beta.1 (git-v1.36.0-beta.1)\nServer version: 1.35.2\n', '1.36.0-beta.1', '1.36'],
    ['Version 1.28.4 (git-8b7a2c1)\n', '1.28.4', '1.28'],
    ['1.30.1\n', '1.30.1', '1.30'],
    ['v1.31.3\n', '1.31.3', '1.31'],
  ])('reads %j', (output, version, minor) => {
    expect(parseKopsVersion(output)).toEqual({version, minor})
  })

  it.each(['', 'kops: command not found', 'Version unknown'])('returns undefined for %j', (output) => {
    expect(parseKopsVersion(output)).toBeUndefined()
  })
})

describe('parseValidationJson', () => {
  it('treats a document without a failures key as healthy with its nodes', () => {
    const r = parseValidationJson('{"nodes":[{"name":"i-1","zone":"eu-central-1a","role":"control-plane","hostname":"i-1","status":"True"}]}')
    expect(r).toEqual({failures: [], nodes: [{name: 'i-1', zone: 'eu-central-1a', role: 'control-plane', hostname: 'i-1', status: 'True'}]})
  })

  it('reads failures serialized with `type` and keeps only the instance group name', () => {
    const doc = {
      failures: [
        {type: 'InstanceGroup', name: 'nodes-a', message: 'InstanceGroup "nodes-a" did not have enough nodes 1 vs 3', instanceGroup: {metadata: {name: 'nodes-a'}, spec: {role: 'Node', minSize: 3}}},
        {type: 'dns', name: 'apiserver', message: 'Validation Failed'},
      ],
    }
    expect(parseValidationJson(JSON.stringify(doc))).toEqual({
      failures: [
        {type: 'InstanceGroup', name: 'nodes-a', message: 'InstanceGroup "nodes-a" did not have enough nodes 1 vs 3', instanceGroup: 'nodes-a'},
        {type: 'dns', name: 'apiserver', message: 'Validation Failed'},
      ],
      nodes: [],
    })
  })

  it('reads an empty document (kops omits both keys) as healthy with no nodes', () => {
    expect(parseValidationJson('{}')).toEqual({failures: [], nodes: []})
  })

  it.each(['', 'Error: unexpected error during validation', '{"failures":', '[1,2]', 'null'])('returns undefined for %j', (text) => {
    expect(parseValidationJson(text)).toBeUndefined()
  })
})

describe('parseUpdateDryRun', () => {
  it.each([
    ['Will create resources:\n  VPC/x\n\nMust specify --yes to apply changes\n', true],
    ['No changes need to be applied\n', false],
    ['Will modify resources:\n  LaunchTemplate/nodes\n', true],
    ['I0822 executor.go] Tasks: 84 done\n', false],
  ])('%j → pending %s', (output, pending) => {
    expect(parseUpdateDryRun(output)).toEqual({changesPending: pending})
  })
})

describe('parseRollingUpdatePreview', () => {
  it('lists the groups whose status is not Ready', () => {
    const output = [
      'NAME                        \tSTATUS      \tNEEDUPDATE \tREADY \tMIN \tTARGET \tMAX \tNODES',
      'control-plane-eu-central-1a \tReady       \t0          \t1     \t1   \t1      \t1   \t1',
      'nodes-general               \tNeedsUpdate \t2          \t1     \t3   \t3      \t12  \t3',
      '',
      'Must specify --yes to rolling-update.',
    ].join('\n')
    const r = parseRollingUpdatePreview(output)
    expect(r.needsUpdate).toEqual(['nodes-general'])
    expect(r.groups).toEqual([
      {name: 'control-plane-eu-central-1a', status: 'Ready', needUpdate: 0, ready: 1, min: 1, target: 1, max: 1, nodes: 1},
      {name: 'nodes-general', status: 'NeedsUpdate', needUpdate: 2, ready: 1, min: 3, target: 3, max: 12, nodes: 3},
    ])
  })

  // As kops writes it (util/pkg/tables/format.go): text/tabwriter with tab stops of 8, padding 1 and
  // tabs as the padding character, rows sorted by name; the last column is not padded.
  it('reads the table as kops pads it, with tabs only', () => {
    const output = [
      'NAME\t\t\t\tSTATUS\t\tNEEDUPDATE\tREADY\tMIN\tTARGET\tMAX\tNODES',
      'bastions\t\t\tReady\t\t0\t\t1\t1\t1\t1\t0',
      'control-plane-eu-central-1a\tReady\t\t0\t\t1\t1\t1\t1\t1',
      'nodes-eu-central-1a\t\tNeedsUpdate\t3\t\t0\t3\t3\t6\t3',
      'nodes-eu-central-1b\t\tNeedsUpdate\t2\t\t1\t3\t4\t6\t2',
      '',
      'Must specify --yes to rolling-update.',
      '',
    ].join('\n')
    const r = parseRollingUpdatePreview(output)
    expect(r.needsUpdate).toEqual(['nodes-eu-central-1a', 'nodes-eu-central-1b'])
    expect(r.groups.map((g) => [g.name, g.status, g.needUpdate, g.ready, g.min, g.target, g.max, g.nodes])).toEqual([
      ['bastions', 'Ready', 0, 1, 1, 1, 1, 0],
      ['control-plane-eu-central-1a', 'Ready', 0, 1, 1, 1, 1, 1],
      ['nodes-eu-central-1a', 'NeedsUpdate', 3, 0, 3, 3, 6, 3],
      ['nodes-eu-central-1b', 'NeedsUpdate', 2, 1, 3, 4, 6, 2],
    ])
  })

  it('has no node count when kops leaves the NODES column out (--cloudonly)', () => {
    const output = 'NAME\t\t\tSTATUS\tNEEDUPDATE\tREADY\tMIN\tTARGET\tMAX\nnodes-general\t\tReady\t0\t\t3\t3\t3\t12\n\nNo rolling-update required.\n'
    expect(parseRollingUpdatePreview(output).groups).toEqual([{name: 'nodes-general', status: 'Ready', needUpdate: 0, ready: 3, min: 3, target: 3, max: 12, nodes: null}])
  })

  it('finds nothing to roll when every group is Ready', () => {
    expect(parseRollingUpdatePreview('NAME STATUS NEEDUPDATE READY MIN TARGET MAX NODES\nnodes Ready 0 3 3 3 3 3\n\nNo rolling-update required.\n').needsUpdate).toEqual([])
  })

  it('reads no groups from output without the table', () => {
    expect(parseRollingUpdatePreview('Error: cannot load kubecfg settings for "x": context "x" does not exist\n')).toEqual({groups: [], needsUpdate: []})
  })
})

describe('parseDeletePreview', () => {
  it('reads the table whatever the column order (kops renders TYPE NAME ID)', () => {
    const a = parseDeletePreview('TYPE\tNAME\tID\ninstance\tnodes.x\ti-1\nvpc\tx\tvpc-1\n\nMust specify --yes to delete cluster\n')
    const b = parseDeletePreview('TYPE   ID     NAME\ninstance i-1 nodes.x\nvpc vpc-1 x\n')
    expect(a).toEqual([
      {type: 'instance', name: 'nodes.x', id: 'i-1'},
      {type: 'vpc', name: 'x', id: 'vpc-1'},
    ])
    expect(b).toEqual(a)
  })

  it('returns [] when kops has no cloud resources to delete', () => {
    expect(parseDeletePreview('No cloud resources to delete\n\nMust specify --yes to unregister the cluster\n')).toEqual([])
  })
})

describe('parseKopsTable', () => {
  it('returns [] when the header is absent', () => {
    expect(parseKopsTable('nothing here', 'NAME')).toEqual([])
  })
})

describe('tailLines', () => {
  it('keeps the last n non-empty lines', () => {
    const text = Array.from({length: 30}, (_, i) => `line ${i + 1}`).join('\n') + '\n\n'
    const tail = tailLines(text, 20).split('\n')
    expect(tail).toHaveLength(20)
    expect(tail[0]).toBe('line 11')
    expect(tail.at(-1)).toBe('line 30')
  })
})

describe('parseUpdateApplied', () => {
  it.each([
    ['Cluster is starting.  It should be ready in a few minutes.\n', 'cluster starting'],
    ['\nCluster changes have been applied to the cloud.\n\nChanges may require instances to restart: kops rolling-update cluster\n', 'applied'],
    ['No changes need to be applied\n', 'no changes'],
  ])('reads %j as %s', (output, expected) => {
    expect(parseUpdateApplied(output)).toBe(expected)
  })
})

describe('summariseUpdatePreview', () => {
  it('lists what a dry run of kops update would create, modify, and leave for --prune', () => {
    const output = [
      'I0822 10:00:00.000000   4242 executor.go:111] Tasks: 0 done / 84 total; 46 can run',
      'Will create resources:',
      '  AutoscalingGroup/nodes-b.prod.k8s.acme.de',
      '  LaunchTemplate/nodes-b.prod.k8s.acme.de',
      '',
      'Will modify resources:',
      '  LaunchTemplate/nodes-general.prod.k8s.acme.de',
      '',
      'Items will be deleted only when the --prune flag is specified:',
      '  AutoscalingGroup/old.prod.k8s.acme.de',
      '',
      'Must specify --yes to apply changes',
    ].join('\n')
    expect(summariseUpdatePreview(output)).toEqual({
      create: ['AutoscalingGroup/nodes-b.prod.k8s.acme.de', 'LaunchTemplate/nodes-b.prod.k8s.acme.de'],
      modify: ['LaunchTemplate/nodes-general.prod.k8s.acme.de'],
      prunable: ['AutoscalingGroup/old.prod.k8s.acme.de'],
    })
    expect(summariseUpdatePreview('No changes need to be applied\n')).toEqual({create: [], modify: [], prunable: []})
  })
})
