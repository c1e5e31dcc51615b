import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../base-command.js'
import {PreconditionError} from '../core/errors.js'
import {createDeps} from '../deps.js'
import {awsProfileFlag, CLUSTER_FILE_FLAG_OPTIONS, kopsBinaryFlag, kopsTimeoutFlag} from '../flags.js'
import {type CheckStatus, type DoctorReport, runDoctor} from '../services/doctor.js'
import {loadClusterFile} from '../services/load-cluster-file.js'
import {formatTable} from '../ui/table.js'

const MARK: Record<CheckStatus, string> = {ok: 'ok', warn: 'WARN', fail: 'FAIL', skip: '-'}

export default class Doctor extends BaseCommand {
  static override description = `Check that everything kopsmith needs is in place

kops (and whether it supports the cluster's Kubernetes version), AWS identity and region; with -f also the state and discovery buckets (presence, region, hardening drift), the hosted zone and its delegation. Reads only. Exit 0 when nothing failed (warnings allowed), 4 when a precondition failed.`

  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor -f clusters/prod.yaml --json']

  static override flags = {
    file: Flags.string({...CLUSTER_FILE_FLAG_OPTIONS}),
    kops: kopsBinaryFlag,
    'kops-timeout': kopsTimeoutFlag,
    profile: awsProfileFlag,
  }

  async run(): Promise<DoctorReport> {
    const {flags} = await this.parse(Doctor)
    const deps = createDeps({interactive: this.interactive, awsProfile: flags.profile, kopsBinary: flags.kops, kopsTimeouts: flags['kops-timeout']})
    const config = flags.file ? (await loadClusterFile(deps.files, flags.file, {now: deps.clock.now()})).config : undefined
    const report = await runDoctor(deps, {...(config ? {config} : {}), configuredRegion: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION})
    this.log(formatTable(['', 'check', 'result'], report.checks.map((c) => [MARK[c.status], c.title, c.detail])))
    // Failed checks' suggestions come out once, under "Try this:", with the error below.
    for (const c of report.checks) if (c.status !== 'fail') for (const s of c.suggestions ?? []) this.log(`  ${c.title}: ${s}`)
    if (!report.ok) {
      const failed = report.checks.filter((c) => c.status === 'fail')
      throw new PreconditionError(`doctor found ${failed.length} problem${failed.length === 1 ? '' : 's'}: ${failed.map((c) => c.title).join(', ')}`, {
        suggestions: failed.flatMap((c) => c.suggestions ?? []),
        details: {...report},
      })
    }
    return report
  }
}
