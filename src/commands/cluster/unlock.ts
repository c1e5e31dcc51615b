import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../base-command.js'
import {UsageError} from '../../core/errors.js'
import {createDeps} from '../../deps.js'
import {awsProfileFlag, CLUSTER_FILE_FLAG_OPTIONS, clusterNameFlag, s3StateFlag} from '../../flags.js'
import {resolveClusterTarget} from '../../services/cluster-target.js'
import {unlockCluster, type UnlockResult} from '../../services/unlock-cluster.js'

export default class ClusterUnlock extends BaseCommand {
  static override description = `Break a cluster lock left behind by a run that died

Deletes s3://BUCKET/kopsmith/NAME/lock.json (or an older kopsmith's NAME/kopsmith/lock.json) whoever holds it and writes an audit record naming the previous holder. Only for locks whose run is gone (crashed host, killed job): breaking a live run's lock lets two runs change the cluster at once. Needs --force (exit 2 without it).`

  static override examples = [
    '<%= config.bin %> cluster unlock --name prod.k8s.acme.de --state s3://acme-kops-state --force',
    '<%= config.bin %> cluster unlock -f clusters/prod.yaml --force --json',
  ]

  static override flags = {
    file: Flags.string({...CLUSTER_FILE_FLAG_OPTIONS, exclusive: ['name']}),
    name: clusterNameFlag({description: 'Cluster name, instead of -f (needs --state)'}),
    // `--state`, as every other command names the state store; `--state-bucket` is its old name.
    state: s3StateFlag({description: 'S3 state store, with --name', aliases: ['state-bucket']}),
    force: Flags.boolean({description: 'Confirm breaking the lock', default: false}),
    profile: awsProfileFlag,
  }

  async run(): Promise<UnlockResult> {
    const {flags} = await this.parse(ClusterUnlock)
    if (!flags.force) throw new UsageError('cluster unlock breaks another run\'s lock; pass --force to confirm', {suggestions: ['Make sure the run holding the lock is gone, then add --force']})
    const deps = createDeps({interactive: this.interactive, awsProfile: flags.profile})
    const target = await resolveClusterTarget(deps.files, deps.clock.now(), {file: flags.file, name: flags.name, bucket: flags.state, verb: 'unlock'})
    const result = await unlockCluster(await deps.operationContext({warn: (m) => this.addWarning(m)}), {cluster: target.name, bucket: target.bucket, command: ['kopsmith', 'cluster', 'unlock', ...this.argv]})
    this.log(`${result.released ? 'Unlocked' : 'Nothing to unlock:'} ${result.cluster}: ${result.summary}\nAudit record: s3://${target.bucket}/${result.auditKey}`)
    return result
  }
}
