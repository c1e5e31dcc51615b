import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'

import {ClientNodeKube} from '../../src/adapters/kube/client-node-kube.js'
import {ApiError} from '../../src/core/errors.js'
import type {KubeObject} from '../../src/ports.js'
import {runCli} from '../helpers/cli.js'

/**
 * `kopsmith namespaces token` against a REAL kube-apiserver (../shared/kube/up.sh: v1.20.2, with
 * service-account token signing): the issued kubeconfig authenticates as the namespace's deployer,
 * may deploy there, may not read another namespace's Secrets or list nodes, and expires when asked.
 * Runs when KOPSMITH_E2E_KUBECONFIG names an admin kubeconfig; everything lives under a unique
 * prefix and is deleted at the end.
 *
 * What v1.20 lacks here: its `edit` role has no `create` on serviceaccounts/token (the 1.31+
 * clusters kopsmith builds have it), so tokens are requested with the admin kubeconfig; its
 * ServiceAccounts still get an auto-created token Secret, which the deployer cannot list.
 */
const admin = process.env.KOPSMITH_E2E_KUBECONFIG
/** The test server's kubeconfig names no kops cluster (its server is 127.0.0.1): the context is named explicitly. */
const ADMIN_CONTEXT = admin ? String((parse(readFileSync(admin, 'utf8')) as {'current-context'?: string})['current-context']) : ''

interface TokenEnvelope {
  status: 'ok' | 'error'
  result?: {namespace: string; serviceAccount: string; user: string; expiresAt: string; server: string; output: string; kubeconfig?: string; token?: string}
  error?: {code: string; exitCode: number; message: string; suggestions: string[]}
}

