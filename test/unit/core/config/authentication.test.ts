import {describe, expect, it} from 'vitest'
import {stringify} from 'yaml'

import {checkClusterFile, validateClusterFile} from '../../../../src/core/config/validate.js'
import {CliError, type FileIssue} from '../../../../src/core/errors.js'

function file(profile: 'production' | 'sandbox', authentication?: unknown): string {
  const spec: Record<string, unknown> = {
    profile,
    region: 'eu-central-1',
    kubernetesVersion: '1.35.7',
    stateStore: {bucket: 'acme-kops-state'},
    dns: {zone: 'k8s.acme.de'},
    access: {api: ['10.0.0.0/8']},
    owner: 'bob@acme.de',
  }
  if (authentication !== undefined) spec.authentication = authentication
  return stringify({apiVersion: 'kopsmith/v1alpha1', kind: 'Cluster', metadata: {name: 'prod.k8s.acme.de'}, spec})
}

const role = (name: string, groups: string[], extra: Record<string, unknown> = {}) => ({roleARN: `arn:aws:iam::123456789012:role/${name}`, groups, ...extra})
const oidc = (extra: Record<string, unknown> = {}) => ({issuerURL: 'https://login.acme.de/realms/acme', clientID: 'kubernetes', usernamePrefix: 'oidc:', groupsPrefix: 'oidc:', ...extra})

function issues(text: string): FileIssue[] {
  try {
    validateClusterFile(text, 'cluster.yaml')
  } catch (error) {
    if (error instanceof CliError && error.exitCode === 3) return (error.details?.issues as FileIssue[]) ?? []
    throw error
  }
  throw new Error('the file was accepted')
}

describe('spec.authentication: defaults', () => {
  it('production defaults to AWS IAM with no mappings yet; sandbox to no one beyond the admin certificates', () => {
    expect(validateClusterFile(file('production'), 'p.yaml').authentication).toEqual({aws: {mappings: []}, oidc: null})
    expect(validateClusterFile(file('sandbox'), 's.yaml').authentication).toEqual({aws: null, oidc: null})
    expect(checkClusterFile(file('production'), 'p.yaml').defaultsApplied).toContain('spec.authentication')
  })

  it('null means none, also in production; a given method replaces the default', () => {
    expect(validateClusterFile(file('production', null), 'p.yaml').authentication).toEqual({aws: null, oidc: null})
    expect(validateClusterFile(file('production', {oidc: oidc()}), 'p.yaml').authentication.aws).toBeNull()
    expect(checkClusterFile(file('production', null), 'p.yaml').defaultsApplied).not.toContain('spec.authentication')
  })

  it('fills the IAM user name and the OIDC claims like the API server would', () => {
    const auth = validateClusterFile(file('production', {aws: {mappings: [role('payments-devs', ['payments-devs'])]}, oidc: oidc()}), 'p.yaml').authentication
    expect(auth.aws?.mappings).toEqual([{roleARN: 'arn:aws:iam::123456789012:role/payments-devs', groups: ['payments-devs'], username: 'iam:{{SessionName}}'}])
    expect(auth.oidc).toEqual({issuerURL: 'https://login.acme.de/realms/acme', clientID: 'kubernetes', usernameClaim: 'sub', usernamePrefix: 'oidc:', groupsClaim: 'groups', groupsPrefix: 'oidc:'})
    expect(checkClusterFile(file('production', {oidc: oidc()}), 'p.yaml').defaultsApplied).toEqual(
      expect.arrayContaining(['spec.authentication.oidc.usernameClaim', 'spec.authentication.oidc.groupsClaim']),
    )
  })

  it('accepts both methods together and an IAM mapping with its own user name', () => {
    const auth = validateClusterFile(file('production', {aws: {mappings: [role('ci', ['payments-ci'], {username: 'ci:{{AccountID}}:{{SessionName}}'})]}, oidc: oidc()}), 'p.yaml').authentication
    expect(auth.aws?.mappings[0]?.username).toBe('ci:{{AccountID}}:{{SessionName}}')
    expect(auth.oidc?.groupsPrefix).toBe('oidc:')
  })
})

