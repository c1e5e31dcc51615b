import {describe, expect, it} from 'vitest'

import type {AuthenticationConfig} from '../../../../src/core/config/types.js'
import {InvalidFileError} from '../../../../src/core/errors.js'
import {groupHolders, teamAccessProblems, teamAccessSuggestions} from '../../../../src/core/namespaces/access.js'
import {namespaceSetSchema, type NamespaceSet} from '../../../../src/core/namespaces/schema.js'
import {parseYamlFile} from '../../../../src/core/yaml-file.js'

const set = (...teams: string[]): NamespaceSet =>
  namespaceSetSchema.parse({
    apiVersion: 'kopsmith/v1alpha1',
    kind: 'NamespaceSet',
    namespaces: teams.map((team, i) => ({name: `app-${i}`, team, quota: {cpu: '1', memory: '1Gi', pods: 5}, limits: {cpu: '100m', memory: '64Mi'}})),
  })

const ROLE = 'arn:aws:iam::123456789012:role/payments-devs'
const AWS: AuthenticationConfig = {aws: {mappings: [{roleARN: ROLE, username: 'iam:{{SessionName}}', groups: ['payments-devs', 'oncall']}]}, oidc: null}
const OIDC: AuthenticationConfig = {
  aws: null,
  oidc: {issuerURL: 'https://login.acme.de/realms/acme', clientID: 'kubernetes', usernameClaim: 'email', usernamePrefix: 'oidc:', groupsClaim: 'groups', groupsPrefix: 'oidc:'},
}
const NONE: AuthenticationConfig = {aws: null, oidc: null}

describe('teamAccessProblems: a team group nobody who logs in can hold', () => {
  it('AWS IAM: a group some role is mapped to is held; any other is not, and the message lists what is mapped', () => {
    const problems = teamAccessProblems(set('payments-devs', 'reporting-devs', 'oncall'), AWS, 'prod.k8s.acme.de')
    expect(problems.map((p) => [p.index, p.team])).toEqual([[1, 'reporting-devs']])
    expect(problems[0]?.message).toBe(
      'no one who logs in to prod.k8s.acme.de is in group "reporting-devs", so its edit binding would grant nothing: no IAM role in spec.authentication.aws.mappings has it (mapped groups: oncall, payments-devs)',
    )
  })

  it('AWS IAM with no roles mapped yet (the production default) holds no team', () => {
    const [problem] = teamAccessProblems(set('payments-devs'), {aws: {mappings: []}, oidc: null}, 'prod.k8s.acme.de')
    expect(problem?.message).toContain('no roles are mapped yet')
  })

  it('OIDC: a group with the groups prefix is held by the identity provider; without it, the message shows the prefixed name', () => {
    const problems = teamAccessProblems(set('oidc:payments-devs', 'payments-devs', 'oidc:'), OIDC, 'alice.sandbox.k8s.acme.de')
    expect(problems.map((p) => p.team)).toEqual(['payments-devs', 'oidc:'])
    expect(problems[0]?.message).toContain('OIDC groups arrive prefixed, as "oidc:payments-devs"')
  })

  it('both methods: either one holding the group is enough; neither names both reasons', () => {
    const both: AuthenticationConfig = {aws: AWS.aws, oidc: OIDC.oidc}
    const problems = teamAccessProblems(set('payments-devs', 'oidc:reporting', 'reporting'), both, 'prod.k8s.acme.de')
    expect(problems.map((p) => p.team)).toEqual(['reporting'])
    expect(problems[0]?.message).toMatch(/no IAM role .* has it .*; OIDC groups arrive prefixed, as "oidc:reporting"$/)
  })

  it('no authentication: kops\' admin certificates hold no team group', () => {
    const [problem] = teamAccessProblems(set('payments-devs'), NONE, 'alice.sandbox.k8s.acme.de')
    expect(problem?.message).toContain('the cluster authenticates no one but kops\' admin certificates (no spec.authentication)')
  })

  it('groupHolders says who holds a group, and the suggestions say what to write', () => {
    expect(groupHolders('payments-devs', AWS)).toEqual([`IAM role ${ROLE}`])
    expect(groupHolders('oidc:payments-devs', OIDC)).toEqual(['OIDC group "payments-devs" of https://login.acme.de/realms/acme'])
    expect(groupHolders('payments-devs', NONE)).toEqual([])
    const problems = teamAccessProblems(set('payments-devs'), OIDC, 'c')
    expect(teamAccessSuggestions(problems, OIDC, 'clusters/prod.yaml')).toEqual([
      'Map the team\'s IAM role in clusters/prod.yaml: spec.authentication.aws.mappings: [{roleARN: "arn:aws:iam::ACCOUNT:role/payments-devs", groups: [payments-devs]}]',
      'Or bind the identity provider\'s group: team: "oidc:payments-devs"',
    ])
    expect(teamAccessSuggestions([], OIDC, undefined)).toEqual([])
  })
})

describe('NamespaceSet: a team is never one of Kubernetes\' own groups', () => {
  it.each(['system:authenticated', 'system:serviceaccounts', 'system:masters'])('refuses team: %s (exit 3, with the line)', (team) => {
    const text = ['apiVersion: kopsmith/v1alpha1', 'kind: NamespaceSet', 'namespaces:', '  - name: payments', `    team: "${team}"`, '    quota: {cpu: "8", memory: 16Gi, pods: 50}', '    limits: {cpu: 250m, memory: 256Mi}'].join('\n')
    let error: unknown
    try {
      parseYamlFile(text, 'ns.yaml', namespaceSetSchema)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InvalidFileError)
    expect((error as InvalidFileError).issues).toEqual([expect.objectContaining({path: 'namespaces[0].team', line: 5, message: expect.stringContaining('system:authenticated is everyone who logs in')})])
  })
})
