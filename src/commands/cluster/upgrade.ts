import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../base-command.js'
import {DeclinedError, ExitCode} from '../../core/errors.js'
import {createDeps} from '../../deps.js'
import {awsProfileFlag, clusterFileFlag, dryRunFlag, durationFlag, kopsBinaryFlag, kopsTimeoutFlag, yesFlag} from '../../flags.js'
import {reapplyMinorFollowingAddons} from '../../services/addons.js'
import {loadClusterFile} from '../../services/load-cluster-file.js'
import {upgradeCluster, type UpgradeResult} from '../../services/upgrade-cluster.js'
import {formatPlan} from '../../ui/plan-printer.js'
import {formatRunSummary} from '../../ui/run-summary.js'

export default class ClusterUpgrade extends BaseCommand {
  static override description = `Upgrade Kubernetes one minor at a time, validating before and after each hop

Plans the path from the version in the state store to --to (default: the file's kubernetesVersion), intermediate hops on kops' stable-channel patches, never skipping a minor. Under the cluster lock, per hop: set the version, kops reconcile (or update + rolling-update, control plane first), validate. The plan names per hop the instance groups that roll, in order, with their instances (from kops' rolling-update preview; --json: result.rollout). That preview lists the cluster's nodes, so the plan, --dry-run included, needs the cluster's API like the upgrade does: off the VPN it stops there (exit 5). A re-run resumes mid-path; a cluster that moved on between the plan and the lock is not touched (exit 4: run again for a fresh plan). Non-interactive runs (scheduled jobs) act only inside spec.upgrade.window unless --ignore-window: outside it they exit 0 with status "skipped". --dry-run --detailed-exitcode exits 20 when an upgrade is due.`

  static override examples = [
    '<%= config.bin %> cluster upgrade -f clusters/prod.yaml --dry-run',
    '<%= config.bin %> cluster upgrade -f clusters/prod.yaml --dry-run --detailed-exitcode  # 20: upgrade due',
    '<%= config.bin %> cluster upgrade -f clusters/prod.yaml --to 1.36 --yes',
    '<%= config.bin %> cluster upgrade -f /config/cluster.yaml --yes --json  # from a CronJob',
  ]

  static override flags = {
    file: clusterFileFlag,
    to: Flags.string({description: "Target version, or a minor for its stable patch (default: the file's kubernetesVersion)", helpValue: 'VERSION'}),
    'dry-run': dryRunFlag,
    'detailed-exitcode': Flags.boolean({description: 'With --dry-run: exit 20 when an upgrade is due, 0 when not', dependsOn: ['dry-run'], default: false}),
    yes: yesFlag,
    'ignore-window': Flags.boolean({description: 'Run outside spec.upgrade.window (non-interactive runs honour it otherwise)', default: false}),
    wait: durationFlag({description: 'How long each validation after a hop may wait', default: 30 * 60_000}),
    interval: durationFlag({description: 'Pause between validation attempts', default: 10_000}),
    count: Flags.integer({description: 'Consecutive healthy validations required after each hop', min: 1, default: 2}),
    skip: Flags.string({description: 'Leave these alone after the hops (addons managed elsewhere)', options: ['addons'], multiple: true, delimiter: ','}),
    kops: kopsBinaryFlag,
    'kops-timeout': kopsTimeoutFlag,
    profile: awsProfileFlag,
  }

  async run(): Promise<UpgradeResult> {
    const {flags} = await this.parse(ClusterUpgrade)
    const deps = createDeps({interactive: this.interactive, awsProfile: flags.profile, kopsBinary: flags.kops, kopsTimeouts: flags['kops-timeout']})
    const {config} = await loadClusterFile(deps.files, flags.file, {now: deps.clock.now()})
    const result = await upgradeCluster(
      {
        kops: await deps.kops(),
        clock: deps.clock,
        workspace: deps.workspace,
        packageFiles: deps.packageFiles,
        operation: () => deps.operationContext({warn: (m) => this.addWarning(m)}),
        ...(flags.skip?.includes('addons')
          ? {}
          : {followAddons: async (version: string, signal: AbortSignal) => reapplyMinorFollowingAddons({...deps, kops: await deps.kops()}, config, version, signal)}),
      },
      {
        config,
        file: flags.file,
        ...(flags.to ? {to: flags.to} : {}),
        dryRun: flags['dry-run'],
        yes: flags.yes,
        interactive: this.interactive,
        ignoreWindow: flags['ignore-window'],
        command: ['kopsmith', 'cluster', 'upgrade', ...this.argv],
        validate: {waitMs: flags.wait, intervalMs: flags.interval, count: flags.count},
        confirm: async (plan) => {
          this.log(formatPlan(plan))
          return (await deps.prompter()).confirm(`Upgrade ${config.name} now?`, false)
        },
        onProgress: (e) => {
          if (e.kind === 'log') this.log(`Run log (kops output): ${e.path}`)
          else if (flags.verbose) this.log(`    ${e.line}`)
        },
        display: this.jsonEnabled() ? 'silent' : this.interactive ? 'tty' : 'plain',
      },
    )
    if (result.status === 'cancelled') throw new DeclinedError(`not upgrading ${config.name}: answered no; nothing was changed`)
    if (flags.to && result.to !== config.kubernetesVersion) {
      this.addWarning(`the cluster file says kubernetesVersion ${config.kubernetesVersion}, the target is ${result.to}: update the file, or \`cluster create\` will find the spec differs`)
    }
    this.log(summary(result))
    if (result.summary) this.log(formatRunSummary(`Upgrade of ${config.name}`, result.summary))
    if (flags['dry-run'] && flags['detailed-exitcode'] && result.status === 'planned') this.resultExitCode = ExitCode.ChangesPending
    return result
  }
}

function summary(r: UpgradeResult): string {
  switch (r.status) {
    case 'skipped':
      return `${r.cluster}: skipped, ${r.reason}; next window ${r.nextWindow?.start} – ${r.nextWindow?.end}`
    case 'up-to-date':
      return `${r.cluster} is on Kubernetes ${r.from}: nothing to upgrade`
    case 'planned':
      return `${r.plan ? `${formatPlan(r.plan)}\n\n` : ''}${r.cluster}: upgrade due, ${r.from} → ${r.to} in ${r.hops.length} hop(s) with kops ${r.kops}`
    case 'cancelled':
      return 'Cancelled; nothing was changed.'
    case 'upgraded':
      return `${r.cluster} is on Kubernetes ${r.to} (${r.hops.map((h) => h.to).join(' → ') || 'rollout finished'})`
  }
}
