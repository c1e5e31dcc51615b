import {KopsError} from '../../src/core/errors.js'
import type {
  InstanceGroupRole,
  Kops,
  KopsResource,
  KopsRunOptions,
  KopsValidation,
  KopsVersion,
  RollingUpdateGroup,
  RollingUpdateOptions,
  UpdateClusterOptions,
  StateStore,
} from '../../src/ports.js'
import YAML from 'yaml'

import {iamModelError} from '../fixtures/kops-standin/validation.mjs'

/** What kops' DeleteAllClusterState removes under `CLUSTER/` (vfsclientset/clientset.go); anything else makes it refuse. */
const KOPS_STATE_FILES = ['config', 'cluster.spec', 'cluster-completed.spec', 'kops-version.txt']
const KOPS_STATE_DIRS = ['addons/', 'pki/', 'secrets/', 'instancegroup/', 'manifests/', 'igconfig/', 'clusteraddons/', 'backups/']

export interface FakeKopsCall {
  method: string
  name?: string
  stateStore?: string
  /** yes / roles / drain timeout, as passed. */
  options?: Record<string, unknown>
  /** For replaceFromContent: the version written. */
  kubernetesVersion?: string
}

interface FakeCluster {
  object: Record<string, unknown>
  /** Roles whose launch configuration `kops update --yes` has not yet applied since the spec changed. */
  updatePending: Set<'control-plane' | 'node'>
  /** Instance groups still run machines of an older spec. */
  needsRoll: Set<'control-plane' | 'node'>
  /** Cloud resources exist (the delete preview lists them). */
  resources: KopsResource[]
  /** kops holds the encryptionconfig secret (`kops get secrets encryptionconfig`). */
  encryptionSecret: boolean
  /** Stored instance groups with their instance counts; none unless seeded. */
  groups: FakeGroup[]
}

export interface FakeGroup {
  name: string
  role: InstanceGroupRole
  /** Instances the group runs (kops' TARGET). */
  size: number
}

/** v1alpha2's spelling of each role, as `kops get ig -o json` shows it. */
const STORED_ROLE: Record<InstanceGroupRole, string> = {'control-plane': 'Master', apiserver: 'APIServer', node: 'Node', bastion: 'Bastion'}

/**
 * The Kops port in memory, with the behaviour the services rely on: a stored Cluster object per
 * name, `replace` marking the spec as not yet applied, `update --yes` then `rolling-update`
 * (control plane, nodes) or `reconcile` applying it, a scripted validation sequence (H healthy,
 * U unhealthy, E kops error), and the delete refusal kops gives when unknown files sit beside its
 * state. Every call is recorded in order.
 *
 *   new FakeKops('1.35.2').withCluster('prod.k8s.acme.de', {kubernetesVersion: '1.33.13'}).withHealth('UHH')
 */
export class FakeKops implements Kops {
  readonly calls: FakeKopsCall[]
  private readonly state: {clusters: Map<string, FakeCluster>; health: string; healthIndex: number; failures: Map<string, Error>; apiUnreachable?: boolean; stateStore?: {store: StateStore; bucket: string}}

  constructor(
    private readonly kopsVersion = '1.35.2',
    private readonly boundStore?: string,
    shared?: {calls: FakeKopsCall[]; state: FakeKops['state']},
  ) {
    this.calls = shared?.calls ?? []
    this.state = shared?.state ?? {clusters: new Map(), health: 'H', healthIndex: 0, failures: new Map()}
  }

  withCluster(name: string, options: {kubernetesVersion: string; cloudLabels?: Record<string, string>; maxSurge?: number; encryptionSecret?: boolean}): this {
    this.state.clusters.set(name, {
      object: {
        apiVersion: 'kops.k8s.io/v1alpha2',
        kind: 'Cluster',
        metadata: {name, creationTimestamp: '2026-01-01T00:00:00Z'},
        spec: {kubernetesVersion: options.kubernetesVersion, configBase: `s3://bucket/${name}`, cloudLabels: options.cloudLabels ?? {}, ...(options.maxSurge === undefined ? {} : {rollingUpdate: {maxSurge: options.maxSurge}})},
      },
      updatePending: new Set(),
      needsRoll: new Set(),
      groups: this.state.clusters.get(name)?.groups ?? [],
      resources: [
        {type: 'autoscaling-group', name: `nodes.${name}`, id: `nodes.${name}`},
        {type: 'instance', name: `nodes.${name}`, id: 'i-0aaaaaaaaaaaaaaaa'},
        {type: 'vpc', name, id: 'vpc-0bbbbbbbb'},
      ],
      encryptionSecret: options.encryptionSecret ?? true,
    })
    return this
  }

