import {FsUserFiles} from './adapters/fs-user-files.js'
import {FsWorkspace} from './adapters/fs-workspace.js'
import {FsPackageFiles} from './adapters/package-files.js'
import {SystemClock} from './adapters/system-clock.js'
import type {KopsTimeouts} from './core/kops/timeouts.js'
import type {OperationContext} from './services/operation.js'
import type {CreatePorts} from './services/apply-cluster-create.js'
import type {Clock, Dns, GitConfig, Identity, Kops, Kube, PackageFiles, Prompter, StateStore, UserFiles, Workspace} from './ports.js'

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
  /** Directory for run logs and generated files; default `.kopsmith/` in the working directory. */
  workDir?: string
}

export interface Deps {
  identity(): Promise<Identity>
  stateStore(): Promise<StateStore>
  dns(): Promise<Dns>
  kops(): Promise<Kops>
  kube(kubeconfigPath: string): Promise<Kube>
  prompter(): Promise<Prompter>
  /** Lock + audit context for `runLockedOperation`: state store, identity, clock, host/pid and Ctrl-C hooks. */
  operationContext(options?: {warn?(message: string): void}): Promise<OperationContext>
  gitConfig(): Promise<GitConfig>
  readonly clock: Clock
  readonly workspace: Workspace
  readonly packageFiles: PackageFiles
  readonly files: UserFiles
}

export function createDeps(options: DepsOptions): Deps {
  const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
    let value: Promise<T> | undefined
    return () => (value ??= make())
  }
  const aws = once(async () => (await import('./adapters/aws/clients.js')).createAwsClients({profile: options.awsProfile}))
  const workDir = options.workDir ?? '.kopsmith'
  const identity = once(async () => new (await import('./adapters/aws/sts-identity.js')).StsIdentity(await aws()))
  const stateStore = once(async () => new (await import('./adapters/aws/s3-state-store.js')).S3StateStore(await aws()))
  const clock = new SystemClock()
  return {
    identity,
    stateStore,
    dns: once(async () => new (await import('./adapters/aws/route53-dns.js')).Route53Dns(await aws())),
    kops: once(async () => new (await import('./adapters/kops/execa-kops.js')).ExecaKops({binary: options.kopsBinary, env: process.env, ...(options.kopsTimeouts ? {timeouts: options.kopsTimeouts} : {})})),
    kube: async (kubeconfigPath) => new (await import('./adapters/kube/client-node-kube.js')).ClientNodeKube(kubeconfigPath),
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
    workspace: new FsWorkspace(workDir),
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
