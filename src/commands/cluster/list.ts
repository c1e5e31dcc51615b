import {BaseCommand} from '../../base-command.js'
import {UsageError} from '../../core/errors.js'
import {createDeps} from '../../deps.js'
import {awsProfileFlag, s3StateFlag} from '../../flags.js'
import {listClusters, type ListClustersResult} from '../../services/list-clusters.js'
import {formatTable} from '../../ui/table.js'

export default class ClusterList extends BaseCommand {
  static override description = `List the clusters in a kops state store

Reads the S3 state store directly (kops is not needed): every cluster kops stored there, with its Kubernetes version and kopsmith's record of it — profile, owner, protection and (sandboxes) the expiry \`cluster reap\` acts on.`

  static override examples = ['<%= config.bin %> cluster list --state s3://acme-kops-state', 'KOPS_STATE_STORE=s3://acme-kops-state <%= config.bin %> cluster list --json']

  static override flags = {
    state: s3StateFlag(),
    profile: awsProfileFlag,
  }

  async run(): Promise<ListClustersResult> {
    const {flags} = await this.parse(ClusterList)
    if (!flags.state) throw new UsageError('no state store given', {suggestions: ['Pass --state s3://BUCKET or set KOPS_STATE_STORE']})
    const deps = createDeps({interactive: this.interactive, awsProfile: flags.profile})
    const result = await listClusters(await deps.stateStore(), {bucket: flags.state, now: deps.clock.now()})
    if (result.clusters.length === 0) this.log(`No clusters in ${result.stateStore}`)
    else {
      this.log(
        formatTable(
          ['NAME', 'KUBERNETES', 'PROFILE', 'OWNER', 'EXPIRES'],
          result.clusters.map((c) => [c.name, c.kubernetesVersion ?? '-', `${c.profile ?? '-'}${c.protected ? ' (protected)' : ''}`, c.owner ?? '-', c.expiresAt ? `${c.expiresAt}${c.expired ? ' (expired)' : ''}` : '-']),
        ),
      )
    }
    return result
  }
}