  /**
   * Instance groups for `get ig` and the rolling-update preview's rows. A pending roll of the
   * control plane marks every instance of its control-plane and apiserver groups NeedsUpdate; of
   * the nodes, every instance of node and bastion groups. Bastions register no node (NODES 0).
   */
  withInstanceGroups(name: string, groups: FakeGroup[]): this {
    this.cluster(name).groups = groups
    return this
  }

  /** An earlier run stopped mid-hop: the stored spec is not (fully) rolled out. */
  withPendingRollout(name: string, what: {update?: boolean; roll?: Array<'control-plane' | 'node'>}): this {
    const c = this.cluster(name)
    if (what.update) c.updatePending = new Set(['control-plane', 'node'])
    for (const r of what.roll ?? []) c.needsRoll.add(r)
    return this
  }

  /** Validation results in order, one letter per attempt (H, U, E); the last one repeats. */
  withHealth(sequence: string): this {
    this.state.health = sequence
    this.state.healthIndex = 0
    return this
  }

  /**
   * The cluster's API is out of reach from here (no VPN): validation fails, and so does any
   * rolling-update, which lists the nodes first — with kops' words.
   */
  withApiUnreachable(): this {
    this.state.apiUnreachable = true
    return this
  }

  /** The next call of `method` throws `error`. */
  failNext(method: keyof Kops, error: Error): this {
    this.state.failures.set(method, error)
    return this
  }

  /**
   * `kops delete cluster --yes` then removes the cluster's folder from this store as kops does: it
   * deletes the cloud resources first, then refuses the whole folder when it holds a file kops does
   * not know ("refusing to delete: unknown file found").
   */
  withStateIn(store: StateStore, bucket: string): this {
    this.state.stateStore = {store, bucket}
    return this
  }

  /** The stored object, for assertions. */
  stored(name: string): Record<string, unknown> | undefined {
    return this.state.clusters.get(name)?.object
  }

  storedVersion(name: string): string | undefined {
    return ((this.stored(name)?.spec ?? {}) as Record<string, unknown>).kubernetesVersion as string | undefined
  }

  /** The method names called, in order, e.g. for `expect(kops.methods()).toEqual([...])`. */
  methods(): string[] {
    return this.calls.map((c) => c.method)
  }

  withStateStore(stateStore: string): Kops {
    return new FakeKops(this.kopsVersion, stateStore, {calls: this.calls, state: this.state})
  }

  async version(_options?: Pick<KopsRunOptions, 'signal'>): Promise<KopsVersion> {
    this.record('version')
    const [major, minor] = this.kopsVersion.split('.')
    return {version: this.kopsVersion, minor: `${major}.${minor}`}
  }

  async listClusters(): Promise<Array<Record<string, unknown>>> {
    this.record('listClusters')
    return [...this.state.clusters.values()].map((c) => structuredClone(c.object))
  }

  async getCluster(name: string): Promise<Record<string, unknown> | undefined> {
    this.record('getCluster', name)
    const c = this.state.clusters.get(name)
    return c ? structuredClone(c.object) : undefined
  }

  async getInstanceGroups(name: string): Promise<Array<Record<string, unknown>>> {
    this.record('getInstanceGroups', name)
    return (this.state.clusters.get(name)?.groups ?? []).map((g) => ({
      apiVersion: 'kops.k8s.io/v1alpha2',
      kind: 'InstanceGroup',
      metadata: {name: g.name, labels: {'kops.k8s.io/cluster': name}},
      spec: {role: STORED_ROLE[g.role], minSize: g.size, maxSize: g.size},
    }))
  }

  async createFromFile(): Promise<void> {
    throw new Error('FakeKops.createFromFile is not modelled; the create pipeline is tested against the stand-in')
  }

  async replaceFromFile(): Promise<void> {
    throw new Error('FakeKops.replaceFromFile is not modelled; use replaceFromContent')
  }

