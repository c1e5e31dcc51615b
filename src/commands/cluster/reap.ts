import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../base-command.js'
import {DeclinedError, UsageError} from '../../core/errors.js'
import {parseInstant} from '../../core/sandbox/reap.js'
import {createDeps} from '../../deps.js'
import {awsProfileFlag, dryRunFlag, kopsBinaryFlag, kopsTimeoutFlag, s3StateFlag, yesFlag} from '../../flags.js'
import {reapClusters, reapExitCode, type ReapSummary} from '../../services/reap-clusters.js'

export default class ClusterReap extends BaseCommand {
  static override description = `Delete expired sandbox clusters, never anything else

For scheduled jobs. A cluster is reaped only when kopsmith's record (metadata.json) AND the stored kops spec's kopsmith.dev/profile label both say sandbox, the record says protected: false, and the expiry lies before --at. Cloud labels can only postpone a reap, never cause one: a production or protected cluster is skipped whatever its labels say, and a sandbox's expiry is the later of its record and its kopsmith.dev/expires-at label. A sandbox without an expiry is kept, with a warning.

Deletes one cluster at a time through \`cluster delete\` (lock and audit record per cluster); a failure does not stop the others.

Exit codes: 0 every intended reap succeeded (or nothing to reap, or --dry-run); 5 a reap failed and at least one failure came from kops; 6 a reap failed otherwise (AWS error, lock held by another run, …); 2 no --yes in a non-interactive run; 9 answered no at the confirmation. The --json result lists {at, dryRun, reaped, kept, skipped, failed: [{name, error, code, exitCode}]}; with --dry-run, reaped lists what would be reaped.`

  static override examples = [
    '<%= config.bin %> cluster reap --state s3://acme-kops-state --dry-run',
    '<%= config.bin %> cluster reap --state s3://acme-kops-state --yes --json',
    '<%= config.bin %> cluster reap --at 2026-05-01T00:00:00Z --dry-run',
  ]

  static override flags = {
    state: s3StateFlag(),
    at: Flags.custom<Date>({
      description: 'Reap what expired before this time (RFC 3339, e.g. 2026-05-01T12:00:00Z; default now)',
      helpValue: 'TIME',
      parse: async (input) => {
        const at = parseInstant(input)
        if (!at) throw new UsageError(`--at ${input}: expected an RFC 3339 time with a zone, e.g. 2026-05-01T12:00:00Z`)
        return at
      },
    })(),
    'dry-run': dryRunFlag,
    yes: yesFlag,
    kops: kopsBinaryFlag,
    'kops-timeout': kopsTimeoutFlag,
    profile: awsProfileFlag,
  }

  async run(): Promise<ReapSummary> {
    const {flags} = await this.parse(ClusterReap)
    const bucket = flags.state
    if (!bucket) throw new UsageError('no S3 state store given', {suggestions: ['Pass --state s3://BUCKET or set KOPS_STATE_STORE']})
    const deps = createDeps({interactive: this.interactive, awsProfile: flags.profile, kopsBinary: flags.kops, kopsTimeouts: flags['kops-timeout']})
    const summary = await reapClusters(
      {
        delete: {kops: await deps.kops(), workspace: deps.workspace, clock: deps.clock, store: () => deps.stateStore(), operation: () => deps.operationContext({warn: (m) => this.addWarning(m)})},
        prompter: await deps.prompter(),
        log: (line) => this.log(line),
        warn: (message) => this.addWarning(message),
      },
      {bucket, at: flags.at ?? deps.clock.now(), dryRun: flags['dry-run'], yes: flags.yes, command: ['kopsmith', 'cluster', 'reap', ...this.argv]},
    )
    if (summary.cancelled) throw new DeclinedError('not reaping the expired sandbox clusters: answered no; nothing was deleted', {details: {...summary}})
    for (const f of summary.failed) this.addWarning(`${f.name}: ${f.error.split('\n')[0]}`)
    this.resultExitCode = reapExitCode(summary)
    return summary
  }
}
