import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../base-command.js'
import {createDeps} from '../../deps.js'
import {awsProfileFlag, clusterFileFlag, kopsBinaryFlag, kopsTimeoutFlag} from '../../flags.js'
import {assertAuditPassed, auditCluster, formatAuditReport, type AuditClusterResult} from '../../services/audit-cluster.js'
import {loadClusterFile} from '../../services/load-cluster-file.js'

export default class ClusterAudit extends BaseCommand {
  static override description = `Check the hardening baseline H01–H19 (docs/hardening.md)

On the kops spec kopsmith renders from the cluster file, or with --live on the spec kops stored in the state bucket (CLUSTER/config, CLUSTER/instancegroup/*), plus the field-level drift between the two. Exits 9 when any check fails that the cluster file does not waive.`

  static override examples = [
    '<%= config.bin %> cluster audit -f examples/production.yaml',
    '<%= config.bin %> cluster audit -f clusters/prod.yaml --live --json',
  ]

  static override flags = {
    file: clusterFileFlag,
    live: Flags.boolean({description: 'Audit the spec stored in the state bucket and show drift (reads S3)', default: false}),
    kops: kopsBinaryFlag,
    'kops-timeout': kopsTimeoutFlag,
    profile: awsProfileFlag,
  }

  async run(): Promise<AuditClusterResult> {
    const {flags} = await this.parse(ClusterAudit)
    const deps = createDeps({interactive: this.interactive, awsProfile: flags.profile, kopsBinary: flags.kops, kopsTimeouts: flags['kops-timeout']})
    const {config} = await loadClusterFile(deps.files, flags.file)
    const result = await auditCluster(deps, {config, live: flags.live, onWarning: (message) => this.addWarning(message)})
    this.log(formatAuditReport(result))
    assertAuditPassed(result)
    return result
  }
}
