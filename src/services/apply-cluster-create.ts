import {randomBytes} from 'node:crypto'

import {diffSpecs} from '../core/drift.js'
import {auditContextFor, auditKopsSpec} from '../core/hardening/checks.js'
import {parseUpdateApplied} from '../core/kops/kops-output.js'
import type {Plan} from '../core/plan.js'
import {sandboxExpiresAt} from '../core/render/expiry.js'
import type {Clock, Dns, Identity, Kops, Kube, KubeTarget, PackageFiles, StateStore, UserFiles, Workspace} from '../ports.js'
import {runTasks, type TaskDisplay, type TaskSpec} from '../ui/tasks.js'
import {installAddons} from './addons.js'
import type {ApplyProgress} from './apply-manifests.js'
import {findClusterMetadata, metadataFromConfig, writeClusterMetadata} from './cluster-metadata.js'
import {hardeningRefusal, summariseHardening, type CreateClusterInput, type HardeningSummary} from './create-cluster.js'
import {ensureDnsZone, verifyPrivateZone} from './dns-zone.js'
import {checkKopsSupports} from './kops-preflight.js'
import {bootstrapNamespaces, loadNamespaceSet} from './namespaces.js'
import {runLockedOperation, type OperationContext} from './operation.js'
import {renderClusterManifests} from './render-cluster.js'
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
 * `cluster create --yes`: the plan's steps as listr2 tasks, each find → compare → act, so a re-run
 * after a failure at any step completes the job without redoing finished work. The state bucket is
 * ensured before the lock is taken, because the lock lives in it (both are idempotent).
 */
export async function applyClusterCreate(ports: CreatePorts, input: CreateClusterInput, plan: Plan, options: ApplyCreateOptions): Promise<CreateResult> {
  const {config} = input
  const name = config.name
  const logFile = ports.workspace.runLogPath(name, 'create')
  const kopsPort = ports.kops.withStateStore(`s3://${config.stateStore.bucket}`, {logFile})
  // A team group nobody can log in with is an invalid namespaces file: say so before anything is touched.
  const access = {cluster: name, authentication: config.authentication, clusterFile: input.file}
  if (!input.skip.has('namespaces') && config.namespaces) await loadNamespaceSet(ports.files, resolveBeside(input.file, config.namespaces.file), access)
  await ports.identity.whoAmI()
  await checkKopsSupports(kopsPort, config.kubernetesVersion)
  await ensureStateBuckets(ports.store, config)

  return runLockedOperation(ports.operation, {bucket: config.stateStore.bucket, cluster: name, operation: 'create', command: options.command, plan}, async (signal) => {
    const steps: StepOutcome[] = []
    const record = (id: string, outcome: string): string => {
      steps.push({id, outcome})
      return `(${outcome})`
    }
    const metadata = await findClusterMetadata(ports.store, config.stateStore.bucket, name)
    // Once stamped, a sandbox's expiry only moves later (`sandbox extend` updates kopsmith's state
    // and perhaps not the file), so a re-run takes the later of the file and the stored record.
    const expiresAt = config.profile === 'sandbox' ? (laterOf(config.expiresAt, metadata?.expiresAt) ?? sandboxExpiresAt(config, ports.clock.now())) : undefined
    const rendered = await renderClusterManifests(ports.packageFiles, config, expiresAt ? {expiresAt} : {})
    const hardening = summariseHardening(auditKopsSpec(rendered, {...auditContextFor(config), kopsVersion: (await kopsPort.version()).version}))
    if (hardening.failed.length > 0) throw hardeningRefusal(name, hardening)

    const manifestPath = `rendered/${name}/kops.yaml`
    const kubeconfigPath = `kubeconfig/${name}`
    const kops = {signal}
    const tasks: TaskSpec[] = [
      {
        title: `DNS zone ${config.dns.zone} (${config.dns.type})`,
        run: async () => {
          const report = await ensureDnsZone(ports.dns, config, {delegate: input.delegate, timeoutMs: 10 * 60_000})
          return record('dns', report.action)
        },
      },
      {
        title: 'kops spec: create or replace',
        run: async (r) => {
          await ports.workspace.writeFile(manifestPath, rendered.manifest)
          const file = ports.workspace.resolve(manifestPath)
          const stored = await kopsPort.getCluster(name)
          if (!stored) {
            await kopsPort.createFromFile(file, {...kops, onOutput: r.output})
            return record('kops:create-or-replace', 'created')
          }
          const igs = await kopsPort.getInstanceGroups(name)
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
          if (await kopsPort.hasEncryptionConfig(name)) return record('kops:encryption-secret', 'exists, not rotated')
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
            config, kubeconfig: ports.workspace.resolve(kubeconfigPath), force: false, prune: true, dryRun: false, timeoutMs: 10 * 60_000,
            onProgress: (p) => r.output(describeProgress(p)),
          })
          return record('addons', `${result.applied} object(s) applied${result.gatewayApi ? `; Gateway API ${result.gatewayApi.summary}` : ''}`)
        },
      })
    }
    if (!input.skip.has('namespaces') && config.namespaces) {
      const nsFile = resolveBeside(input.file, config.namespaces.file)
      tasks.push({
        title: `Namespaces from ${nsFile}`,
        run: async (r) => {
          const result = await bootstrapNamespaces(ports, {
            file: nsFile, access, kubeconfig: ports.workspace.resolve(kubeconfigPath), cluster: name, prune: false, force: false, dryRun: false, timeoutMs: 10 * 60_000,
            onProgress: (p) => r.output(describeProgress(p)),
          })
          return record('namespaces', `${result.namespaces.length} namespace(s)`)
        },
      })
    }
    await runTasks(tasks, options.display)
    return {cluster: name, dryRun: false as const, kubeconfig: ports.workspace.resolve(kubeconfigPath), steps, hardening}
  })
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

function laterOf(a: string | null | undefined, b: string | null | undefined): string | undefined {
  if (!a) return b ?? undefined
  if (!b) return a
  return Date.parse(a) >= Date.parse(b) ? a : b
}

/** The namespaces file is named relative to the cluster file that names it. */
function resolveBeside(clusterFile: string, path: string): string {
  if (path.startsWith('/')) return path
  const dir = clusterFile.includes('/') ? clusterFile.slice(0, clusterFile.lastIndexOf('/') + 1) : ''
  return `${dir}${path}`
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
