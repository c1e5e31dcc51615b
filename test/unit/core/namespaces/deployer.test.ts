import {readFileSync, writeFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {DEPLOYER_TABLE_END, DEPLOYER_TABLE_START, deployerRulesMarkdown, withDeployerTable} from '../../../../src/core/namespaces/docs.js'
import {DEPLOYER_RULES} from '../../../../src/core/namespaces/render.js'
import {ROOT} from '../../../golden/cases.js'

const PAGE = `${ROOT}docs/access.md`

/** Whether the Role grants `verb` on `group`/`resource` (no wildcards are used, so a plain lookup). */
const grants = (group: string, resource: string, verb: string): boolean =>
  DEPLOYER_RULES.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb))

describe('the deployer Role', () => {
  it('covers a CI deploy: deployments with scale, services, configmaps, secrets, jobs, ingresses, HTTPRoutes', () => {
    for (const [group, resource] of [['apps', 'deployments'], ['', 'services'], ['', 'configmaps'], ['batch', 'jobs'], ['networking.k8s.io', 'ingresses'], ['gateway.networking.k8s.io', 'httproutes']]) {
      for (const verb of ['get', 'create', 'update', 'patch', 'delete']) expect(grants(group!, resource!, verb), `${verb} ${group}/${resource}`).toBe(true)
    }
    expect(grants('apps', 'deployments/scale', 'patch')).toBe(true)
    for (const verb of ['get', 'create', 'patch', 'delete']) expect(grants('', 'secrets', verb)).toBe(true)
  })

  it('grants nothing beyond that: no wildcard, no RBAC, no tokens, no exec, no listing Secrets', () => {
    for (const rule of DEPLOYER_RULES) for (const v of [...rule.apiGroups, ...rule.resources, ...rule.verbs]) expect(v).not.toBe('*')
    expect(DEPLOYER_RULES.flatMap((r) => r.apiGroups)).not.toContain('rbac.authorization.k8s.io')
    for (const [group, resource, verb] of [
      ['', 'secrets', 'list'],
      ['', 'secrets', 'watch'],
      ['', 'serviceaccounts', 'create'],
      ['', 'serviceaccounts/token', 'create'],
      ['', 'pods/exec', 'create'],
      ['', 'pods', 'create'],
      ['', 'namespaces', 'get'],
      ['', 'resourcequotas', 'update'],
      ['networking.k8s.io', 'networkpolicies', 'delete'],
      ['apps', 'daemonsets', 'create'],
    ]) {
      expect(grants(group!, resource!, verb!), `${verb} ${group}/${resource}`).toBe(false)
    }
  })
})

describe('docs/access.md', () => {
  it('holds exactly the deployer table generated from DEPLOYER_RULES (UPDATE_GOLDEN=1 regenerates it)', () => {
    const page = readFileSync(PAGE, 'utf8')
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(PAGE, withDeployerTable(page))
    const current = readFileSync(PAGE, 'utf8')
    expect(current.slice(current.indexOf(DEPLOYER_TABLE_START), current.indexOf(DEPLOYER_TABLE_END) + DEPLOYER_TABLE_END.length)).toBe(deployerRulesMarkdown())
  })

  it('has one row per rule', () => {
    const rows = deployerRulesMarkdown().split('\n').filter((l) => l.startsWith('| `'))
    expect(rows).toHaveLength(DEPLOYER_RULES.length)
    expect(rows[1]).toBe('| `apps` | `deployments/scale` | `get`, `update`, `patch` |')
  })
})
