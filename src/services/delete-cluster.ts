import {auditPrefix} from '../core/aws/lock.js'
import {RefusedError, UsageError} from '../core/errors.js'
import {deletionProtection, type ProtectionVerdict} from '../core/kops/protection.js'
import type {Plan} from '../core/plan.js'
import {clusterMetadataKey} from '../core/sandbox/metadata.js'
import type {Kops, KopsResource, StateStore, Workspace} from '../ports.js'
import {readClusterMetadata} from './cluster-metadata.js'
import {runLockedOperation, type OperationContext} from './operation.js'

export interface DeletePorts {
  /** Unbound kops; bound here to the cluster's state bucket and a run log. */
  kops: Kops
  workspace: Workspace
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
  askName?: (name: string, resources: KopsResource[]) => Promise<string>
  onProgress?: (event: {kind: 'step'; text: string} | {kind: 'output'; line: string} | {kind: 'log'; path: string}) => void
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
  const protection = deletionProtection({
    ...(input.fileProtected === undefined ? {} : {fileProtected: input.fileProtected}),
    metadata: metadata.state === 'ok' ? metadata.metadata : undefined,
    cloudLabels: spec?.cloudLabels as Record<string, unknown> | undefined,
  })
  if (protection.protected) {
    throw new RefusedError(`${name} is protected: ${protection.reason}; nothing was deleted`, {
      suggestions: [
        'If it really must go: set spec.protected: false in its cluster file and apply that with `kopsmith cluster create -f FILE --yes`',
        `Then run kopsmith cluster delete -f FILE --yes --confirm ${name}`,
      ],
      details: {cluster: name, protection},
    })
  }

  input.onProgress?.({kind: 'step', text: `kops delete cluster --name ${name} (preview)`})
  const preview = await kops.deleteCluster(name, {yes: false})
  if (input.dryRun) return {...empty, status: 'previewed', resources: preview.resources, protection}

  if (input.confirm === undefined) {
    const typed = (await input.askName?.(name, preview.resources))?.trim()
    if (typed !== name) {
      throw new RefusedError(`you typed "${typed ?? ''}", not ${name}; nothing was deleted`, {suggestions: ['Run the command again and type the cluster name exactly']})
    }
  }

  const plan: Plan = {
    operation: 'delete',
    cluster: name,
    steps: [
      {id: 'kops:delete-cluster', title: `kops delete cluster --name ${name} --yes`, action: 'delete', reason: `${preview.resources.length} cloud resource(s), then the kops state`},
      {id: 'kubeconfig:remove', title: `Remove kubeconfig/${name} from kopsmith's state directory`, action: 'delete', reason: 'its admin credentials belong to a cluster that no longer exists'},
    ],
  }
  const context = await ports.operation()
  return runLockedOperation(context, {bucket, cluster: name, operation: 'delete', command: input.command, plan}, async (signal) => {
    const onOutput = (line: string): void => input.onProgress?.({kind: 'output', line})
    input.onProgress?.({kind: 'step', text: `kops delete cluster --name ${name} --yes`})
    await kops.deleteCluster(name, {yes: true, signal, onOutput})
    await store.deleteObject(bucket, clusterMetadataKey(name))
    const kubeconfig = `kubeconfig/${name}`
    const kubeconfigRemoved = (await ports.workspace.readFile(kubeconfig)) !== undefined
    await ports.workspace.remove(kubeconfig)
    return {cluster: name, status: 'deleted' as const, resources: preview.resources, protection, kubeconfigRemoved, audit: `s3://${bucket}/${auditPrefix(name)}`}
  })
}
