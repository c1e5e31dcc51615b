import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../base-command.js'
import {createDeps} from '../../deps.js'
import {awsProfileFlag, CLUSTER_FILE_FLAG_OPTIONS, clusterNameFlag, dryRunFlag, kopsBinaryFlag, kopsTimeoutFlag, s3StateFlag, yesFlag} from '../../flags.js'
import {deleteCluster, type DeleteResult} from '../../services/delete-cluster.js'
import {resolveClusterTarget} from '../../services/cluster-target.js'
import {formatResources} from '../../ui/kops-reports.js'
import {formatPlan} from '../../ui/plan-printer.js'
import {formatRunSummary} from '../../ui/run-summary.js'

export default class ClusterDelete extends BaseCommand {
  static override description = `Delete a cluster and its cloud resources

Shows what kops would delete, refuses protected clusters (exit 9), and asks you to type the cluster name; a non-interactive run needs --yes --confirm NAME (exit 2 without it, 9 when NAME differs). Shows the plan it runs; holds the cluster lock while kops deletes. Removes kopsmith's record (metadata.json) and the admin kubeconfig kopsmith exported; the audit records stay in the state bucket.`

  static override examples = [
    '<%= config.bin %> cluster delete -f clusters/alice-sandbox.yaml --dry-run',
    '<%= config.bin %> cluster delete -f clusters/alice-sandbox.yaml',
    '<%= config.bin %> cluster delete --name alice.sandbox.k8s.acme.de --state s3://acme-kops-state --yes --confirm alice.sandbox.k8s.acme.de',
  ]

  static override flags = {
    file: Flags.string({...CLUSTER_FILE_FLAG_OPTIONS, exclusive: ['name']}),
    name: clusterNameFlag({description: 'Cluster name, instead of -f (needs --state)'}),
    state: s3StateFlag({description: 'S3 state store, with --name'}),
    yes: yesFlag,
    confirm: Flags.string({description: 'The cluster name again, required with --yes when not interactive', helpValue: 'NAME'}),
    'dry-run': dryRunFlag,
    kops: kopsBinaryFlag,
    'kops-timeout': kopsTimeoutFlag,
    profile: awsProfileFlag,
  }

  async run(): Promise<DeleteResult> {
    const {flags} = await this.parse(ClusterDelete)
    const deps = createDeps({interactive: this.interactive, awsProfile: flags.profile, kopsBinary: flags.kops, kopsTimeouts: flags['kops-timeout']})
    const {config, ...named} = await resolveClusterTarget(deps.files, deps.clock.now(), {file: flags.file, name: flags.name, bucket: flags.state, verb: 'delete'})
    const target = {...named, ...(config ? {fileProtected: config.protected} : {})}
    const result = await deleteCluster(
      {kops: await deps.kops(), workspace: deps.workspace, clock: deps.clock, store: () => deps.stateStore(), operation: () => deps.operationContext({warn: (m) => this.addWarning(m)})},
      {
        ...target,
        yes: flags.yes,
        ...(flags.confirm === undefined ? {} : {confirm: flags.confirm}),
        dryRun: flags['dry-run'],
        interactive: this.interactive,
        command: ['kopsmith', 'cluster', 'delete', ...this.argv],
        askName: async (name, resources, plan) => {
          this.log(`${formatResources(resources)}\n\n${formatPlan(plan)}`)
          return (await deps.prompter()).input(`Type the cluster name (${name}) to delete it and everything above`)
        },
        onProgress: (e) => {
          if (e.kind === 'step') this.log(`→ ${e.text}`)
          else this.log(`Run log (kops output): ${e.path}`)
        },
        display: this.jsonEnabled() ? 'silent' : this.interactive ? 'tty' : 'plain',
      },
    )
    if (result.status === 'absent') this.log(`${result.cluster} is not in s3://${target.bucket}; nothing to delete`)
    if (result.status === 'previewed') this.log(`${formatResources(result.resources)}\n\n${result.plan ? `${formatPlan(result.plan)}\n\n` : ''}Dry run: nothing was deleted.`)
    if (result.status === 'deleted' && result.summary) this.log(formatRunSummary(`Deleted ${result.cluster}${result.kubeconfigRemoved ? ' and its kubeconfig' : ''} (audit records kept in ${result.audit})`, result.summary))
    return result
  }
}
