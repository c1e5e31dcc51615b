import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {pathToFileURL} from 'node:url'

import {beforeEach, describe, expect, it} from 'vitest'
import YAML from 'yaml'

import {GOLDEN_CASES, renderCase} from '../../golden/cases.js'
import {kopsObjects, STANDIN, tempDir} from './standin.js'

/**
 * The stand-in itself against kops-contract.md: the texts and exit codes the adapter and the
 * services depend on. If kops changes, this is the file to change first.
 */
const NAME = 'c1.k8s.acme.de'

describe('kops stand-in contract', () => {
  let dir: string
  let root: string
  let store: string
  const kops = (args: string[], env: Record<string, string> = {}, input?: string) => {
    const r = spawnSync(STANDIN, args, {env: {PATH: process.env.PATH, HOME: dir, KOPS_STATE_STORE: store, ...env}, encoding: 'utf8', ...(input === undefined ? {} : {input})})
    return {code: r.status, stdout: r.stdout, stderr: r.stderr}
  }
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text)
    return join(dir, name)
  }
  const keys = (): string[] => {
    const walk = (d: string): string[] => (existsSync(d) ? readdirSync(d).flatMap((e) => (statSync(join(d, e)).isDirectory() ? walk(join(d, e)) : [relative(root, join(d, e))])) : [])
    return walk(join(root, NAME)).sort()
  }

  beforeEach(() => {
    dir = tempDir()
    root = join(dir, 'state')
    store = pathToFileURL(root).href
  })

  const create = (version = '1.34.10') => kops(['create', '-f', file('c.yaml', kopsObjects({name: NAME, kubernetesVersion: version}))])
  const secret = () => kops(['create', 'secret', 'encryptionconfig', '--name', NAME, '-f', file('enc.yaml', 'kind: EncryptionConfiguration\n')])

  it('create -f prints what it created, and refuses an existing cluster with exit 1', () => {
    const first = create()
    expect(first.code).toBe(0)
    expect(first.stdout).toContain(`Created cluster/${NAME}`)
    expect(first.stdout).toContain('Created instancegroup/nodes-general')
    const again = create()
    expect(again.code).toBe(1)
    expect(again.stderr.trim()).toBe(`Error: cluster "${NAME}" already exists`)
  })

  it('replace -f needs --force for a cluster that does not exist', () => {
    const f = file('c.yaml', kopsObjects({name: NAME, kubernetesVersion: '1.34.10'}))
    expect(kops(['replace', '-f', f]).stderr).toContain(`cluster ${NAME} does not exist (try adding --force flag)`)
    expect(kops(['replace', '-f', f, '--force']).code).toBe(0)
    expect(keys()).toContain(`${NAME}/config`)
  })

  it('update --yes needs the encryptionconfig secret when spec.encryptionConfig is true, and then lays out the state', () => {
    create()
    const refused = kops(['update', 'cluster', '--name', NAME, '--yes'])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toContain('no encryptionconfig secret has been set')
    expect(refused.stderr).toContain('could not find encryptionconfig secret')
    expect(secret().code).toBe(0)
    expect(secret().stderr.trim()).toBe('Error: failed to create the encryptionconfig secret as it already exists. Pass the `--force` flag to replace an existing secret')
    const applied = kops(['update', 'cluster', '--name', NAME, '--yes'])
    expect(applied.code).toBe(0)
    expect(applied.stdout).toContain('Cluster is starting.')
    expect(keys()).toEqual([
      `${NAME}/addons/bootstrap-channel.yaml`,
      `${NAME}/cluster-completed.spec`,
      `${NAME}/config`,
      `${NAME}/igconfig/control-plane/control-plane-eu-central-1a/nodeupconfig.yaml`,
      `${NAME}/igconfig/node/nodes-general/nodeupconfig.yaml`,
      `${NAME}/instancegroup/control-plane-eu-central-1a`,
      `${NAME}/instancegroup/nodes-general`,
      `${NAME}/kops-version.txt`,
      `${NAME}/pki/private/kubernetes-ca/keyset.yaml`,
      `${NAME}/secrets/encryptionconfig`,
    ])
    expect(kops(['update', 'cluster', '--name', NAME, '--yes']).stdout).toContain('Cluster changes have been applied to the cloud.')
  })

  it('refuses Kubernetes newer than its own minor unless KOPS_RUN_TOO_NEW_VERSION, and older than its floor', () => {
    create('1.36.3')
    secret()
    const tooNew = kops(['update', 'cluster', '--name', NAME, '--yes'])
    expect(tooNew.code).toBe(1)
    expect(tooNew.stdout).toContain('upgrading kops is required')
    expect(tooNew.stderr.trim()).toBe('Error: kops upgrade is required')
    expect(kops(['update', 'cluster', '--name', NAME, '--yes'], {KOPS_RUN_TOO_NEW_VERSION: '1'}).code).toBe(0)
    expect(kops(['update', 'cluster', '--name', NAME], {KOPS_STANDIN_VERSION: '1.37.0'}).code).toBe(0) // 1.36 is inside kops 1.37's range
    const old = 'old.k8s.acme.de'
    kops(['create', '-f', file('old.yaml', kopsObjects({name: old, kubernetesVersion: '1.30.2'}).replace('encryptionConfig: true', 'encryptionConfig: false'))])
    const tooOld = kops(['update', 'cluster', '--name', old], {KOPS_STANDIN_VERSION: '1.36.2'})
    expect(tooOld.code).toBe(1)
    expect(tooOld.stderr.trim()).toBe('Error: kubernetes upgrade is required')
    const older = kops(['update', 'cluster', '--name', NAME, '--yes'], {KOPS_STANDIN_VERSION: '1.36.2'})
    expect(older.code).toBe(0)
    const downgrade = kops(['update', 'cluster', '--name', NAME, '--yes'], {KOPS_STANDIN_VERSION: '1.36.1'})
    expect(downgrade.code).toBe(1)
    expect(downgrade.stderr).toContain('kops version older than last used to update the cluster')
  })

  it('validate: an error without JSON before update --yes; afterwards one JSON document, no failures key when healthy', () => {
    create()
    secret()
    const before = kops(['validate', 'cluster', '--name', NAME, '-o', 'json'])
    expect([before.code, before.stdout]).toEqual([1, ''])
    expect(before.stderr).toContain('unexpected error during validation')
    kops(['update', 'cluster', '--name', NAME, '--yes'])
    const seq = {KOPS_STANDIN_HEALTH: 'unhealthy-then-healthy:2'}
    const results = [1, 2, 3].map(() => kops(['validate', 'cluster', '--name', NAME, '-o', 'json'], seq))
    expect(results.map((r) => r.code)).toEqual([1, 1, 0])
    expect(results[0]?.stderr.trim()).toBe('Error: validation failed: cluster not yet healthy')
    const healthy = results[2]?.stdout ?? ''
    expect(healthy.endsWith('}')).toBe(true) // json.Marshal + Write: no newline
    expect(Object.keys(JSON.parse(healthy) as object)).toEqual(['nodes'])
    expect(Object.keys(JSON.parse(results[0]?.stdout ?? '{}') as object)).toEqual(['failures', 'nodes'])
    const table = kops(['validate', 'cluster', '--name', NAME])
    expect(table.stdout).toContain(`Your cluster ${NAME} is ready`)
  })

  it('get: an array when listing, one object for one name; exit 1 "no clusters found" when empty', () => {
    expect(kops(['get', 'clusters', '-o', 'json']).stderr.trim()).toBe('Error: no clusters found')
    create()
    expect(Array.isArray(JSON.parse(kops(['get', 'clusters', '-o', 'json']).stdout))).toBe(true)
    expect(JSON.parse(kops(['get', 'cluster', NAME, '-o', 'json']).stdout)).toMatchObject({kind: 'Cluster', metadata: {name: NAME}})
    expect(kops(['get', 'cluster', 'nope', '-o', 'json']).stderr.trim()).toBe('Error: cluster not found "nope"')
    expect(JSON.parse(kops(['get', 'ig', '--name', NAME, 'nodes-general', '-o', 'json']).stdout)).toMatchObject({kind: 'InstanceGroup'})
    expect(kops(['get', 'ig', '--name', 'nope', '-o', 'json']).stderr.trim()).toBe('Error: error fetching cluster "nope": Cluster.kops.k8s.io "nope" not found')
    expect(YAML.parse(kops(['get', 'cluster', NAME, '-o', 'yaml']).stdout)).toMatchObject({spec: {kubernetesVersion: '1.34.10'}})
  })

  it('get clusters takes every folder holding a config file, at any depth, for a cluster (kopsmith/CLUSTER/ holds none)', () => {
    create()
    mkdirSync(join(root, 'kopsmith', NAME, 'audit'), {recursive: true})
    writeFileSync(join(root, 'kopsmith', NAME, 'lock.json'), '{}')
    writeFileSync(join(root, 'kopsmith', NAME, 'audit', 'a.json'), '{}')
    const clean = kops(['get', 'clusters', '-o', 'json'])
    expect(clean.stderr).toBe('')
    expect((JSON.parse(clean.stdout) as Array<{metadata: {name: string}}>).map((c) => c.metadata.name)).toEqual([NAME])
    writeFileSync(join(root, 'kopsmith', NAME, 'config'), '{}')
    const polluted = kops(['get', 'clusters', '-o', 'json'])
    expect(polluted.stderr).toContain(`cluster "kopsmith/${NAME}" found in state store listing, but cannot be loaded`)
  })

  it('reconcile exists from kops 1.31 and rolls the control plane before the nodes', () => {
    create()
    secret()
    kops(['update', 'cluster', '--name', NAME, '--yes'])
    expect(kops(['reconcile', 'cluster', '--name', NAME, '--yes'], {KOPS_STANDIN_VERSION: '1.30.4'}).stderr).toContain('unknown command "reconcile" for "kops"')
    expect(kops(['upgrade', 'cluster', '--name', NAME, '--yes']).stdout).toContain('1.34.10\t1.35.7')
    const r = kops(['reconcile', 'cluster', '--name', NAME, '--yes'])
    expect(r.code).toBe(0)
    const phases = r.stdout.split('\n').filter((l) => /^(Updating|Waiting|Performing|Pruning)/.test(l))
    expect(phases).toEqual([
      'Updating control plane configuration',
      'Waiting for the kubernetes API to be served',
      'Performing rolling-update for control plane',
      'Updating node configuration',
      'Performing rolling-update for nodes',
      'Pruning old resources that are no longer used',
    ])
    const drained = r.stderr.split('\n').filter((l) => l.includes('Stopping instance')).map((l) => /in group "([^.]+)/.exec(l)?.[1])
    expect(drained).toEqual(['control-plane-eu-central-1a', 'nodes-general', 'nodes-general'])
    expect(kops(['rolling-update', 'cluster', '--name', NAME]).stdout).toContain('No rolling-update required.')
  })

  // cmd/kops/rolling-update_cluster.go renders through util/pkg/tables: rows sorted by name,
  // text/tabwriter padding with tabs only (tab stops of 8, padding 1), the last column unpadded.
  it('rolling-update without --yes lists the nodes through the API first (fails as kops does when it is out of reach, unless --cloudonly), then prints the preview table as kops pads it, and exits 0', () => {
    create()
    secret()
    // Before the first update there is no API for kops to list nodes from; with --cloudonly it lists
    // only cloud groups that match an InstanceGroup — none yet — and leaves the NODES column out.
    const noApi = kops(['rolling-update', 'cluster', '--name', NAME])
    expect(noApi.code).toBe(1)
    expect(noApi.stderr).toBe(
      `Unable to reach the kubernetes API.\nUse --cloudonly to do a rolling-update without confirming progress with the k8s API\n\nError: error listing nodes in cluster: Get "https://api.${NAME}/api/v1/nodes": dial tcp: lookup api.${NAME} on 127.0.0.53:53: no such host\n`,
    )
    expect(kops(['rolling-update', 'cluster', '--name', NAME, '--cloudonly']).stdout).toBe('NAME\tSTATUS\tNEEDUPDATE\tREADY\tMIN\tTARGET\tMAX\n\nNo rolling-update required.\n')
    kops(['update', 'cluster', '--name', NAME, '--yes'])
    // A private API out of reach (no VPN): the preview fails as kops does, the cloud-only one works.
    const offVpn = kops(['rolling-update', 'cluster', '--name', NAME], {KOPS_STANDIN_API: 'unreachable'})
    expect([offVpn.code, offVpn.stderr.split('\n').at(-2)]).toEqual([1, `Error: error listing nodes in cluster: Get "https://api.${NAME}/api/v1/nodes": net/http: TLS handshake timeout`])
    expect(kops(['rolling-update', 'cluster', '--name', NAME, '--cloudonly'], {KOPS_STANDIN_API: 'unreachable'}).stdout.split('\n')[0]).toBe('NAME\t\t\t\tSTATUS\tNEEDUPDATE\tREADY\tMIN\tTARGET\tMAX')
    const validateOffVpn = kops(['validate', 'cluster', '--name', NAME, '-o', 'json'], {KOPS_STANDIN_API: 'unreachable'})
    expect([validateOffVpn.code, validateOffVpn.stderr.trim().split('\n').at(-1)]).toEqual([1, `Error: unexpected error during validation: error listing nodes: Get "https://api.${NAME}/api/v1/nodes": net/http: TLS handshake timeout`])
    const ready = kops(['rolling-update', 'cluster', '--name', NAME])
    expect(ready.code).toBe(0)
    expect(ready.stdout).toBe(
      [
        'NAME\t\t\t\tSTATUS\tNEEDUPDATE\tREADY\tMIN\tTARGET\tMAX\tNODES',
        'control-plane-eu-central-1a\tReady\t0\t\t1\t1\t1\t1\t1',
        'nodes-general\t\t\tReady\t0\t\t2\t2\t2\t3\t2',
        '',
        'No rolling-update required.',
        '',
      ].join('\n'),
    )
    kops(['upgrade', 'cluster', '--name', NAME, '--yes'])
    kops(['update', 'cluster', '--name', NAME, '--yes', '--instance-group-roles', 'control-plane'])
    const due = kops(['rolling-update', 'cluster', '--name', NAME])
    expect(due.code).toBe(0)
    expect(due.stdout).toBe(
      [
        'NAME\t\t\t\tSTATUS\t\tNEEDUPDATE\tREADY\tMIN\tTARGET\tMAX\tNODES',
        'control-plane-eu-central-1a\tNeedsUpdate\t1\t\t0\t1\t1\t1\t1',
        'nodes-general\t\t\tReady\t\t0\t\t2\t2\t2\t3\t2',
        '',
        'Must specify --yes to rolling-update.',
        '',
      ].join('\n'),
    )
  })

  it('delete needs --name, previews without --yes, and refuses to remove state with unknown files beside it', () => {
    create()
    secret()
    kops(['update', 'cluster', '--name', NAME, '--yes'])
    expect(kops(['delete', 'cluster']).stderr.trim()).toBe('Error: --name is required (for safety)')
    const preview = kops(['delete', 'cluster', '--name', NAME])
    expect(preview.code).toBe(0)
    expect(preview.stdout.split('\n')[0]).toMatch(/^TYPE\s+NAME\s+ID$/)
    expect(preview.stdout).toContain('Must specify --yes to delete cluster')
    mkdirSync(join(root, NAME, 'kopsmith'), {recursive: true})
    writeFileSync(join(root, NAME, 'kopsmith', 'lock.json'), '{}')
    const refused = kops(['delete', 'cluster', '--name', NAME, '--yes'])
    expect(refused.code).toBe(1)
    expect(refused.stderr.trim()).toBe(`Error: error removing cluster from state store: refusing to delete: unknown file found: ${store}/${NAME}/kopsmith/lock.json`)
    expect(keys()).toContain(`${NAME}/config`)
    // The cloud resources went first; a second attempt has none left to list.
    expect(kops(['delete', 'cluster', '--name', NAME]).stdout).toContain('No cloud resources to delete')
  })

  it('delete removes every kops file when nothing else is there', () => {
    create()
    secret()
    kops(['update', 'cluster', '--name', NAME, '--yes'])
    const r = kops(['delete', 'cluster', '--name', NAME, '--yes'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`Deleted cluster: "${NAME}"`)
    expect(keys()).toEqual([])
  })

  it('get secrets: one NAME column, names filter silently, "no secrets found" when none, never JSON or YAML', () => {
    create()
    expect(kops(['get', 'secrets', '--name', NAME]).stderr.trim()).toBe('Error: no secrets found')
    secret()
    expect(kops(['get', 'secrets', '--name', NAME]).stdout).toBe('NAME\nencryptionconfig\n')
    expect(kops(['get', 'secrets', 'other', '--name', NAME]).stderr.trim()).toBe('Error: no secrets found')
    expect(kops(['get', 'secrets', '--name', NAME, '-o', 'json']).stderr.trim()).toBe('Error: json output format is not (currently) supported for secrets')
    expect(kops(['get', 'secrets', '--name', NAME, '-o', 'yaml']).stderr.trim()).toBe('Error: yaml output format is not (currently) supported for secrets')
    expect(kops(['get', 'secrets', '--name', 'nope.k8s.acme.de']).stderr.trim()).toBe('Error: error reading cluster configuration: Cluster.kops.k8s.io "nope.k8s.acme.de" not found')
  })

  it('create secret encryptionconfig -f - reads the file from standard input', () => {
    create()
    const config = 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: []\n'
    const r = kops(['create', 'secret', 'encryptionconfig', '--name', NAME, '-f', '-'], {}, config)
    expect([r.code, r.stderr]).toEqual([0, ''])
    const stored = JSON.parse(readFileSync(join(root, NAME, 'secrets', 'encryptionconfig'), 'utf8')) as {Data: string}
    expect(Buffer.from(stored.Data, 'base64').toString('utf8')).toBe(config)
    expect(kops(['create', 'secret', 'encryptionconfig', '--name', NAME]).stderr.trim()).toBe('Error: required flag(s) "filename" not set')
    const notYaml = kops(['create', 'secret', 'encryptionconfig', '--name', NAME, '-f', '-', '--force'], {}, '- a\n- b\n')
    expect(notYaml.stderr.trim()).toBe('Error: unable to parse YAML -: error unmarshaling JSON: json: cannot unmarshal array into Go value of type map[string]interface {}')
  })

  it('fails on request with realistic output, counting calls per command', () => {
    create()
    const fail = {KOPS_STANDIN_FAIL_AT: 'get-clusters:2'}
    expect(kops(['get', 'clusters'], fail).code).toBe(0) // call 1
    const second = kops(['get', 'clusters'], fail)
    expect(second.code).toBe(1)
    expect(second.stderr).toContain('Error: get clusters failed: RequestLimitExceeded')
    expect(kops(['get', 'clusters'], fail).code).toBe(0) // call 3
    expect(kops(['frobnicate']).stderr).toContain('unknown command "frobnicate" for "kops"')
    expect(kops(['get', 'clusters', '--bogus']).stderr).toContain('unknown flag: --bogus')
  })
})

