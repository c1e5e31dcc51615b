import {auditPrefix, lockKey} from '../core/aws/lock.js'
import {RefusedError, UsageError} from '../core/errors.js'
import {deletionProtection, type ProtectionVerdict} from '../core/kops/protection.js'
import type {Plan, StepRecord} from '../core/plan.js'
import {type RunSummary, summariseRun} from '../core/run-summary.js'
import {clusterMetadataKey} from '../core/sandbox/metadata.js'
import type {Clock, Kops, KopsResource, StateStore, Workspace} from '../ports.js'
import type {TaskDisplay} from '../ui/tasks.js'
import {readClusterMetadata} from './cluster-metadata.js'
import {runLockedOperation, type OperationContext, type OperationSpec} from './operation.js'
import {StepRun} from './step-run.js'

export interface DeletePorts {
  /** Unbound kops; bound here to the cluster's state bucket and a run log. */
  kops: Kops
  workspace: Workspace
  clock: Clock
  /** The S3 state store (lock, audit, kopsmith's metadata). */
  store: () => Promise<StateStore>
  operation: () => Promise<OperationContext>
}

export interface DeleteInput {
  name: string
  bucket: string
  /** `protected` from the cluster file, when deleting with `-f`. */
  fileProtected?: boolean
  /** For messages: how the user named the cluster (`-f FILE` or `--name N`). */
  how: string
  yes: boolean
  /** `--confirm NAME`. */
  confirm?: string
  dryRun: boolean
  interactive: boolean
  command: string[]
  /** Interactive typed confirmation; gets the preview, returns what the person typed. */
  askName?: (name: string, resources: KopsResource[], plan: Plan) => Promise<string>
  /** The preview step and the run log's path; kops' output goes to the step display (`display`). */
  onProgress?: (event: {kind: 'step'; text: string} | {kind: 'log'; path: string}) => void
  /** How the steps show while they run (default: not at all). */
  display?: TaskDisplay
  /** Where plain progress lines go (default: standard output). */
  write?: (line: string) => void
}

export interface DeleteResult {
  cluster: string
  status: 'previewed' | 'deleted' | 'absent'
  /** What kops listed for deletion (the preview), by type, name and id. */
  resources: KopsResource[]
  protection: ProtectionVerdict | null
  /** `kubeconfig/NAME` in kopsmith's state directory, the admin kubeconfig `cluster create` exported, was removed. */
  kubeconfigRemoved: boolean
  /** The audit records stay in the bucket, here. */
  audit: string | null
  /** What a confirmed deletion does (previewed or deleted). */
  plan?: Plan
  /** A deletion that ran: every plan step with what became of it (also in the audit record). */
  steps?: StepRecord[]
  summary?: RunSummary
}

/**
 * `cluster delete`: kops' preview first, then the safety rules, then — holding the lock —
 * `kops delete cluster --yes`. Non-interactive runs need `--yes --confirm NAME` (exit 2 without,
 * exit 9 when NAME differs); interactive ones type the name. Protected clusters are refused
 * (exit 9, see core/kops/protection.ts). kops removes the cloud resources and its whole cluster
 * folder itself: kopsmith keeps nothing there (its records live under `kopsmith/CLUSTER/`, and the
 * locked run first moves what an older version left in the folder). Afterwards the admin
 * kubeconfig kopsmith wrote is removed and kopsmith's metadata record with it; the audit records stay.
 */
