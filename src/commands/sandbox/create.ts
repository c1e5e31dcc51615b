import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../base-command.js'
import {SANDBOX_DEFAULT_API_ACCESS, SANDBOX_DEFAULT_ZONE} from '../../core/sandbox/cluster-file.js'
import {SANDBOX_SIZE_NAMES, type SandboxSize} from '../../core/sandbox/sizes.js'
import {clusterCreatePorts, createDeps, type Deps} from '../../deps.js'
import {awsProfileFlag, dryRunFlag, kopsBinaryFlag, kopsTimeoutFlag, parseDnsZone, s3StateFlag, yesFlag} from '../../flags.js'
import {createSandbox, type SandboxCreateResult} from '../../services/sandbox-create.js'

export default class SandboxCreate extends BaseCommand {
  static override description = `Create a sandbox cluster: a short wizard, a cost estimate, an expiry

First checks what creating it needs from this machine — AWS credentials and a kops that can drive its Kubernetes version (exit 4 otherwise, before any question). Then asks only what it cannot take from a flag: the state store, the name (under --zone), the owner (filled in from your AWS identity or git config user.email, to keep or edit), the size (each with its price per hour) and the lifetime (default 72h, at most 14 days). It shows the estimated cost — instances, NAT gateway, load balancers and EBS volumes — writes clusters/<name>.yaml and, after you confirm (the default is no), creates the cluster exactly as \`cluster create -f clusters/<name>.yaml --yes\` would. \`cluster reap\` deletes it once it has expired; \`sandbox extend\` gives it more time.

Every answer is also a flag. Without a terminal (or with CI set, or --json) nothing is asked: missing answers fail with exit 2, naming every flag to pass. Ctrl-C at a question exits 130, answering no exits 9; both write nothing. --dry-run needs no credentials and no kops.`

  static override examples = [
    '<%= config.bin %> sandbox create',
    '<%= config.bin %> sandbox create --name alice --size small --ttl 48h --dry-run',
    '<%= config.bin %> sandbox create --name alice --owner alice@acme.de --state s3://acme-kops-state --yes --json',
  ]

  static override flags = {
    name: Flags.string({description: 'Cluster name: a DNS label (alice → alice.<zone>) or the full name', helpValue: 'NAME'}),
    owner: Flags.string({description: 'Owner e-mail (default: from your AWS identity or git config user.email)', helpValue: 'EMAIL'}),
    size: Flags.string({description: 'small: t3.medium + 1-3 t3.large; medium: t3.large + 2-4 t3.xlarge; large: m7i.large + 2-6 m7i.xlarge (spot nodes)', options: SANDBOX_SIZE_NAMES}),
    ttl: Flags.string({description: 'Lifetime, 1h to 14d (default 72h)', helpValue: 'DURATION'}),
    zone: Flags.custom<string>({description: 'Sandbox DNS zone', default: SANDBOX_DEFAULT_ZONE, env: 'KOPSMITH_SANDBOX_ZONE', helpValue: 'ZONE', parse: async (input) => parseDnsZone(input, '--zone')})(),
    state: s3StateFlag({description: 'kops state store on S3 (asked when missing; --bucket is its old name)', aliases: ['bucket'], deprecateAliases: true}),
    'kubernetes-version': Flags.string({description: 'Kubernetes version (default: the newest stable patch both supported kops releases run)', helpValue: 'VERSION'}),
    'api-access': Flags.string({description: `CIDR allowed to reach the API (repeatable; default ${SANDBOX_DEFAULT_API_ACCESS.join(', ')})`, multiple: true, helpValue: 'CIDR'}),
    yes: yesFlag,
    'dry-run': dryRunFlag,
    kops: kopsBinaryFlag,
    'kops-timeout': kopsTimeoutFlag,
    profile: awsProfileFlag,
  }

  async run(): Promise<SandboxCreateResult> {
    const {flags} = await this.parse(SandboxCreate)
    const deps = createDeps({interactive: this.interactive, awsProfile: flags.profile, kopsBinary: flags.kops, kopsTimeouts: flags['kops-timeout']})
    const bucket = flags.state
    return createSandbox(
      {
        prompter: await deps.prompter(),
        files: deps.files,
        packageFiles: deps.packageFiles,
        clock: deps.clock,
        identity: () => deps.identity(),
        gitConfig: () => deps.gitConfig(),
        kops: () => deps.kops(),
        stateStore: () => deps.stateStore(),
        log: (line) => this.log(line),
      },
      {
        zone: flags.zone,
        yes: flags.yes,
        dryRun: flags['dry-run'],
        ...(flags.name === undefined ? {} : {name: flags.name}),
        ...(flags.owner === undefined ? {} : {owner: flags.owner}),
        ...(flags.size === undefined ? {} : {size: flags.size as SandboxSize}),
        ...(flags.ttl === undefined ? {} : {ttl: flags.ttl}),
        ...(bucket === undefined ? {} : {bucket}),
        ...(flags['kubernetes-version'] === undefined ? {} : {kubernetesVersion: flags['kubernetes-version']}),
        ...(flags['api-access'] === undefined ? {} : {apiAccess: flags['api-access']}),
      },
      (file) => this.runCreate(deps, file),
    )
  }

  /**
   * What `cluster create -f FILE --yes` runs, on the file the wizard just wrote: load and validate
   * it, then apply — with the same preflight, which refuses a spec failing hardening and any
   * guarded change to an existing cluster (a sandbox never gets --allow-change).
   */
  private async runCreate(deps: Deps, file: string): Promise<unknown> {
    const [{loadClusterFile}, {applyClusterCreate}] = await Promise.all([import('../../services/load-cluster-file.js'), import('../../services/apply-cluster-create.js')])
    const {config} = await loadClusterFile(deps.files, file, {now: deps.clock.now()})
    const input = {config, file, skip: new Set<never>(), delegate: false, allowChanges: new Set<never>()}
    const result = await applyClusterCreate(
      await clusterCreatePorts(deps, (m) => this.addWarning(m)),
      input,
      {display: this.jsonEnabled() ? 'silent' : this.interactive ? 'tty' : 'plain', waitMs: 30 * 60_000, command: ['kopsmith', 'sandbox', 'create', ...this.argv]},
    )
    const {formatRunSummary} = await import('../../ui/run-summary.js')
    this.log(formatRunSummary(`Sandbox ${config.name} is ready`, result.summary))
    return result
  }
}