describe.skipIf(!admin)('namespaces token on a real API server (KOPSMITH_E2E_KUBECONFIG)', () => {
  const prefix = `kopsmith-tok-${Date.now().toString(36)}`
  const ns = `${prefix}-app`
  const other = `${prefix}-other`
  const plain = `${prefix}-plain`
  const dir = mkdtempSync(join(tmpdir(), 'kopsmith-token-e2e-'))
  let kube: ClientNodeKube

  const token = (args: string[]) => runCli(['namespaces', 'token', ...args, '--kubeconfig', admin!, '--context', ADMIN_CONTEXT, '--json'], {env: {KUBECONFIG: undefined}, timeoutMs: 90_000})
  const writeKubeconfig = (name: string, text: string): string => {
    const path = join(dir, name)
    writeFileSync(path, text, {mode: 0o600})
    return path
  }
  const jwtClaims = (jwt: string): {sub: string; exp: number; iat: number} => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as {sub: string; exp: number; iat: number}
  const canI = (kubeconfig: string, ...args: string[]): string => {
    try {
      return execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'auth', 'can-i', ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim()
    } catch (error) {
      return String((error as {stdout?: string}).stdout ?? '').trim() // can-i exits 1 for "no"
    }
  }
  const apiErrorOf = async (run: () => Promise<unknown>): Promise<ApiError> => {
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ApiError)
    return error as ApiError
  }

  beforeAll(async () => {
    kube = new ClientNodeKube(admin!)
    const nsFile = join(dir, 'namespaces.yaml')
    const entry = (name: string, deployer: boolean) =>
      [`  - name: ${name}`, `    team: ${prefix}-devs`, '    quota: {cpu: "2", memory: 2Gi, pods: 10}', '    limits: {cpu: 100m, memory: 64Mi}', `    deployer: ${deployer}`].join('\n')
    writeFileSync(nsFile, ['apiVersion: kopsmith/v1alpha1', 'kind: NamespaceSet', 'namespaces:', entry(ns, true), entry(other, true), entry(plain, false), ''].join('\n'))
    const boot = await runCli(['namespaces', 'bootstrap', '-f', nsFile, '--kubeconfig', admin!, '--context', ADMIN_CONTEXT, '--yes', '--json'], {env: {KUBECONFIG: undefined}, timeoutMs: 120_000})
    expect(boot.exitCode, boot.stdout + boot.stderr).toBe(0)
    await kube.apply({apiVersion: 'v1', kind: 'Secret', metadata: {name: 'db-password', namespace: other}, type: 'Opaque', stringData: {password: 'not-for-payments'}}, {fieldManager: 'e2e', force: false})
  }, 180_000)

  afterAll(async () => {
    if (!kube) return
    for (const name of [ns, other, plain]) await kube.delete({apiVersion: 'v1', kind: 'Namespace', name})
    kube.close()
  })

  it('prints a kubeconfig that authenticates as system:serviceaccount:NS:deployer and expires after --duration', async () => {
    const before = Math.floor(Date.now() / 1000)
    const r = await token([ns, '--duration', '10m'])
    expect(r.exitCode, r.stderr).toBe(0)
    const result = (r.json as TokenEnvelope).result!
    expect(result).toMatchObject({namespace: ns, serviceAccount: 'deployer', user: `system:serviceaccount:${ns}:deployer`, output: 'kubeconfig'})
    expect(result.token).toBeUndefined()

    const config = parse(result.kubeconfig!) as {users: Array<{user: {token: string}}>; contexts: Array<{context: {namespace: string}}>; clusters: Array<{cluster: {server: string; 'certificate-authority-data': string}}>}
    expect(config.contexts[0]?.context.namespace).toBe(ns)
    expect(config.clusters[0]?.cluster['certificate-authority-data']).toMatch(/^[A-Za-z0-9+/=]{100,}$/)
    const jwt = config.users[0]!.user.token
    const claims = jwtClaims(jwt)
    expect(claims.sub).toBe(`system:serviceaccount:${ns}:deployer`)
    expect(claims.exp - claims.iat).toBe(600)
    const expiresAt = Date.parse(result.expiresAt) / 1000
    expect(expiresAt).toBe(claims.exp)
    expect(expiresAt).toBeGreaterThanOrEqual(before + 600 - 5)
    expect(expiresAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 600 + 5)

    // The API server itself says who the token is (TokenReview, asked with the admin credentials).
    const review = JSON.parse(
      execFileSync('kubectl', ['--kubeconfig', admin!, 'create', '--raw', '/apis/authentication.k8s.io/v1/tokenreviews', '-f', '-'], {
        input: JSON.stringify({apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: {token: jwt}}),
        encoding: 'utf8',
      }),
    ) as {status: {authenticated: boolean; user: {username: string; groups: string[]}}}
    expect(review.status.authenticated).toBe(true)
    expect(review.status.user.username).toBe(`system:serviceaccount:${ns}:deployer`)
    expect(review.status.user.groups).toEqual(expect.arrayContaining(['system:serviceaccounts', `system:serviceaccounts:${ns}`]))
  })

  it('can deploy into its namespace and nowhere else', async () => {
    const r = await token([ns])
    expect(r.exitCode, r.stderr).toBe(0)
    const path = writeKubeconfig('deployer.kubeconfig', (r.json as TokenEnvelope).result!.kubeconfig!)
    const claims = jwtClaims((parse((r.json as TokenEnvelope).result!.kubeconfig!) as {users: Array<{user: {token: string}}>}).users[0]!.user.token)
    expect(claims.exp - claims.iat).toBe(3600) // the default --duration 1h

    const deployer = new ClientNodeKube(path)
    try {
      const deployment: KubeObject = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {name: 'web', namespace: ns},
        spec: {
          replicas: 1,
          selector: {matchLabels: {app: 'web'}},
          template: {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'web', image: 'registry.k8s.io/pause:3.9', resources: {limits: {cpu: '50m', memory: '32Mi'}}}]}},
        },
      }
      const applied = await deployer.apply(deployment, {fieldManager: 'ci', force: false})
      expect(applied.metadata.namespace).toBe(ns)
      expect(await kube.get({apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: ns})).toBeDefined()

      const elsewhere = await apiErrorOf(() => deployer.apply({...deployment, metadata: {name: 'web', namespace: other}}, {fieldManager: 'ci', force: false}))
      expect(elsewhere.details?.status).toBe(403)
      const secret = await apiErrorOf(() => deployer.get({apiVersion: 'v1', kind: 'Secret', name: 'db-password', namespace: other}))
      expect(secret.details?.status).toBe(403)
      expect(secret.message).toContain(`User "system:serviceaccount:${ns}:deployer" cannot get resource "secrets" in API group "" in the namespace "${other}"`)
      const nodes = await apiErrorOf(() => deployer.list('v1', 'Node', {}))
      expect(nodes.message).toContain(`User "system:serviceaccount:${ns}:deployer" cannot list resource "nodes" in API group "" at the cluster scope`)
    } finally {
      deployer.close()
    }

    // SelfSubjectAccessReview through kubectl: the Role, rule by rule.
    expect(canI(path, 'patch', 'deployments', '--subresource=scale')).toBe('yes')
    expect(canI(path, 'create', 'jobs.batch')).toBe('yes')
    expect(canI(path, 'create', 'ingresses.networking.k8s.io')).toBe('yes')
    expect(canI(path, 'create', 'secrets')).toBe('yes')
    expect(canI(path, 'list', 'secrets')).toBe('no')
    expect(canI(path, 'create', 'rolebindings.rbac.authorization.k8s.io')).toBe('no')
    expect(canI(path, 'create', 'serviceaccounts/token')).toBe('no')
    expect(canI(path, 'create', 'pods/exec')).toBe('no')
    expect(canI(path, 'create', 'deployments', '-n', other)).toBe('no')
    expect(canI(path, 'create', 'namespaces')).toBe('no')
  })

  it('--output token prints only the token', async () => {
    const r = await runCli(['namespaces', 'token', ns, '--kubeconfig', admin!, '--context', ADMIN_CONTEXT, '--output', 'token', '--duration', '15m'], {env: {KUBECONFIG: undefined}, timeoutMs: 90_000})
    expect(r.exitCode, r.stderr).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(jwtClaims(lines[0]!).exp - jwtClaims(lines[0]!).iat).toBe(900)
    expect(r.stderr).toContain(`Token for system:serviceaccount:${ns}:deployer`)
    expect(r.stderr).not.toContain(lines[0]!)
  })

  it('a namespace without a deployer is exit 4 naming the fix; the deployer cannot mint tokens itself (exit 6)', async () => {
    const none = await token([plain])
    expect(none.exitCode).toBe(4)
    expect((none.json as TokenEnvelope).error).toMatchObject({code: 'precondition', message: `namespace ${plain} has no ServiceAccount "deployer"`})
    expect((none.json as TokenEnvelope).error?.suggestions[0]).toContain(`deployer: true for ${plain}`)

    const issued = await token([ns])
    const issuedKubeconfig = (issued.json as TokenEnvelope).result!.kubeconfig!
    const path = writeKubeconfig('self.kubeconfig', issuedKubeconfig)
    const selfContext = String((parse(issuedKubeconfig) as {'current-context'?: string})['current-context'])
    const self = await runCli(['namespaces', 'token', ns, '--kubeconfig', path, '--context', selfContext, '--json'], {env: {KUBECONFIG: undefined}, timeoutMs: 90_000})
    expect(self.exitCode).toBe(6)
    const error = (self.json as TokenEnvelope).error!
    expect(error.message).toContain('cannot create resource "serviceaccounts/token"')
    expect(JSON.stringify(self.json)).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./)
  })

  it('deleting the deployer ServiceAccount revokes every token issued for it, also once it is bootstrapped again', async () => {
    const r = await token([other])
    expect(r.exitCode, r.stderr).toBe(0)
    const jwt = (parse((r.json as TokenEnvelope).result!.kubeconfig!) as {users: Array<{user: {token: string}}>}).users[0]!.user.token
    const review = (): {authenticated?: boolean; error?: string} =>
      (
        JSON.parse(
          execFileSync('kubectl', ['--kubeconfig', admin!, 'create', '--raw', '/apis/authentication.k8s.io/v1/tokenreviews', '-f', '-'], {
            input: JSON.stringify({apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: {token: jwt}}),
            encoding: 'utf8',
          }),
        ) as {status: {authenticated?: boolean; error?: string}}
      ).status
    expect(review().authenticated).toBe(true)
    const sa = {apiVersion: 'v1', kind: 'ServiceAccount', name: 'deployer', namespace: other}
    await kube.delete(sa)
    // The API server may answer from its token cache for a few seconds.
    const deadline = Date.now() + 30_000
    while (review().authenticated && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500))
    expect(review()).toMatchObject({error: expect.stringContaining('serviceaccounts "deployer" not found')})
    await kube.apply({apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'deployer', namespace: other}, automountServiceAccountToken: false}, {fieldManager: 'kopsmith', force: false})
    expect(review()).toMatchObject({error: expect.stringMatching(/ServiceAccount UID \(.+\) does not match claim/)})
  })

  it('the API server refuses less than 10 minutes, as kopsmith does before asking', async () => {
    const refused = await apiErrorOf(() => kube.requestServiceAccountToken(ns, 'deployer', {expirationSeconds: 599}))
    expect(refused.details?.status).toBe(422)
    expect(refused.message).toContain('may not specify a duration less than 10 minutes')
    const local = await token([ns, '--duration', '9m'])
    expect(local.exitCode).toBe(2)
  })
})
