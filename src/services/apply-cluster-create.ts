import {randomBytes} from 'node:crypto'

import {diffSpecs} from '../core/drift.js'
import {parseUpdateApplied} from '../core/kops/kops-output.js'
import type {Plan} from '../core/plan.js'
import type {Clock, Dns, Identity, Kops, Kube, KubeTarget, PackageFiles, StateStore, UserFiles, Workspace} from '../ports.js'
import {runTasks, type TaskDisplay, type TaskSpec} from '../ui/tasks.js'
import {installAddons} from './addons.js'
import type {ApplyProgress} from './apply-manifests.js'
import {metadataFromConfig, writeClusterMetadata} from './cluster-metadata.js'
import type {CreateClusterInput, HardeningSummary} from './create-cluster.js'
import {clusterAccessOf, decideClusterCreate, namespacesFileOf, planFromPreflight, preflightClusterCreate} from './create-preflight.js'
import {ensureDnsZone, verifyPrivateZone} from './dns-zone.js'
import {bootstrapNamespaces} from './namespaces.js'
import {runLockedOperation, type OperationContext, type OperationSpec} from './operation.js'
import {ensureStateBuckets} from './state-bucket.js'
import {validateUntilHealthy} from './validate-cluster.js'

export interface CreatePorts {
  identity: Identity
  store: StateStore
  dns: Dns
  kops: Kops
  clock: Clock
  workspace: Workspace
  packageFiles: PackageFiles
  files: UserFiles
  operation: OperationContext
  kube(target: KubeTarget): Promise<Kube>
}

export interface ApplyCreateOptions {
  display: TaskDisplay
  /** How long the validation loop may wait for a healthy cluster. */
  waitMs: number
  intervalMs?: number
  /** Consecutive healthy validations required. */
  consecutive?: number
  /** argv, for the audit record. */
  command: string[]
}

export interface StepOutcome {
  id: string
  outcome: string
}

export interface CreateResult {
  cluster: string
  dryRun: false
  kubeconfig: string | null
  steps: StepOutcome[]
  hardening: HardeningSummary
}

/**
 * The plan a real run would follow, from the same preflight it runs (reads only): shown before the
 * confirmation of an interactive `cluster create`. Refuses exactly what the run would refuse.
 */
export async function previewClusterCreate(ports: Pick<CreatePorts, 'store' | 'dns' | 'kops' | 'packageFiles' | 'files' | 'clock' | 'identity'>, input: CreateClusterInput): Promise<Plan> {
  await ports.identity.whoAmI()
  const kops = ports.kops.withStateStore(`s3://${input.config.stateStore.bucket}`)
  return planFromPreflight(input, await preflightClusterCreate(ports, kops, input))
}

/**
 * `cluster create --yes`: the plan's steps as listr2 tasks, each find → compare → act, so a re-run
 * after a failure at any step completes the job without redoing finished work. Every precondition
 * of every resource is checked before anything is created (create-preflight.ts); then the state
 * bucket is ensured before the lock is taken, because the lock lives in it (both are idempotent).
 * Holding the lock, the existing cluster is judged again, as another run may have changed it.
 */