export async function deleteCluster(ports: DeletePorts, input: DeleteInput): Promise<DeleteResult> {
  const {name, bucket} = input
  const applying = !input.dryRun
  if (input.confirm !== undefined && input.confirm !== name) {
    throw new RefusedError(`--confirm ${input.confirm} does not match the cluster to delete (${name}); nothing was deleted`, {
      suggestions: [`Pass --confirm ${name} if you really mean to delete ${name}`],
      details: {cluster: name, confirm: input.confirm},
    })
  }
  if (applying && !input.interactive && (!input.yes || input.confirm === undefined)) {
    throw new UsageError(`deleting ${name} cannot be confirmed in a non-interactive run; pass --yes --confirm ${name}`, {
      suggestions: [`kopsmith cluster delete ${input.how} --yes --confirm ${name}`, `Preview first: kopsmith cluster delete ${input.how} --dry-run`],
    })
  }

  const logFile = applying ? ports.workspace.runLogPath(name, 'delete') : undefined
  if (logFile) input.onProgress?.({kind: 'log', path: logFile})
  const kops = ports.kops.withStateStore(`s3://${bucket}`, logFile ? {logFile} : {})
  const stored = await kops.getCluster(name)
  const empty = {cluster: name, resources: [], kubeconfigRemoved: false, audit: null}
  if (!stored) return {...empty, status: 'absent', protection: null}

  const store = await ports.store()
  const metadata = await readClusterMetadata(store, bucket, name)
  const spec = stored.spec as Record<string, unknown> | undefined
  const metadataLocation = `s3://${bucket}/${clusterMetadataKey(name)}`
  const protection = deletionProtection({
    ...(input.fileProtected === undefined ? {} : {fileProtected: input.fileProtected}),
    metadata: metadata.state === 'ok' ? metadata.metadata : undefined,
    unreadableMetadata: metadata.state === 'invalid' ? {location: metadataLocation, problem: metadata.problem} : undefined,
    cloudLabels: spec?.cloudLabels as Record<string, unknown> | undefined,
  })
  if (protection.protected) {
    const suggestions =
      protection.source === 'unreadable-metadata'
        ? [
            `Repair kopsmith's record from the cluster file: kopsmith cluster create -f FILE --yes (an unreadable record counts as protected, so a file saying protected: false also needs --allow-change protected; the override is audited)`,
            `Or restore the last good version of the record (the state bucket is versioned): aws s3api list-object-versions --bucket ${bucket} --prefix ${clusterMetadataKey(name)}`,
            `Then run kopsmith cluster delete -f FILE --yes --confirm ${name}`,
          ]
        : [
            'If it really must go: set spec.protected: false in its cluster file and apply that with `kopsmith cluster create -f FILE --yes --allow-change protected`',
            `Then run kopsmith cluster delete -f FILE --yes --confirm ${name}`,
          ]
    throw new RefusedError(`${name} is protected: ${protection.reason}; nothing was deleted`, {suggestions, details: {cluster: name, protection}})
  }

  input.onProgress?.({kind: 'step', text: `kops delete cluster --name ${name} (preview)`})
  const preview = await kops.deleteCluster(name, {yes: false})
  const plan = buildDeletePlan(name, bucket, preview.resources.length)
  if (input.dryRun) return {...empty, status: 'previewed', resources: preview.resources, protection, plan}

  if (input.confirm === undefined) {
    const typed = (await input.askName?.(name, preview.resources, plan))?.trim()
    if (typed !== name) {
      throw new RefusedError(`you typed "${typed ?? ''}", not ${name}; nothing was deleted`, {suggestions: ['Run the command again and type the cluster name exactly']})
    }
  }

  const run = new StepRun(plan, {display: input.display ?? 'silent', clock: ports.clock, ...(input.write ? {write: input.write} : {})})
  const operation: OperationSpec = {bucket, cluster: name, operation: 'delete', command: input.command, run}
  const started = ports.clock.now()
  const context = await ports.operation()
  let kubeconfigRemoved = false
  await runLockedOperation(context, operation, async (signal) => {
    const kubeconfig = `kubeconfig/${name}`
    await run.run(
      {
        'kops:delete-cluster': async (r) => {
          await kops.deleteCluster(name, {yes: true, signal, onOutput: r.output})
          return `${preview.resources.length} resource(s) and the kops state deleted`
        },
        'metadata:remove': async () => {
          await store.deleteObject(bucket, clusterMetadataKey(name))
          return 'removed'
        },
        'kubeconfig:remove': async () => {
          kubeconfigRemoved = (await ports.workspace.readFile(kubeconfig)) !== undefined
          await ports.workspace.remove(kubeconfig)
          return kubeconfigRemoved ? 'removed' : {status: 'unchanged', outcome: 'there was none'}
        },
      },
      signal,
    )
  })
  return {
    cluster: name,
    status: 'deleted' as const,
    resources: preview.resources,
    protection,
    kubeconfigRemoved,
    audit: `s3://${bucket}/${auditPrefix(name)}`,
    plan,
    steps: run.records,
    summary: summariseRun(run.records, {started, ended: ports.clock.now(), ...(logFile ? {logFile} : {}), auditRecord: operation.auditRecord}),
  }
}

/** What `cluster delete --yes` does once confirmed, step by step, the lock around it. */
export function buildDeletePlan(name: string, bucket: string, resources: number): Plan {
  return {
    operation: 'delete',
    cluster: name,
    steps: [
      {id: 'lock:acquire', title: `Lock s3://${bucket}/${lockKey(name)}`, action: 'run', reason: 'no other kopsmith run changes the cluster while it is deleted'},
      {id: 'kops:delete-cluster', title: `kops delete cluster --name ${name} --yes`, action: 'delete', reason: `${resources} cloud resource(s), then the kops state`},
      {id: 'metadata:remove', title: `Remove kopsmith's record s3://${bucket}/${clusterMetadataKey(name)}`, action: 'delete', reason: 'the cluster it describes is gone; the audit records stay'},
      {id: 'kubeconfig:remove', title: `Remove kubeconfig/${name} from kopsmith's state directory`, action: 'delete', reason: 'its admin credentials belong to a cluster that no longer exists'},
      {id: 'lock:release', title: 'Release the lock and write the audit record', action: 'run', reason: 'also on failure and on Ctrl-C'},
    ],
  }
}