type KopsDoc = {kind: string; metadata: {name: string; labels?: Record<string, string>}; spec: Record<string, any>} // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * kops' semantic validation (test/fixtures/kops-standin/README.md, "Validation"): each rule fails at
 * the step kops enforces it, with kops' text, starting from the spec kopsmith renders.
 */
describe('kops stand-in: validation at the step kops validates', () => {
  let dir: string
  let store: string
  let base: KopsDoc[]
  const NAME_P = 'prod.k8s.acme.de'
  const kops = (args: string[], input?: string) => {
    const r = spawnSync(STANDIN, args, {env: {PATH: process.env.PATH, HOME: dir, KOPS_STATE_STORE: store}, encoding: 'utf8', ...(input === undefined ? {} : {input})})
    return {code: r.status, stdout: r.stdout, stderr: r.stderr}
  }
  const write = (docs: KopsDoc[], name = 'kops.yaml') => {
    const path = join(dir, name)
    writeFileSync(path, docs.map((d) => YAML.stringify(d)).join('---\n'))
    return path
  }
  const objects = (mutate: (c: KopsDoc, ig: (name: string) => KopsDoc, all: KopsDoc[]) => void): KopsDoc[] => {
    const docs = structuredClone(base)
    const ig = (name: string) => docs.find((d) => d.metadata.name === name)!
    mutate(docs[0]!, ig, docs)
    return docs
  }
  const secretFromStdin = () => kops(['create', 'secret', 'encryptionconfig', '--name', NAME_P, '-f', '-'], 'kind: EncryptionConfiguration\n')

  beforeEach(async () => {
    dir = tempDir()
    store = pathToFileURL(join(dir, 'state')).href
    base ??= (await (async () => {
      const r = await renderCase(GOLDEN_CASES.find((c) => c.name === 'production')!)
      return structuredClone([r.cluster, ...r.instanceGroups]) as unknown as KopsDoc[]
    })())
  })

  it.each(GOLDEN_CASES.map((c) => [c.name, c] as const))('the rendered %s spec passes create -f and update (dry run)', async (_name, goldenCase) => {
    const r = await renderCase(goldenCase)
    const path = join(dir, 'rendered.yaml')
    writeFileSync(path, r.manifest)
    const created = kops(['create', '-f', path])
    expect(created.stderr).toBe('')
    expect(created.code).toBe(0)
    expect(kops(['create', 'secret', 'encryptionconfig', '--name', r.cluster.metadata.name, '-f', '-'], 'kind: EncryptionConfiguration\n').code).toBe(0)
    const update = kops(['update', 'cluster', '--name', r.cluster.metadata.name])
    expect(update.stderr).not.toContain('Error:')
    expect(update.stdout).toContain('Must specify --yes to apply changes')
  })

  const doc = JSON.stringify({Version: '2012-10-17', Statement: [{Effect: 'Allow', Action: 's3:GetObject', Resource: '*'}]})
  const createRules: Array<[string, (c: KopsDoc, ig: (name: string) => KopsDoc, all: KopsDoc[]) => void, string]> = [
    ['additionalPolicies must be a JSON array of statements (validation.go validateAdditionalPolicy)', (c) => (c.spec.additionalPolicies = {node: doc}),
      `error creating cluster: spec.additionalPolicies[node]: Invalid value: ${JSON.stringify(doc)}: policy was not valid JSON: error parsing IAM statements: json: cannot unmarshal object into Go value of type []*iam.Statement`],
    ['additionalPolicies keys are instance group roles', (c) => (c.spec.additionalPolicies = {workers: '[]'}),
      'error creating cluster: spec.additionalPolicies: Unsupported value: "workers": supported values: "control-plane", "apiserver", "node", "bastion", "etcd", "scheduler", "kubecontrollermanager"'],
    ['every additional statement has an Effect of Allow or Deny', (c) => (c.spec.additionalPolicies = {node: '[{"Action":"s3:GetObject","Resource":"*"},{"Effect":"Permit"}]'}),
      'error creating cluster: [spec.additionalPolicies[node][0].Effect: Required value: Effect must be specified for IAM policy, spec.additionalPolicies[node][1].Effect: Unsupported value: "Permit": supported values: "Allow", "Deny"]'],
    ['an odd number of etcd members', (c) => c.spec.etcdClusters[0].etcdMembers.pop(),
      'error creating cluster: spec.etcdClusters[0].etcdMembers: Invalid value: 2: Should be an odd number of control-plane-zones for quorum. Use --zones and --control-plane-zones to declare node zones and control-plane zones separately'],
    ['every etcd member names its instance group', (c) => delete c.spec.etcdClusters[1].etcdMembers[0].instanceGroup,
      'error creating cluster: spec.etcdClusters[1].etcdMembers[0].instanceGroup: Required value: etcdMember did not have instanceGroup'],
    ['etcd clusters are main, events, cilium or leases', (c) => (c.spec.etcdClusters[1].name = 'audit'),
      'error creating cluster: spec.etcdClusters[1].name: Unsupported value: "audit": supported values: "cilium", "main", "events", "leases"'],
    ['an internal API load balancer needs a Private subnet', (c) => c.spec.subnets.forEach((s: {type: string}) => (s.type = 'Public')),
      'error creating cluster: spec.api.loadBalancer.type: Forbidden: Internal LoadBalancers must have at least one subnet of type Private'],
    ['the API load balancer is an NLB (aws.go: Classic removed)', (c) => (c.spec.api.loadBalancer.class = 'Classic'),
      'error creating cluster: spec.api.loadBalancer.class: Forbidden: AWS Classic Load Balancer for API is no longer supported; migrate to a Network Load Balancer using kOps 1.36 or earlier. See https://github.com/kubernetes/kops/blob/master/permalinks/acm_nlb.md'],
    ['subnet CIDRs lie inside the network CIDR', (c) => (c.spec.subnets[0].cidr = '10.99.0.0/19'),
      'error creating cluster: spec.networking.subnets[0].cidr: Forbidden: subnet "eu-central-1a" cidr "10.99.0.0/19" is not a subnet of the networkCIDR "10.20.0.0/16"'],
    ['subnet types are Public, Private, DualStack or Utility', (c) => (c.spec.subnets[3].type = 'Nat'),
      'error creating cluster: spec.networking.subnets[3].type: Unsupported value: "Nat": supported values: "Public", "Private", "DualStack", "Utility"'],
    ['access CIDRs carry no host bits', (c) => (c.spec.kubernetesApiAccess = ['10.0.0.1/8']),
      'error creating cluster: spec.kubernetesAPIAccess[0]: Invalid value: "10.0.0.1/8": Network contains bits outside prefix (did you mean "10.0.0.0/8")'],
    ['the pod network does not overlap the VPC', (c) => (c.spec.nonMasqueradeCIDR = '10.0.0.0/8'),
      'error creating cluster: spec.networking.nonMasqueradeCIDR: Forbidden: nonMasqueradeCIDR "10.0.0.0/8" cannot overlap with networkCIDR "10.20.0.0/16"'],
    ['a cloud provider is set', (c) => delete c.spec.cloudProvider, 'error creating cluster: spec.cloudProvider: Required value'],
    ['the pod identity webhook needs cert-manager', (c) => (c.spec.certManager.enabled = false),
      'error creating cluster: spec.cloudProvider.aws.podIdentityWebhook: Forbidden: EKS Pod Identity Webhook requires that cert manager is enabled'],
    ['legacy IAM is gone', (c) => (c.spec.iam.legacy = true), 'error creating cluster: spec.iam.legacy: Forbidden: legacy IAM permissions are no longer supported'],
    ['a service account grant is an inline policy or policy ARNs, not both', (c) => (c.spec.iam.serviceAccountExternalPermissions[0].aws.policyARNs = ['arn:aws:iam::aws:policy/ReadOnlyAccess']),
      'error creating cluster: spec.iam.serviceAccountExternalPermissions[kube-system/cluster-autoscaler].aws: Forbidden: cannot set both inlinePolicy and policyARN'],
    ['the discovery bucket has no dots', (c) => (c.spec.serviceAccountIssuerDiscovery.discoveryStore = 's3://oidc.acme.de/prod'),
      'error creating cluster: spec.serviceAccountIssuerDiscovery.serviceAccountIssuerDiscovery.discoveryStore: Invalid value: "s3://oidc.acme.de/prod": Bucket name cannot contain dots'],
    ['the AWS OIDC provider needs a discovery store', (c) => delete c.spec.serviceAccountIssuerDiscovery.discoveryStore,
      'error creating cluster: spec.serviceAccountIssuerDiscovery.serviceAccountIssuerDiscovery.enableAWSOIDCProvider: Forbidden: AWS OIDC Provider requires a discoveryStore or discoveryService to be set'],
    ['queue-mode termination handling keeps spot draining', (c) => (c.spec.nodeTerminationHandler.enableSpotInterruptionDraining = false),
      'error creating cluster: spec.cloudProvider.aws.nodeTerminationHandler.enableSpotInterruptionDraining: Forbidden: spot interruption draining cannot be disabled in Queue Processor mode'],
    ['a control-plane group has maxSize 1 (instancegroup.go)', (_c, ig) => (ig('control-plane-eu-central-1b').spec.maxSize = 3),
      'error creating instanceGroup: spec.maxSize: Invalid value: 3: controlPlane InstanceGroup must have maxSize set to 1, add more InstanceGroups instead'],
    ['maxSize is at least minSize', (_c, ig) => (ig('nodes-general').spec.maxSize = 2),
      'error creating instanceGroup: spec.maxSize: Forbidden: maxSize must be greater than or equal to minSize.'],
    ['instance group roles are kops roles', (_c, ig) => (ig('nodes-general').spec.role = 'Worker'),
      'error creating instanceGroup: spec.role: Unsupported value: "Worker": supported values: "ControlPlane", "APIServer", "Node", "Bastion", "Etcd", "Scheduler", "KubeControllerManager"'],
    ['instance group cloud labels avoid kops\' reserved prefixes', (_c, ig) => (ig('nodes-general').spec.cloudLabels['kops.k8s.io/pool'] = 'x'),
      'error creating instanceGroup: spec.cloudLabels.kops.k8s.io/pool: Forbidden: "kops.k8s.io/" is a reserved label prefix and cannot be used as a custom label'],
    ['node labels have at most one slash', (_c, ig) => (ig('nodes-general').spec.nodeLabels['acme.de/team/name'] = 'x'),
      'error creating instanceGroup: spec.nodeLabels: Invalid value: "acme.de/team/name": Node label may only contain a single slash'],
  ]

  it.each(createRules)('create -f refuses: %s', (_rule, mutate, message) => {
    const r = kops(['create', '-f', write(objects(mutate))])
    expect(r.stderr.trim()).toBe(`Error: ${message}`)
    expect(r.code).toBe(1)
  })

  const updateRules: Array<[string, (c: KopsDoc, ig: (name: string) => KopsDoc, all: KopsDoc[]) => void, string]> = [
    ['inlinePolicy must be a JSON array of statements (awsmodel/iam.go buildPolicy)', (c) => (c.spec.iam.serviceAccountExternalPermissions[1].aws.inlinePolicy = doc),
      'error building tasks: error inline policy: error parsing IAM statements: json: cannot unmarshal object into Go value of type []*iam.Statement'],
    ['IMDS httpTokens is optional or required (aws.go)', (_c, ig) => (ig('nodes-general').spec.instanceMetadata.httpTokens = 'sometimes'),
      'spec.instanceMetadata.httpTokens: Unsupported value: "sometimes": supported values: "optional", "required"'],
    ['the IMDS hop limit is 1 to 64', (_c, ig) => (ig('control-plane-eu-central-1a').spec.instanceMetadata.httpPutResponseHopLimit = 65),
      'spec.instanceMetadata.httpPutResponseHopLimit: Invalid value: 65: HTTPPutResponseLimit must be a value between 1 and 64'],
    ['the spot policy keeps on-demand within 0–100 % and names an EC2 allocation strategy', (_c, ig) => (ig('nodes-general').spec.mixedInstancesPolicy = {onDemandAboveBase: 101, spotAllocationStrategy: 'cheapest'}),
      '[spec.mixedInstancesPolicy.onDemandAboveBase: Invalid value: 101: cannot be greater than 100, spec.mixedInstancesPolicy.spotAllocationStrategy: Unsupported value: "cheapest": supported values: "lowest-price", "diversified", "capacity-optimized", "capacity-optimized-prioritized", "price-capacity-optimized"]'],
    ['every control-plane group has a member in each etcd cluster (legacy.go DeepValidate)', (_c, _ig, all) => all.push({...structuredClone(all[1]!), metadata: {name: 'control-plane-extra', labels: {'kops.k8s.io/cluster': NAME_P}}}),
      '[spec.metadata.name: Forbidden: InstanceGroup "control-plane-extra" with role ControlPlane must have a member in etcd (IG: "control-plane-eu-central-1c") cluster "main", spec.metadata.name: Forbidden: InstanceGroup "control-plane-extra" with role ControlPlane must have a member in etcd (IG: "control-plane-eu-central-1c") cluster "events"]'],
    ['instance groups use the cluster\'s subnets', (_c, ig) => (ig('nodes-general').spec.subnets = ['eu-central-1a', 'eu-central-1z']),
      'spec.networking.subnets[1]: Not found: "eu-central-1z"'],
    ['a cluster has a node group', (_c, _ig, all) => all.splice(all.findIndex((d) => d.metadata.name === 'nodes-general'), 1), 'must configure at least one Node InstanceGroup'],
  ]

  it.each(updateRules)('create -f accepts, update cluster (dry run) refuses: %s', (_rule, mutate, message) => {
    const created = kops(['create', '-f', write(objects(mutate))])
    expect([created.code, created.stderr]).toEqual([0, ''])
    expect(secretFromStdin().code).toBe(0)
    const r = kops(['update', 'cluster', '--name', NAME_P])
    expect(r.stderr.trim().split('\n').at(-1)).toBe(`Error: ${message}`)
    expect(r.code).toBe(1)
  })

  it('update checks the encryptionconfig secret before it builds the IAM model, as kops does', () => {
    kops(['create', '-f', write(objects((c) => (c.spec.iam.serviceAccountExternalPermissions[0].aws.inlinePolicy = doc)))])
    expect(kops(['update', 'cluster', '--name', NAME_P]).stderr.trim()).toBe('Error: could not find encryptionconfig secret')
    secretFromStdin()
    expect(kops(['update', 'cluster', '--name', NAME_P, '--yes']).stderr.trim()).toContain('Error: error building tasks: error inline policy')
  })

  it('replace -f of an existing cluster adds kops\' update rules: reserved cloud labels, no etcd cluster removed', () => {
    const withLabel = objects((c) => (c.spec.cloudLabels['kubernetes.io/cluster/other'] = 'owned'))
    expect(kops(['create', '-f', write(withLabel)]).code).toBe(0) // CreateCluster does not check cloud labels
    expect(kops(['replace', '-f', write(withLabel)]).stderr.trim()).toBe(
      'Error: error replacing cluster: spec.cloudLabels.kubernetes.io/cluster/other: Forbidden: "kubernetes.io/cluster/" is a reserved label prefix and cannot be used as a custom label',
    )
    const noEvents = objects((c) => c.spec.etcdClusters.pop())
    expect(kops(['replace', '-f', write(noEvents)]).stderr.trim()).toBe('Error: error replacing cluster: spec.etcdClusters[events]: Forbidden: EtcdClusters cannot be removed')
    expect(kops(['replace', '-f', write(base)]).code).toBe(0)
  })
})
