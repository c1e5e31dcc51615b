import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'

import {UsageError} from '../../../../src/core/errors.js'
import {MAX_TOKEN_SECONDS, MIN_TOKEN_SECONDS, serviceAccountUser, tokenKubeconfig, tokenRequestSeconds} from '../../../../src/core/namespaces/token.js'

describe('tokenRequestSeconds', () => {
  it('accepts 10m to 24h in whole seconds', () => {
    expect(tokenRequestSeconds('payments', 3_600_000)).toBe(3600)
    expect(tokenRequestSeconds('payments', MIN_TOKEN_SECONDS * 1000)).toBe(600)
    expect(tokenRequestSeconds('payments', MAX_TOKEN_SECONDS * 1000)).toBe(86_400)
  })

  it.each([[599_000], [86_401_000], [600_500], [0]])('refuses %d ms as a usage error', (ms) => {
    expect(() => tokenRequestSeconds('payments', ms)).toThrow(UsageError)
  })

  it.each(['Payments', 'a/b', '', 'x'.repeat(64), '-payments'])('refuses the namespace name %j', (name) => {
    expect(() => tokenRequestSeconds(name, 3_600_000)).toThrow(/is not a namespace name/)
  })
})

describe('tokenKubeconfig', () => {
  it('one cluster, one token user, one context set to the namespace', () => {
    const text = tokenKubeconfig({namespace: 'payments', serviceAccount: 'deployer', token: 'eyJ.x.y', server: 'https://api.prod.k8s.acme.de', certificateAuthorityData: 'Q0E='})
    expect(parse(text)).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{name: 'api.prod.k8s.acme.de', cluster: {server: 'https://api.prod.k8s.acme.de', 'certificate-authority-data': 'Q0E='}}],
      users: [{name: 'payments-deployer', user: {token: 'eyJ.x.y'}}],
      contexts: [{name: 'payments-deployer@api.prod.k8s.acme.de', context: {cluster: 'api.prod.k8s.acme.de', user: 'payments-deployer', namespace: 'payments'}}],
      'current-context': 'payments-deployer@api.prod.k8s.acme.de',
    })
  })

  it('carries the TLS server name and an insecure flag only when the source kubeconfig had them', () => {
    const config = parse(tokenKubeconfig({namespace: 'a', serviceAccount: 'deployer', token: 't', server: 'https://10.0.0.1:6443', tlsServerName: 'api.internal', insecureSkipTlsVerify: true})) as {clusters: Array<{cluster: Record<string, unknown>}>}
    expect(config.clusters[0]?.cluster).toEqual({server: 'https://10.0.0.1:6443', 'tls-server-name': 'api.internal', 'insecure-skip-tls-verify': true})
  })

  it('names the user as the API server does', () => {
    expect(serviceAccountUser('payments', 'deployer')).toBe('system:serviceaccount:payments:deployer')
  })
})
