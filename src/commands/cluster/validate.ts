import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../base-command.js'
import type {DriftEntry} from '../../core/drift.js'
import {CliError, RefusedError} from '../../core/errors.js'
import {createDeps} from '../../deps.js'
import {CLUSTER_FILE_FLAG_OPTIONS, clusterNameFlag, durationFlag, kopsBinaryFlag, kopsTimeoutFlag, s3StateFlag} from '../../flags.js'
import {auditCluster, formatAuditReport} from '../../services/audit-cluster.js'
import {resolveClusterTarget} from '../../services/cluster-target.js'
import {validateCluster, type ValidateClusterResult} from '../../services/validate-cluster.js'
import {formatValidation} from '../../ui/kops-reports.js'

export default class ClusterValidate extends BaseCommand {
  static override description = `Validate a running cluster with kops, in kopsmith's own loop

Runs \`kops validate cluster -o json\` (never kops' --wait) every --interval until --count consecutive attempts pass or --wait runs out; a failed attempt resets the count, so a flapping cluster does not pass. A healthy cluster is then audited against the hardening baseline on the spec kops stored (needs -f). Exit 0 healthy, 1 unhealthy, 7 when --wait ran out, 9 when healthy but a hardening check fails.`

  static override examples = [
    '<%= config.bin %> cluster validate -f clusters/prod.yaml',
    '<%= config.bin %> cluster validate -f clusters/prod.yaml --wait 15m --count 2 --json',
    '<%= config.bin %> cluster validate --name prod.k8s.acme.de --state s3://acme-kops-state',
  ]

  static override flags = {
    file: Flags.string({...CLUSTER_FILE_FLAG_OPTIONS, exclusive: ['name']}),
    name: clusterNameFlag({description: 'Cluster name, instead of -f (needs --state)'}),
    state: s3StateFlag({description: 'kops state store on S3, with --name'}),
    wait: durationFlag({description: 'Keep trying this long (0: validate once)', default: 0}),
    interval: durationFlag({description: 'Pause between attempts', default: 10_000}),
    count: Flags.integer({description: 'Consecutive healthy attempts required (default: 1, or 2 with --wait)', min: 1}),
    kops: kopsBinaryFlag,
    'kops-timeout': kopsTimeoutFlag,
  }

  async run(): Promise<ValidateClusterResult & {audit: LiveAuditSummary | null}> {
    const {flags} = await this.parse(ClusterValidate)
    const deps = createDeps({interactive: this.interactive, kopsBinary: flags.kops, kopsTimeouts: flags['kops-timeout']})
    const target = await resolveClusterTarget(deps.files, deps.clock.now(), {file: flags.file, name: flags.name, bucket: flags.state, verb: 'validate'})
    const kops = (await deps.kops()).withStateStore(`s3://${target.bucket}`)
    const count = flags.count ?? (flags.wait > 0 ? 2 : 1)
    try {
      const result = await validateCluster(kops, deps.clock, {
        cluster: target.name,
        waitMs: flags.wait,
        intervalMs: flags.interval,
        count,
        onAttempt: (a) => {
          if (flags.wait > 0) this.log(`attempt ${a.attempt}: ${a.healthy ? `healthy (${a.consecutive}/${count})` : (a.error ?? `${a.result.failures.length} failure(s)`)}`)
        },
      })
      this.log(formatValidation(result))
      // A healthy cluster is also checked against the hardening baseline, on the spec kops stored.
      if (!target.config) {
        this.addWarning('the hardening audit needs the cluster file: pass -f FILE to include it')
        return {...result, audit: null}
      }
      const audit = await auditCluster(deps, {config: target.config, live: true, onWarning: (m) => this.addWarning(m)})
      this.log(`\n${formatAuditReport(audit)}`)
      const summary: LiveAuditSummary = {failed: audit.failed, checks: audit.checks.map((c) => ({id: c.id, status: c.status})), drift: audit.drift ?? []}
      if (audit.failed.length > 0) {
        throw new RefusedError(`${target.name} is healthy but fails hardening check(s) ${audit.failed.join(', ')}`, {
          suggestions: [`kopsmith cluster audit -f ${flags.file} --live   (details and drift)`, `kopsmith cluster create -f ${flags.file} --yes   (converge the stored spec)`],
          details: {...result, audit: summary},
        })
      }
      return {...result, audit: summary}
    } catch (error) {
      const details = error instanceof CliError ? error.details : undefined
      if (details && Array.isArray(details.nodes)) this.log(formatValidation(details as unknown as ValidateClusterResult))
      throw error
    }
  }
}

export interface LiveAuditSummary {
  failed: string[]
  checks: Array<{id: string; status: string}>
  drift: DriftEntry[]
}