export async function applyClusterCreate(ports: CreatePorts, input: CreateClusterInput, options: ApplyCreateOptions): Promise<CreateResult> {
  const {config} = input
  const name = config.name
  const logFile = ports.workspace.runLogPath(name, 'create')
  const kopsPort = ports.kops.withStateStore(`s3://${config.stateStore.bucket}`, {logFile})
  const spec: OperationSpec = {bucket: config.stateStore.bucket, cluster: name, operation: 'create', command: options.command}
  let kopsVersion = ''

  const prepare = async (signal: AbortSignal): Promise<void> => {
    const preflight = await preflightClusterCreate(ports, kopsPort, input, signal)
    kopsVersion = preflight.kops.kops.version
    spec.plan = planFromPreflight(input, preflight)
    signal.throwIfAborted()
    await ensureStateBuckets(ports.store, config, {signal})
  }

  return runLockedOperation(ports.operation, spec, async (signal) => {
    const steps: StepOutcome[] = []
    const record = (id: string, outcome: string): string => {
      steps.push({id, outcome})
      return `(${outcome})`
    }
    const decision = await decideClusterCreate(ports, input, {kopsVersion, stateBucketExists: true})
    spec.overrides = decision.changes
    const {rendered, hardening, expiresAt} = decision
    const metadata = decision.record

    const manifestPath = `rendered/${name}/kops.yaml`
    const kubeconfigPath = `kubeconfig/${name}`
    const kops = {signal}
    const tasks: TaskSpec[] = [
      {
        title: `DNS zone ${config.dns.zone} (${config.dns.type})`,
        run: async () => {
          const report = await ensureDnsZone(ports.dns, config, {delegate: input.delegate, timeoutMs: 10 * 60_000, signal})
          return record('dns', report.action)
        },
      },
      {
        title: 'kops spec: create or replace',
        run: async (r) => {
          await ports.workspace.writeFile(manifestPath, rendered.manifest)
          const file = ports.workspace.resolve(manifestPath)
          const stored = await kopsPort.getCluster(name, kops)
          if (!stored) {
            await kopsPort.createFromFile(file, {...kops, onOutput: r.output})
            return record('kops:create-or-replace', 'created')
          }
          const igs = await kopsPort.getInstanceGroups(name, kops)
          const drift = specDrift(rendered, stored, igs)
          if (drift.length === 0) return record('kops:create-or-replace', 'unchanged')
          r.output(`${drift.length} field(s) differ, e.g. ${drift[0]}`)
          await kopsPort.replaceFromFile(file, {...kops, force: true, onOutput: r.output})
          return record('kops:create-or-replace', 'replaced')
        },
      },
      {
        title: 'kopsmith state (owner, profile, expiry)',
        run: async () => {
          const fresh = {...metadataFromConfig({...config, expiresAt: expiresAt ?? null}, ports.clock.now()), ...(metadata ? {createdAt: metadata.createdAt} : {})}
          if (metadata && JSON.stringify(metadata) === JSON.stringify(fresh)) return record('metadata', 'unchanged')
          await writeClusterMetadata(ports.store, config.stateStore.bucket, fresh)
          return record('metadata', metadata ? 'updated' : 'written')
        },
      },
      {
        title: 'Encryption at rest: kops secret encryptionconfig',
        run: async (r) => {
          if (await kopsPort.hasEncryptionConfig(name, kops)) return record('kops:encryption-secret', 'exists, not rotated')
          // Generated in memory and handed to kops on standard input: no file ever holds the key.
          await kopsPort.createEncryptionConfigSecret(name, encryptionConfig(randomBytes(32).toString('base64')), {...kops, onOutput: r.output})
          return record('kops:encryption-secret', 'created')
        },
      },
      {
        title: 'kops update cluster --yes',
        run: async (r) => {
          const result = await kopsPort.updateCluster(name, {...kops, yes: true, onOutput: r.output})
          return record('kops:update-cluster', parseUpdateApplied(result.output))
        },
      },
      {
        title: 'Validate until healthy',
        run: async (r) => {
          const result = await validateUntilHealthy(kopsPort, ports.clock, {
            name,
            waitMs: options.waitMs,
            intervalMs: options.intervalMs ?? 10_000,
            count: options.consecutive ?? 2,
            signal,
            onAttempt: (a) => r.output(`attempt ${a.attempt}: ${a.healthy ? `healthy (${a.consecutive} in a row)` : (a.error ?? `${a.result.failures.length} failure(s): ${a.result.failures[0]?.message ?? ''}`)}`),
          })
          return record('validate', `healthy after ${result.attempts} attempt(s)`)
        },
      },
      {
        title: `Export admin kubeconfig to ${ports.workspace.resolve(kubeconfigPath)}`,
        run: async (r) => {
          await kopsPort.exportKubeconfig(name, ports.workspace.resolve(kubeconfigPath), {...kops, onOutput: r.output})
          await ports.workspace.setMode(kubeconfigPath, 0o600)
          return record('kubeconfig', 'exported, mode 0600')
        },
      },
      ...(input.writeKubeconfig === undefined
        ? []
        : [
            {
              title: `Write context ${name} into ${input.writeKubeconfig}`,
              run: async (r: {output(line: string): void}) => {
                // kops merges into an existing file (other contexts stay) and writes it 0600.
                await kopsPort.exportKubeconfig(name, input.writeKubeconfig!, {...kops, onOutput: r.output})
                return record('kubeconfig-user', `context ${name} written to ${input.writeKubeconfig}`)
              },
            },
          ]),
    ]
    if (config.dns.type === 'private') {
      tasks.push({
        title: `Verify private zone ${config.dns.zone}`,
        run: async () => {
          const v = await verifyPrivateZone(ports.dns, config)
          return record('dns:verify-private-zone', `associated with ${v.vpcs.map((x) => x.vpcId).join(', ')}`)
        },
      })
    }
    if (!input.skip.has('addons')) {
      tasks.push({
        title: 'Addons',
        run: async (r) => {
          const result = await installAddons(ports, {
            config, kubeconfig: ports.workspace.resolve(kubeconfigPath), force: false, prune: true, dryRun: false, timeoutMs: 10 * 60_000, signal,
            onProgress: (p) => r.output(describeProgress(p)),
          })
          return record('addons', `${result.applied} object(s) applied${result.gatewayApi ? `; Gateway API ${result.gatewayApi.summary}` : ''}`)
        },
      })
    }
    const nsFile = namespacesFileOf(input)
    if (nsFile) {
      tasks.push({
        title: `Namespaces from ${nsFile}`,
        run: async (r) => {
          const result = await bootstrapNamespaces(ports, {
            file: nsFile, access: clusterAccessOf(input), kubeconfig: ports.workspace.resolve(kubeconfigPath), cluster: name, prune: false, force: false, dryRun: false, timeoutMs: 10 * 60_000, signal,
            onProgress: (p) => r.output(describeProgress(p)),
          })
          return record('namespaces', `${result.namespaces.length} namespace(s)`)
        },
      })
    }
    await runTasks(tasks, options.display, signal)
    return {cluster: name, dryRun: false as const, kubeconfig: ports.workspace.resolve(kubeconfigPath), steps, hardening}
  }, {prepare})
}

function describeProgress(p: ApplyProgress): string {
  const ref = 'ref' in p ? `${p.ref.kind}/${p.ref.namespace ? `${p.ref.namespace}/` : ''}${p.ref.name}` : ''
  switch (p.type) {
    case 'phase':
      return `${p.phase}: ${p.count} object(s)`
    case 'waiting':
    case 'ready':
      return `${ref}: ${p.message}`
    default:
      return `${p.type} ${ref}`
  }
}

/** Field paths where the stored kops spec differs from what we render (kops-filled fields ignored). */
function specDrift(rendered: {cluster: object; instanceGroups: readonly object[]}, stored: Record<string, unknown>, storedIgs: ReadonlyArray<Record<string, unknown>>): string[] {
  return diffSpecs(rendered, {cluster: stored, instanceGroups: storedIgs}).map((d) => d.path)
}

function encryptionConfig(secret: string): string {
  return [
    'apiVersion: apiserver.config.k8s.io/v1',
    'kind: EncryptionConfiguration',
    'resources:',
    '  - resources: [secrets]',
    '    providers:',
    '      - aescbc:',
    '          keys:',
    `            - {name: key1, secret: ${secret}}`,
    '      - identity: {}',
    '',
  ].join('\n')
}