describe('spec.authentication: nobody may become one of Kubernetes\' own identities', () => {
  it.each([
    ['a role mapped to system:masters', {aws: {mappings: [role('admins', ['system:masters'])]}}, 'spec.authentication.aws.mappings[0].groups[0]', 'one of Kubernetes\' own groups'],
    ['a role mapped to system:nodes', {aws: {mappings: [role('ops', ['ops', 'system:nodes'])]}}, 'spec.authentication.aws.mappings[0].groups[1]', 'one of Kubernetes\' own groups'],
    ['a role logging in as a system: user', {aws: {mappings: [role('ops', ['ops'], {username: 'system:kube-controller-manager'})]}}, 'spec.authentication.aws.mappings[0].username', 'one of Kubernetes\' own users'],
    ['OIDC groups prefixed system:', {oidc: oidc({groupsPrefix: 'system:'})}, 'spec.authentication.oidc.groupsPrefix', 'Kubernetes\' own (system:…)'],
    ['OIDC users with an empty prefix', {oidc: oidc({usernamePrefix: ''})}, 'spec.authentication.oidc.usernamePrefix', 'a prefix is required'],
    ['OIDC groups with the prefix switched off', {oidc: oidc({groupsPrefix: '-'})}, 'spec.authentication.oidc.groupsPrefix', 'a prefix is required'],
  ])('%s', (_what, authentication, path, message) => {
    const found = issues(file('production', authentication))
    expect(found.map((i) => i.path)).toEqual([path])
    expect(found[0]?.message).toContain(message)
  })

  it('an OIDC method needs both prefixes written out', () => {
    const {usernamePrefix: _u, ...withoutUser} = oidc()
    expect(issues(file('production', {oidc: withoutUser})).map((i) => [i.path, i.message])).toEqual([['spec.authentication.oidc.usernamePrefix', 'required field is missing (expected a string)']])
  })
})

describe('spec.authentication: what aws-iam-authenticator, kops and the API server would not accept', () => {
  it.each([
    ['an IAM user instead of a role', {aws: {mappings: [{roleARN: 'arn:aws:iam::123456789012:user/alice', groups: ['devs']}]}}, 'spec.authentication.aws.mappings[0].roleARN', 'expected an IAM role ARN'],
    ['an assumed-role session', {aws: {mappings: [{roleARN: 'arn:aws:sts::123456789012:assumed-role/devs/alice', groups: ['devs']}]}}, 'spec.authentication.aws.mappings[0].roleARN', 'expected an IAM role ARN'],
    ['a role in another partition', {aws: {mappings: [{roleARN: 'arn:aws-cn:iam::123456789012:role/devs', groups: ['devs']}]}}, 'spec.authentication.aws.mappings[0].roleARN', 'expected an IAM role ARN'],
    ['a role with a path', {aws: {mappings: [role('teams/devs', ['devs'])]}}, 'spec.authentication.aws.mappings[0].roleARN', 'write arn:aws:iam::123456789012:role/devs'],
    ['the same role twice, in another case', {aws: {mappings: [role('devs', ['a']), role('DEVS', ['b'])]}}, 'spec.authentication.aws.mappings[1].roleARN', 'already mapped at spec.authentication.aws.mappings[0]'],
    ['a role without groups', {aws: {mappings: [role('devs', [])]}}, 'spec.authentication.aws.mappings[0].groups', 'expected at least 1 item'],
    ['a user name kops would write as a YAML mapping', {aws: {mappings: [role('devs', ['devs'], {username: '{{SessionName}}'})]}}, 'spec.authentication.aws.mappings[0].username', 'expected a user name'],
    ['a user name YAML reads as a boolean', {aws: {mappings: [role('devs', ['devs'], {username: 'yes'})]}}, 'spec.authentication.aws.mappings[0].username', 'boolean, null or number'],
    ['a placeholder that needs the EC2 API', {aws: {mappings: [role('devs', ['devs'], {username: 'node:{{EC2PrivateDNSName}}'})]}}, 'spec.authentication.aws.mappings[0].username', 'unknown placeholder {{EC2PrivateDNSName}}'],
    ['an issuer over http', {oidc: oidc({issuerURL: 'http://login.acme.de'})}, 'spec.authentication.oidc.issuerURL', 'expected an https URL'],
    ['an issuer with a user name', {oidc: oidc({issuerURL: 'https://bob@login.acme.de'})}, 'spec.authentication.oidc.issuerURL', 'expected an https URL'],
    ['an issuer with a query', {oidc: oidc({issuerURL: 'https://login.acme.de/realms/acme?x=1'})}, 'spec.authentication.oidc.issuerURL', 'refuses an issuer URL with a query'],
    ['an issuer with a fragment', {oidc: oidc({issuerURL: 'https://login.acme.de/#acme'})}, 'spec.authentication.oidc.issuerURL', 'refuses an issuer URL with a fragment'],
    ['an issuer with an impossible port', {oidc: oidc({issuerURL: 'https://login.acme.de:99999/'})}, 'spec.authentication.oidc.issuerURL', 'an invalid host or port'],
    ['an unknown key', {oidc: oidc({requiredClaim: 'hd=acme.de'})}, 'spec.authentication.oidc.requiredClaim', 'unknown field'],
    ['no method at all', {}, 'spec.authentication', 'names no method'],
  ])('%s', (_what, authentication, path, message) => {
    const found = issues(file('production', authentication))
    expect(found.map((i) => i.path)).toEqual([path])
    expect(found[0]?.message).toContain(message)
  })
})
