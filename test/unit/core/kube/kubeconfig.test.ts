import {describe, expect, it} from 'vitest'

import {ExitCode, RefusedError, UsageError} from '../../../../src/core/errors.js'
import {mergeKubeconfigs, pointsAt, selectContext, type KubeconfigFile} from '../../../../src/core/kube/kubeconfig.js'

const NAME = 'prod.k8s.acme.de'

function file(path: string, data: {clusters?: unknown[]; users?: unknown[]; contexts?: unknown[]; 'current-context'?: string}): KubeconfigFile {
  return {path, data: {apiVersion: 'v1', kind: 'Config', ...data}}
}

const cluster = (name: string, c: Record<string, unknown>) => ({name, cluster: c})
const context = (name: string, clusterName: string, user = 'admin') => ({name, context: {cluster: clusterName, user}})

describe('mergeKubeconfigs: kubectl\'s loading rules', () => {
  it('the first file to define a name wins that whole entry; the first current-context wins', () => {
    const merged = mergeKubeconfigs([
      file('/a/config', {clusters: [cluster('shared', {server: 'https://api.prod.k8s.acme.de'})], contexts: [context('prod', 'shared')]}),
      file('/b/config', {
        clusters: [cluster('shared', {server: 'https://evil.example', 'certificate-authority-data': 'x'}), cluster('other', {server: 'https://other'})],
        contexts: [context('prod', 'other'), context('dev', 'other')],
        'current-context': 'dev',
      }),
      file('/c/config', {'current-context': 'prod'}),
    ])
    expect(merged.clusters.shared).toEqual({server: 'https://api.prod.k8s.acme.de'})
    expect(merged.contexts.prod).toEqual({cluster: 'shared', user: 'admin'})
    expect(Object.keys(merged.clusters)).toEqual(['shared', 'other'])
    expect(merged.currentContext).toBe('dev')
    expect(merged.files).toEqual(['/a/config', '/b/config', '/c/config'])
  })

  it('resolves relative file references against the file they came from; PATH commands stay as they are', () => {
    const merged = mergeKubeconfigs([
      file('/home/alice/.kube/config', {
        clusters: [cluster('c', {server: 'https://x', 'certificate-authority': 'ca.crt'})],
        users: [
          {name: 'cert', user: {'client-certificate': 'certs/me.crt', 'client-key': '/abs/me.key', tokenFile: 'token'}},
          {name: 'exec-path', user: {exec: {command: './bin/get-token', apiVersion: 'client.authentication.k8s.io/v1'}}},
          {name: 'exec-bare', user: {exec: {command: 'aws', apiVersion: 'client.authentication.k8s.io/v1'}}},
        ],
      }),
    ])
    expect(merged.clusters.c).toMatchObject({'certificate-authority': '/home/alice/.kube/ca.crt'})
    expect(merged.users.cert).toEqual({'client-certificate': '/home/alice/.kube/certs/me.crt', 'client-key': '/abs/me.key', tokenFile: '/home/alice/.kube/token'})
    expect(merged.users['exec-path']).toMatchObject({exec: {command: '/home/alice/.kube/bin/get-token'}})
    expect(merged.users['exec-bare']).toMatchObject({exec: {command: 'aws'}})
  })
})

describe('selectContext: only the API of the cluster the command names', () => {
  const merged = mergeKubeconfigs([
    file('/k/config', {
      clusters: [
        cluster('public-name', {server: 'https://api.prod.k8s.acme.de'}),
        cluster('internal-name', {server: 'https://api.internal.prod.k8s.acme.de:443'}),
        cluster('behind-nlb', {server: 'https://api-prod-k8s-acme-de-1a2b3c.elb.eu-central-1.amazonaws.com', 'tls-server-name': 'api.internal.prod.k8s.acme.de'}),
        cluster('nlb-unverified', {server: 'https://nlb.example', 'tls-server-name': 'api.internal.prod.k8s.acme.de', 'insecure-skip-tls-verify': true}),
        cluster('staging', {server: 'https://api.staging.k8s.acme.de'}),
        cluster('lookalike', {server: 'https://api.prod.k8s.acme.de.evil.example'}),
      ],
      contexts: [
        context('public', 'public-name'),
        context('internal', 'internal-name'),
        context('nlb', 'behind-nlb'),
        context('unverified', 'nlb-unverified'),
        context('staging', 'staging'),
        context('lookalike', 'lookalike'),
        context('dangling', 'missing'),
      ],
      'current-context': 'staging',
    }),
  ])

  it.each(['public', 'internal', 'nlb'])('context %s points at the API of prod (as kops export kubeconfig writes it)', (name) => {
    expect(selectContext({...merged, currentContext: name}, {cluster: NAME}).context).toBe(name)
  })

  it.each(['staging', 'lookalike', 'unverified'])('current context %s is refused with exit 9, naming the contexts that match', (name) => {
    let error: unknown
    try {
      selectContext({...merged, currentContext: name}, {cluster: NAME, exportedKubeconfig: '/state/kubeconfig/prod.k8s.acme.de'})
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(RefusedError)
    expect((error as RefusedError).exitCode).toBe(ExitCode.Refused)
    expect((error as RefusedError).message).toContain(`context "${name}" points at`)
    expect((error as RefusedError).suggestions).toEqual([
      'Contexts of prod.k8s.acme.de in the kubeconfig: --context public, --context internal, --context nlb',
      'Use the admin kubeconfig cluster create exported: --kubeconfig /state/kubeconfig/prod.k8s.acme.de',
      `If ${name} really is prod.k8s.acme.de (another DNS name in front of its API), say so: --context ${name}`,
    ])
  })

  it('a --context the user names is used as it is', () => {
    expect(selectContext(merged, {cluster: NAME, context: 'staging'})).toEqual({context: 'staging', server: 'https://api.staging.k8s.acme.de'})
  })

  it('an unknown or dangling context, or none at all, is a usage error (exit 2)', () => {
    expect(() => selectContext(merged, {cluster: NAME, context: 'nope'})).toThrow(UsageError)
    expect(() => selectContext(merged, {cluster: NAME, context: 'dangling'})).toThrow(/has no server/)
    expect(() => selectContext({...merged, currentContext: undefined}, {cluster: NAME})).toThrow(/no current context/)
  })

  it('pointsAt compares hosts exactly, case-insensitively', () => {
    expect(pointsAt({server: 'https://API.Prod.K8s.Acme.De'}, NAME)).toBe(true)
    expect(pointsAt({server: 'https://xapi.prod.k8s.acme.de'}, NAME)).toBe(false)
    expect(pointsAt({server: 'not a url'}, NAME)).toBe(false)
  })
})