  async replaceFromContent(content: string, options: KopsRunOptions & {force?: boolean} = {}): Promise<void> {
    const object = YAML.parse(content) as Record<string, unknown>
    const name = (object.metadata as {name: string}).name
    const version = (object.spec as {kubernetesVersion: string}).kubernetesVersion
    this.record('replaceFromContent', name, {force: options.force ?? false}, version)
    const c = this.cluster(name)
    c.object = object
    c.updatePending = new Set(['control-plane', 'node'])
  }

  async hasEncryptionConfig(name: string): Promise<boolean> {
    this.record('hasEncryptionConfig', name)
    // kops reads the cluster first: `get secrets` of a cluster it does not hold fails.
    return this.cluster(name).encryptionSecret
  }

  async createEncryptionConfigSecret(name: string, content: string): Promise<void> {
    // kops parses it as YAML (a map) before storing it; an empty or non-YAML body is a bug of ours.
    if (!/^kind: EncryptionConfiguration$/m.test(content)) throw new Error(`FakeKops: createEncryptionConfigSecret got no EncryptionConfiguration for ${name}`)
    this.record('createEncryptionConfigSecret', name)
    const c = this.cluster(name)
    // kops refuses to overwrite it without --force (create_secret_encryptionconfig.go).
    if (c.encryptionSecret) throw new KopsError('kops create secret encryptionconfig failed: failed to create the encryptionconfig secret as it already exists. Pass the `--force` flag to replace an existing secret', {argv: ['kops', 'create', 'secret', 'encryptionconfig'], exitCode: 1, stderrTail: 'Error: failed to create the encryptionconfig secret as it already exists. Pass the `--force` flag to replace an existing secret'})
    c.encryptionSecret = true
  }

  async updateCluster(name: string, options: UpdateClusterOptions): Promise<{changesPending: boolean; output: string}> {
    this.record('updateCluster', name, {yes: options.yes, roles: options.instanceGroupRoles, prune: options.prune})
    const c = this.cluster(name)
    // As kops: the IAM policy strings are parsed when update builds its models, dry run included.
    const iam = iamModelError(c.object)
    if (iam) throw new KopsError(`kops update cluster failed: ${iam}`, {argv: ['kops', 'update', 'cluster', '--name', name], exitCode: 1, stderrTail: `Error: ${iam}`})
    const pending = c.updatePending.size > 0
    if (!options.yes) return {changesPending: pending, output: pending ? 'Must specify --yes to apply changes' : 'No changes need to be applied'}
    for (const role of [...c.updatePending]) {
      if (options.instanceGroupRoles && !options.instanceGroupRoles.includes(role)) continue
      c.updatePending.delete(role)
      c.needsRoll.add(role)
    }
    return {changesPending: false, output: 'Cluster changes have been applied to the cloud.'}
  }

  async validateCluster(name: string): Promise<{healthy: boolean; result: KopsValidation}> {
    this.record('validateCluster', name)
    const scripted = this.state.health[Math.min(this.state.healthIndex++, this.state.health.length - 1)] ?? 'H'
    const letter = this.state.apiUnreachable ? 'E' : scripted
    if (letter === 'E') {
      throw new KopsError('kops validate cluster failed: unexpected error during validation', {
        argv: ['kops', 'validate', 'cluster', '--name', name, '-o', 'json'],
        exitCode: 1,
        stderrTail: 'Error: unexpected error during validation: error listing nodes: dial tcp: i/o timeout',
      })
    }
    const nodes = [
      {name: 'i-0cp', zone: 'eu-central-1a', role: 'control-plane', hostname: 'i-0cp', status: 'True'},
      {name: 'i-0n1', zone: 'eu-central-1a', role: 'node', hostname: 'i-0n1', status: letter === 'U' ? 'False' : 'True'},
    ]
    const failures = letter === 'U' ? [{type: 'Node', name: 'i-0n1', message: 'node "i-0n1" of role "node" is not ready'}] : []
    return {healthy: letter === 'H', result: {failures, nodes}}
  }

  async exportKubeconfig(name: string): Promise<void> {
    this.record('exportKubeconfig', name)
  }

