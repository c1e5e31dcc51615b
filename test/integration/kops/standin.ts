import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import YAML from 'yaml'

import {ROOT} from '../../helpers/cli.js'

/** The kops stand-in executable (test/fixtures/kops-standin/README.md). */
export const STANDIN = `${ROOT}test/fixtures/kops-standin/kops`

export interface CallLogEntry {
  time: string
  argv: string[]
  command: string
  exitCode: number
  signal?: string
  detail?: {kubernetesVersion?: string}
}

export function readCallLog(path: string): CallLogEntry[] {
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CallLogEntry)
}

/** `command argv…` per call, e.g. `update-cluster update cluster --name x --yes`, for order assertions. */
export function callLines(path: string): string[] {
  return readCallLog(path).map((e) => e.argv.join(' '))
}

export function tempDir(prefix = 'kopsmith-kops-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export interface SeedCluster {
  name: string
  kubernetesVersion: string
  profile?: 'production' | 'sandbox'
  owner?: string
  expiresAt?: string
  zones?: string[]
  nodes?: number
}

/**
 * kops objects shaped like kopsmith's (one control plane per zone, a node group), reduced to what
 * the stand-in looks at but complete enough to pass kops' validation (validation.mjs).
 */
export function kopsObjects(c: SeedCluster): string {
  const zones = c.zones ?? ['eu-central-1a']
  const labels: Record<string, string> = {
    'kopsmith.dev/owner': c.owner ?? 'platform@acme.de',
    'kopsmith.dev/managed-by': 'kopsmith',
    'kopsmith.dev/profile': c.profile ?? 'production',
    ...(c.expiresAt ? {'kopsmith.dev/expires-at': c.expiresAt} : {}),
  }
  const cpName = (z: string) => `control-plane-${z}`
  const etcd = (name: string) => ({name, etcdMembers: zones.map((z) => ({name: z.slice(-1), instanceGroup: cpName(z), encryptedVolume: true})), manager: {}})
  const cluster = {
    apiVersion: 'kops.k8s.io/v1alpha2',
    kind: 'Cluster',
    metadata: {name: c.name},
    spec: {
      kubernetesVersion: c.kubernetesVersion,
      cloudProvider: 'aws',
      encryptionConfig: true,
      cloudLabels: labels,
      api: {loadBalancer: {type: 'Internal', class: 'Network'}},
      networkCIDR: '10.20.0.0/16',
      nonMasqueradeCIDR: '100.64.0.0/10',
      subnets: zones.map((z, i) => ({name: z, zone: z, type: 'Private', cidr: `10.20.${i * 32}.0/19`})),
      etcdClusters: [etcd('main'), etcd('events')],
    },
  }
  const ig = (name: string, role: string, min: number, max: number, subnets: string[]) => ({
    apiVersion: 'kops.k8s.io/v1alpha2',
    kind: 'InstanceGroup',
    metadata: {name, labels: {'kops.k8s.io/cluster': c.name}},
    spec: {role, machineType: role === 'Node' ? 'm7i.xlarge' : 'm7i.large', minSize: min, maxSize: max, subnets},
  })
  const nodes = c.nodes ?? 2
  const groups = [...zones.map((z) => ig(cpName(z), 'ControlPlane', 1, 1, [z])), ig('nodes-general', 'Node', nodes, Math.max(nodes, 3), zones)]
  return [cluster, ...groups].map((o) => YAML.stringify(o)).join('---\n')
}

/**
 * Creates a running cluster in a state store through the stand-in itself (create -f, the
 * encryption secret, update --yes), with a kops whose version can drive it.
 */
export function seedCluster(stateStore: string, c: SeedCluster, env: Record<string, string> = {}): void {
  const dir = tempDir('kopsmith-seed-')
  writeFileSync(join(dir, 'kops.yaml'), kopsObjects(c))
  writeFileSync(join(dir, 'enc.yaml'), 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: []\n')
  const minor = c.kubernetesVersion.split('.').slice(0, 2).join('.')
  const run = (...args: string[]) =>
    execFileSync(STANDIN, args, {env: {...process.env, KOPS_STANDIN_LOG: '', KOPS_STANDIN_FAIL_AT: '', KOPS_STANDIN_HEALTH: '', KOPS_STANDIN_VERSION: `${minor}.1`, ...env, KOPS_STATE_STORE: stateStore}, stdio: 'pipe'})
  run('create', '-f', join(dir, 'kops.yaml'))
  run('create', 'secret', 'encryptionconfig', '--name', c.name, '-f', join(dir, 'enc.yaml'))
  run('update', 'cluster', '--name', c.name, '--yes', '--create-kube-config=false')
}

/** A kopsmith cluster file for command tests (validated by the real loader). */
export function clusterFile(c: {name: string; bucket: string; kubernetesVersion: string; profile?: 'production' | 'sandbox'; protected?: boolean; window?: string | null; drainTimeout?: string}): string {
  const sandbox = c.profile === 'sandbox'
  const zone = c.name.split('.').slice(1).join('.')
  return YAML.stringify({
    apiVersion: 'kopsmith/v1alpha1',
    kind: 'Cluster',
    metadata: {name: c.name},
    spec: {
      profile: c.profile ?? 'production',
      region: 'eu-central-1',
      zones: sandbox ? ['eu-central-1a'] : ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'],
      kubernetesVersion: c.kubernetesVersion,
      stateStore: {bucket: c.bucket},
      dns: {zone, type: 'private'},
      access: {api: ['10.0.0.0/8']},
      owner: 'platform@acme.de',
      ...(c.protected === undefined ? {} : {protected: c.protected}),
      ...(sandbox ? {ttl: '72h'} : {}),
      upgrade: {maxSurge: 1, drainTimeout: c.drainTimeout ?? '15m', ...(c.window === undefined ? {} : {window: c.window})},
    },
  })
}

/**
 * A fresh working directory for a CLI run, so `.kopsmith/` (logs, kubeconfigs) lands there and not
 * in the repository; node_modules is linked in because `node --import tsx` resolves tsx from the cwd.
 */
export function cliWorkDir(prefix = 'kopsmith-cli-'): string {
  const dir = tempDir(prefix)
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return dir
}

/** Replaces what changes between runs (bucket names, instants, durations, temporary paths) with stable tokens. */
export function normalise(value: unknown, tokens: Record<string, string> = {}): unknown {
  let text = JSON.stringify(value)
  for (const [from, to] of Object.entries(tokens)) text = text.split(from).join(to)
  text = text.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<time>')
  text = text.replace(/\d{8}T\d{6}(\.\d+)?Z/g, '<stamp>')
  text = text.replace(/\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z/g, '<stamp>')
  text = text.replace(/-([a-z]+)-[0-9a-f]{8}\.json/g, '-$1-<id>.json')
  text = text.split(tmpdir()).join('<tmp>').replace(/<tmp>\/[A-Za-z0-9._-]+/g, '<tmp>/<dir>')
  text = text.replace(/"durationMs":\d+/g, '"durationMs":"<ms>"')
  text = text.replace(/"slowest":\[[^\]]*\]/g, '"slowest":"<by duration>"')
  return JSON.parse(text)
}
