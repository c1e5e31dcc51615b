import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import type {ClusterConfig} from '../../../../src/core/config/types.js'
import {renderKopsSpec, type KopsTemplates} from '../../../../src/core/render/kops-spec.js'
import {validateKopsObject} from '../../../helpers/kops-schema.js'
import {loadConfig, ROOT} from '../../../golden/cases.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any -- reading arbitrary kops fields

const TEMPLATES: KopsTemplates = {
  cluster: readFileSync(`${ROOT}templates/cluster.yaml`, 'utf8'),
  instanceGroup: readFileSync(`${ROOT}templates/instancegroup.yaml`, 'utf8'),
  auditPolicy: readFileSync(`${ROOT}templates/audit-policy.yaml`, 'utf8'),
}

const OIDC = {issuerURL: 'https://login.acme.de/realms/acme', clientID: 'kubernetes', usernameClaim: 'email', usernamePrefix: 'oidc:', groupsClaim: 'groups', groupsPrefix: 'oidc:'}

function render(authentication: ClusterConfig['authentication']): Json {
  const config = {...loadConfig('examples/production.yaml'), authentication}
  return renderKopsSpec(config, TEMPLATES).cluster as Json
}

describe('rendering spec.authentication into kops v1alpha2 fields', () => {
  it('AWS IAM: aws-iam-authenticator in CRD mode, the cluster name as cluster ID, one identity mapping per role', () => {
    const cluster = render({
      aws: {mappings: [{roleARN: 'arn:aws:iam::123456789012:role/payments-devs', username: 'iam:{{SessionName}}', groups: ['payments-devs', 'payments-oncall']}]},
      oidc: null,
    })
    expect(cluster.spec.authentication).toEqual({
      aws: {
        backendMode: 'CRD',
        clusterID: 'prod.k8s.acme.de',
        identityMappings: [{arn: 'arn:aws:iam::123456789012:role/payments-devs', username: 'iam:{{SessionName}}', groups: ['payments-devs', 'payments-oncall']}],
      },
    })
    expect(Object.keys(cluster.spec.kubeAPIServer).filter((k) => k.startsWith('oidc'))).toEqual([])
    expect(validateKopsObject(cluster)).toEqual({valid: true, errors: []})
  })

  it('AWS IAM without mappings yet: the authenticator runs, nothing is mapped', () => {
    expect(render({aws: {mappings: []}, oidc: null}).spec.authentication).toEqual({aws: {backendMode: 'CRD', clusterID: 'prod.k8s.acme.de'}})
  })

  it('OIDC: the API server flags of kops v1alpha2, beside the template\'s own API server settings', () => {
    const cluster = render({aws: null, oidc: OIDC})
    expect(cluster.spec.authentication).toBeUndefined()
    expect(cluster.spec.kubeAPIServer).toMatchObject({
      oidcIssuerURL: 'https://login.acme.de/realms/acme',
      oidcClientID: 'kubernetes',
      oidcUsernameClaim: 'email',
      oidcUsernamePrefix: 'oidc:',
      oidcGroupsClaim: 'groups',
      oidcGroupsPrefix: 'oidc:',
      anonymousAuth: false,
      auditPolicyFile: '/etc/kubernetes/audit/policy-config.yaml',
    })
    expect(validateKopsObject(cluster)).toEqual({valid: true, errors: []})
  })

  it('both methods at once, and none at all', () => {
    const both = render({aws: {mappings: []}, oidc: OIDC})
    expect(both.spec.authentication.aws.backendMode).toBe('CRD')
    expect(both.spec.kubeAPIServer.oidcGroupsPrefix).toBe('oidc:')
    expect(validateKopsObject(both)).toEqual({valid: true, errors: []})
    const none = render({aws: null, oidc: null})
    expect(none.spec.authentication).toBeUndefined()
    expect(Object.keys(none.spec.kubeAPIServer).some((k) => k.startsWith('oidc'))).toBe(false)
  })

  it('the CRD itself has no spec.authentication.oidc in v1alpha2: the OIDC flags live on kubeAPIServer', () => {
    const misplaced = render({aws: null, oidc: null})
    misplaced.spec.authentication = {oidc: {issuerURL: OIDC.issuerURL}}
    expect(validateKopsObject(misplaced).errors).toEqual(['/spec/authentication must NOT have additional properties (oidc)'])
  })
})
