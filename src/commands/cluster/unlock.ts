import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {UsageError} from '../../core/errors.js'
import {createDeps} from '../../deps.js'
import {awsProfileFlag, CLUSTER_FILE_FLAG_OPTIONS} from '../../flags.js'
import {loadClusterFile} from '../../services/load-cluster-file.js'
import {unlockCluster, type UnlockResult} from '../../services/unlock-cluster.js'

/** `s3://bucket`, `s3://bucket/` or a bare bucket name; kopsmith keeps its lock at the bucket root. */
const stateBucketFlag = Flags.custom<string>({
  parse: async (input) => {
    const bucket = /^(?:s3:\/\/)?([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/?$/.exec(input.trim())?.[1]
    if (!bucket) throw new UsageError(`--state-bucket expects s3://BUCKET (kopsmith keeps state at the bucket root), got "${input}"`)
    return bucket
  },
})

export default class ClusterUnlock extends BaseCommand {
  static override description = `Break a cluster lock left behind by a run that died

Deletes s3://BUCKET/NAME/kopsmith/lock.json whoever holds it and writes an audit record naming the previous holder. Only for locks whose run is gone (crashed host, killed job): breaking a live run's lock lets two runs change the cluster at once. Needs --force (exit 2 without it).`

  static override examples = [
    '<%= config.bin %> cluster unlock --name prod.k8s.acme.de --state-bucket s3://acme-kops-state --force',
    '<%= config.bin %> cluster unlock -f clusters/prod.yaml --force --json',
  ]

  static override flags = {
    file: Flags.string({...CLUSTER_FILE_FLAG_OPTIONS, exclusive: ['name']}),
    name: Flags.string({description: 'Cluster name, instead of -f (needs --state-bucket)', helpValue: 'NAME'}),
    'state-bucket': stateBucketFlag({description: 'State bucket, with --name', env: 'KOPS_STATE_STORE', aliases: ['state'], helpValue: 's3://BUCKET'}),
    force: Flags.boolean({description: 'Confirm breaking the lock', default: false}),
    profile: awsProfileFlag,
  }

  async run(): Promise<UnlockResult> {
    const {flags} = await this.parse(ClusterUnlock)
    if (!flags.force) throw new UsageError('cluster unlock breaks another run\'s lock; pass --force to confirm', {suggestions: ['Make sure the run holding the lock is gone, then add --force']})
    const deps = createDeps({interactive: this.interactive, awsProfile: flags.profile})
    const target = await this.target(deps, flags)
    const result = await unlockCluster(await deps.operationContext({warn: (m) => this.addWarning(m)}), {...target, command: ['kopsmith', 'cluster', 'unlock', ...this.argv]})
    this.log(`${result.released ? 'Unlocked' : 'Nothing to unlock:'} ${result.cluster}: ${result.summary}\nAudit record: s3://${target.bucket}/${result.auditKey}`)
    return result
  }

  private async target(deps: ReturnType<typeof createDeps>, flags: {file?: string; name?: string; 'state-bucket'?: string}): Promise<{cluster: string; bucket: string}> {
    if (flags.file) {
      const {config} = await loadClusterFile(deps.files, flags.file, {now: deps.clock.now()})
      return {cluster: config.name, bucket: config.stateStore.bucket}
    }
    if (!flags.name) throw new UsageError('name the cluster to unlock: -f FILE, or --name NAME with --state-bucket s3://BUCKET')
    if (!flags['state-bucket']) throw new UsageError('--name needs the state bucket: pass --state-bucket s3://BUCKET or set KOPS_STATE_STORE')
    return {cluster: flags.name, bucket: flags['state-bucket']}
  }
}
