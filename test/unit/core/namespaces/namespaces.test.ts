import {describe, expect, it} from 'vitest'

import {InvalidFileError} from '../../../../src/core/errors.js'
import {renderNamespace} from '../../../../src/core/namespaces/render.js'
import {namespaceSetSchema, type NamespaceEntry} from '../../../../src/core/namespaces/schema.js'
import {parseYamlFile} from '../../../../src/core/yaml-file.js'

const base = ['apiVersion: kopsmith/v1alpha1', 'kind: NamespaceSet', 'namespaces:']
const entry = (name: string, extra: string[] = []) => [`  - name: ${name}`, '    team: devs', '    quota: {cpu: "8", memory: 16Gi, pods: 50}', '    limits: {cpu: 250m, memory: 256Mi}', ...extra]

function issues(lines: string[]) {
  try {
    parseYamlFile(lines.join('\n'), 'ns.yaml', namespaceSetSchema)
    return []
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidFileError)
    return (error as InvalidFileError).issues
  }
}

describe('NamespaceSet file', () => {
  it('accepts the DESIGN.md shape and fills defaults', () => {
    const set = parseYamlFile([...base, ...entry('payments')].join('\n'), 'ns.yaml', namespaceSetSchema).value
    expect(set.namespaces[0]).toMatchObject({ingress: false, egress: [], deployer: false, quota: {cpu: '8', pods: 50}})
  })

  it.each([
    [[...base, ...entry('payments', ['    colour: red'])], 'namespaces[0].colour', 8],
    [[...base, ...entry('Payments')], 'namespaces[0].name', 4],
    [[...base, ...entry('kube-system')], 'namespaces[0].name', 4],
    [[...base, ...entry('traefik')], 'namespaces[0].name', 4],
    [[...base, ...entry('a'), ...entry('a')], 'namespaces[1].name', 8],
    [[...base, ...entry('a', ['    egress: [{cidr: 10.0.0.0/33, ports: [5432]}]'])], 'namespaces[0].egress[0].cidr', 8],
    [[...base, ...entry('a', ['    egress: [{cidr: 10.0.0.0/16, ports: [70000]}]'])], 'namespaces[0].egress[0].ports[0]', 8],
    [[...base.slice(0, 2), 'namespaces: []'], 'namespaces', 3],
  ])('rejects %# with path and line', (lines, path, line) => {
    const found = issues(lines as string[])
    expect(found.map((i) => i.path)).toContain(path)
    expect(found.find((i) => i.path === path)?.line).toBe(line)
  })

  it('rejects a malformed quantity', () => {
    const lines = [...base, '  - name: a', '    team: devs', '    quota: {cpu: "8 cores", memory: 16Gi, pods: 50}', '    limits: {cpu: 250m, memory: 256Mi}']
    expect(issues(lines).map((i) => i.path)).toContain('namespaces[0].quota.cpu')
  })
})

describe('renderNamespace', () => {
  const full: NamespaceEntry = {name: 'payments', team: 'payments-devs', quota: {cpu: '8', memory: '16Gi', pods: 50}, limits: {cpu: '250m', memory: '256Mi'}, ingress: true, egress: [{cidr: '10.30.0.0/16', ports: [5432, 6432]}], deployer: true}

  it('renders the full set of objects for an app with everything switched on', () => {
    expect(renderNamespace(full).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/payments',
      'ResourceQuota/quota',
      'LimitRange/defaults',
      'NetworkPolicy/default-deny',
      'NetworkPolicy/allow-dns',
      'NetworkPolicy/allow-from-ingress',
      'NetworkPolicy/allow-egress',
      'RoleBinding/team-edit',
      'ServiceAccount/deployer',
      'Role/deployer',
      'RoleBinding/deployer',
    ])
  })

  it('leaves out ingress, egress and deployer objects when not asked for', () => {
    const kinds = renderNamespace({...full, ingress: false, egress: [], deployer: false}).map((o) => o.metadata.name)
    expect(kinds).not.toContain('allow-from-ingress')
    expect(kinds).not.toContain('allow-egress')
    expect(kinds).not.toContain('deployer')
  })

  it('enforces Pod Security restricted and denies all traffic by default, allowing DNS to kube-dns', () => {
    const objects = renderNamespace(full, {podSecurityVersion: 'v1.35'})
    expect(objects[0]!.metadata.labels).toMatchObject({'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.35'})
    expect(objects.find((o) => o.metadata.name === 'default-deny')!.spec).toEqual({podSelector: {}, policyTypes: ['Ingress', 'Egress']})
    const dns = objects.find((o) => o.metadata.name === 'allow-dns')!.spec as {egress: Array<{ports: unknown[]; to: unknown[]}>}
    expect(dns.egress[0]!.ports).toEqual([{protocol: 'UDP', port: 53}, {protocol: 'TCP', port: 53}])
    expect(JSON.stringify(dns.egress[0]!.to)).toContain('kube-dns')
    const ingress = objects.find((o) => o.metadata.name === 'allow-from-ingress')!.spec as Record<string, unknown>
    expect(JSON.stringify(ingress)).toContain('"kubernetes.io/metadata.name":"traefik"')
    const egress = objects.find((o) => o.metadata.name === 'allow-egress')!.spec as {egress: Array<{ports: unknown[]}>}
    expect(egress.egress[0]!.ports).toEqual([{protocol: 'TCP', port: 5432}, {protocol: 'TCP', port: 6432}])
  })

  it('binds the team group to edit and never lets the deployer touch RBAC or network policies', () => {
    const objects = renderNamespace(full)
    expect(objects.find((o) => o.metadata.name === 'team-edit')).toMatchObject({roleRef: {kind: 'ClusterRole', name: 'edit'}, subjects: [{kind: 'Group', name: 'payments-devs'}]})
    const rules = objects.find((o) => o.kind === 'Role')!.rules as Array<{apiGroups: string[]; resources: string[]}>
    const resources = rules.flatMap((r) => r.resources)
    expect(resources).toContain('deployments')
    expect(resources).not.toContain('networkpolicies')
    expect(rules.some((r) => r.apiGroups.includes('rbac.authorization.k8s.io'))).toBe(false)
  })
})