  async rollingUpdate(name: string, options: RollingUpdateOptions): Promise<{output: string; needsUpdate: string[]; groups: RollingUpdateGroup[]}> {
    this.record('rollingUpdate', name, {yes: options.yes, roles: options.instanceGroupRoles, drainTimeout: options.drainTimeout})
    const c = this.cluster(name)
    if (this.state.apiUnreachable) {
      const error = `error listing nodes in cluster: Get "https://api.${name}/api/v1/nodes": net/http: TLS handshake timeout`
      throw new KopsError(`kops rolling-update cluster failed: ${error}`, {
        argv: ['kops', 'rolling-update', 'cluster', '--name', name, ...(options.yes ? ['--yes'] : [])],
        exitCode: 1,
        stderrTail: `Unable to reach the kubernetes API.\nUse --cloudonly to do a rolling-update without confirming progress with the k8s API\n\nError: ${error}`,
      })
    }
    const roles = options.instanceGroupRoles
    const inScope = (r: 'control-plane' | 'node') => !roles || roles.includes(r)
    const pending = [...c.needsRoll].filter(inScope)
    if (!options.yes) {
      const output = pending.length ? 'Must specify --yes to rolling-update.' : 'No rolling-update required.'
      // Without seeded groups, one stand-in group per role that needs rolling.
      if (c.groups.length === 0) return {output, needsUpdate: pending.map((r) => `${r}-group`), groups: pending.map((r) => previewRow(`${r}-group`, 1, 1, 1))}
      const rows = c.groups
        .filter((g) => !roles || roles.includes(g.role))
        .map((g) => previewRow(g.name, g.size, c.needsRoll.has(g.role === 'control-plane' || g.role === 'apiserver' ? 'control-plane' : 'node') ? g.size : 0, g.role === 'bastion' ? 0 : g.size))
      return {output, needsUpdate: rows.filter((r) => r.needUpdate > 0).map((r) => r.name), groups: rows}
    }
    for (const r of pending) c.needsRoll.delete(r)
    return {output: 'Rolling update completed', needsUpdate: [], groups: []}
  }

  async reconcileCluster(name: string, options: KopsRunOptions & {yes: boolean}): Promise<{output: string}> {
    this.record('reconcileCluster', name, {yes: options.yes})
    const c = this.cluster(name)
    if (options.yes) {
      c.updatePending.clear()
      c.needsRoll.clear()
    }
    return {output: 'Pruning old resources that are no longer used'}
  }

  async deleteCluster(name: string, options: KopsRunOptions & {yes: boolean}): Promise<{output: string; resources: KopsResource[]}> {
    this.record('deleteCluster', name, {yes: options.yes})
    const c = this.cluster(name)
    const resources = [...c.resources]
    if (!options.yes) return {output: 'Must specify --yes to delete cluster', resources}
    c.resources = []
    const state = this.state.stateStore
    if (state) {
      const keys = await state.store.listKeys(state.bucket, `${name}/`)
      const unknown = keys.find((key) => {
        const rel = key.slice(name.length + 1)
        return !KOPS_STATE_FILES.includes(rel) && !KOPS_STATE_DIRS.some((d) => rel.startsWith(d))
      })
      if (unknown) {
        const message = `error removing cluster from state store: refusing to delete: unknown file found: s3://${state.bucket}/${unknown}`
        throw new KopsError(`kops delete cluster failed: ${message}`, {argv: ['kops', 'delete', 'cluster', '--name', name, '--yes'], exitCode: 1, stderrTail: `Error: ${message}`})
      }
      for (const key of keys) await state.store.deleteObject(state.bucket, key)
    }
    this.state.clusters.delete(name)
    return {output: `Deleted cluster: "${name}"`, resources}
  }

  private cluster(name: string): FakeCluster {
    const c = this.state.clusters.get(name)
    if (!c) throw new KopsError(`kops: cluster not found "${name}"`, {argv: ['kops'], exitCode: 1, stderrTail: `Error: cluster not found "${name}"`})
    return c
  }

  private record(method: string, name?: string, options?: Record<string, unknown>, kubernetesVersion?: string): void {
    const failure = this.state.failures.get(method)
    this.calls.push({method, ...(name ? {name} : {}), ...(this.boundStore ? {stateStore: this.boundStore} : {}), ...(options ? {options} : {}), ...(kubernetesVersion ? {kubernetesVersion} : {})})
    if (failure) {
      this.state.failures.delete(method)
      throw failure
    }
  }
}

function previewRow(name: string, size: number, needUpdate: number, nodes: number): RollingUpdateGroup {
  return {name, status: needUpdate > 0 ? 'NeedsUpdate' : 'Ready', needUpdate, ready: size - needUpdate, min: size, target: size, max: size, nodes}
}
