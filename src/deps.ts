import {homedir} from 'node:os'
import {isAbsolute, join, resolve} from 'node:path'

import {FsUserFiles} from './adapters/fs-user-files.js'
import {FsWorkspace} from './adapters/fs-workspace.js'
import {onInterrupt} from './adapters/interrupts.js'
import {FsPackageFiles} from './adapters/package-files.js'
import {SystemClock} from './adapters/system-clock.js'
import type {KopsTimeouts} from './core/kops/timeouts.js'
import type {OperationContext} from './services/operation.js'
import type {CreatePorts} from './services/apply-cluster-create.js'
import type {Clock, Dns, GitConfig, Identity, Interrupts, Kops, Kube, KubeTarget, PackageFiles, Prompter, StateStore, UserFiles, Workspace} from './ports.js'

/**
 * The composition root. Every adapter is created on first use and only through a dynamic import,
 * so `--help`, `--version` and `cluster create --dry-run` never load the AWS SDK,
 * `@kubernetes/client-node`, execa or inquirer.
 */
export interface DepsOptions {
  /** `--profile` / AWS_PROFILE; the SDK's default chain otherwise. */
  awsProfile?: string
  /** `--kops` / KOPSMITH_KOPS; PATH otherwise. */
  kopsBinary?: string
  /** `--kops-timeout` / KOPSMITH_KOPS_TIMEOUT: per-step deadlines of kops calls. */
  kopsTimeouts?: KopsTimeouts
  /** False under --json, without a TTY or with CI set: the prompter then refuses to ask. */
  interactive: boolean
  /** Directory for run logs, admin kubeconfigs and rendered specs; default: kopsmithStateDir(). */
  workDir?: string
}

export interface Deps {
  identity(): Promise<Identity>
  stateStore(): Promise<StateStore>
  dns(): Promise<Dns>
  kops(): Promise<Kops>
  /** A client for the cluster of `target`, after the kubeconfig context passed the cluster check (see KubeTarget). */
  kube(target: KubeTarget): Promise<Kube>
  prompter(): Promise<Prompter>
  /** Lock + audit context for `runLockedOperation`: state store, identity, clock, host/pid and Ctrl-C hooks. */
  operationContext(options?: {warn?(message: string): void}): Promise<OperationContext>
  gitConfig(): Promise<GitConfig>
  readonly clock: Clock
  /** Ctrl-C for runs that hold no lock (addons, namespaces); locked runs get theirs from operationContext. */
  readonly interrupts: Interrupts
  readonly workspace: Workspace
  readonly packageFiles: PackageFiles
  readonly files: UserFiles
}

/**
 * Where kopsmith keeps what it writes for itself — admin kubeconfigs, run logs, rendered specs:
 * `KOPSMITH_STATE_DIR`, else `$XDG_STATE_HOME/kopsmith`, else `~/.local/state/kopsmith`. Never the
 * working directory, which is often the user's infrastructure repository.
 */
export function kopsmithStateDir(env: NodeJS.ProcessEnv): string {
  if (env.KOPSMITH_STATE_DIR) return resolve(env.KOPSMITH_STATE_DIR)
  if (env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME)) return join(env.XDG_STATE_HOME, 'kopsmith')
  return join(homedir(), '.local', 'state', 'kopsmith')
}

export function createDeps(options: DepsOptions): Deps {
  const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
    let value: Promise<T> | undefined
    return () => (value ??= make())
  }
  const aws = once(async () => (await import('./adapters/aws/clients.js')).createAwsClients({profile: options.awsProfile}))
  const workDir = options.workDir ?? kopsmithStateDir(process.env)
  const workspace = new FsWorkspace(workDir)
  const identity = once(async () => new (await import('./adapters/aws/sts-identity.js')).StsIdentity(await aws()))
  const stateStore = once(async () => new (await import('./adapters/aws/s3-state-store.js')).S3StateStore(await aws()))
  const clock = new SystemClock()
  return {
    identity,
    stateStore,
    dns: once(async () => new (await import('./adapters/aws/route53-dns.js')).Route53Dns(await aws())),
    kops: once(async () => new (await import('./adapters/kops/execa-kops.js')).ExecaKops({binary: options.kopsBinary, env: process.env, ...(options.kopsTimeouts ? {timeouts: options.kopsTimeouts} : {})})),
    kube: async (target) => {
      const [{loadKubeconfig, defaultUserKubeconfig}, {selectContext}, {ClientNodeKube}] = await Promise.all([
        import('./adapters/kube/kubeconfig-loader.js'),
        import('./core/kube/kubeconfig.js'),
        import('./adapters/kube/client-node-kube.js'),
      ])
      const exported = target.cluster === undefined ? undefined : workspace.resolve(`kubeconfig/${target.cluster}`)
      const merged = await loadKubeconfig({explicit: target.kubeconfig, envList: process.env.KUBECONFIG, fallbacks: [...(exported ? [exported] : []), defaultUserKubeconfig()]})
      const {context} = selectContext(merged, {context: target.context, cluster: target.cluster, exportedKubeconfig: exported})
      return new ClientNodeKube({merged, context})
    },
    prompter: once(async () => new (await import('./adapters/inquirer-prompter.js')).InquirerPrompter(options.interactive)),
    gitConfig: once(async () => new (await import('./adapters/git-config.js')).GitCliConfig()),
    operationContext: async ({warn} = {}) => {
      const proc = (await import('./adapters/process-info.js')).currentProcess()
      const [store, id] = await Promise.all([stateStore(), identity()])
      return {
        store, identity: id, clock, host: proc.host, pid: proc.pid, isProcessAlive: proc.isProcessAlive, onInterrupt: proc.onInterrupt,
        ...(proc.processScope === undefined ? {} : {processScope: proc.processScope}),
        ...(warn ? {warn} : {}),
      }
    },
    clock,
    interrupts: {onInterrupt: (handler, {stopping} = {}) => onInterrupt({handler, ...(stopping ? {stopping} : {})})},
    workspace,
    packageFiles: new FsPackageFiles(),
    files: new FsUserFiles(),
  }
}

/** Everything the `cluster create --yes` pipeline talks to, shared by `cluster create` and `sandbox create`. */
export async function clusterCreatePorts(deps: Deps, warn: (message: string) => void): Promise<CreatePorts> {
  return {
    ...deps,
    identity: await deps.identity(),
    store: await deps.stateStore(),
    dns: await deps.dns(),
    kops: await deps.kops(),
    operation: await deps.operationContext({warn}),
  }
}
