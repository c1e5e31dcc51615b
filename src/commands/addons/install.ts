import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../base-command.js'
import {UsageError} from '../../core/errors.js'
import {createDeps} from '../../deps.js'
import {clusterFileFlag, contextFlag, dryRunFlag, durationFlag, kubeconfigFlag, yesFlag} from '../../flags.js'
import {installAddons, type InstallAddonsResult} from '../../services/addons.js'
import {loadClusterFile} from '../../services/load-cluster-file.js'
import {formatDryRunSteps, formatPlan} from '../../ui/plan-printer.js'
import {formatRunSummary} from '../../ui/run-summary.js'

export default class AddonsInstall extends BaseCommand {
  static override description = `Install or update the cluster addons (Traefik, cluster-autoscaler, Fluent Bit)

Runs a plan, one step per stage: the Gateway API decision (addons:gateway-api), server-side apply (field manager kopsmith) phase by phase — namespaces, CRDs (until Established), RBAC, config, workloads — the rollout wait (addons:rollout), webhooks, then with --prune the deletion of objects of our addons that are no longer rendered, including addons switched off in the cluster file (addons:prune). --dry-run prints the plan; without --yes an interactive run shows it and asks (a non-interactive one exits 2). Without a TTY each step prints a timestamped line when it starts and when it ends; a finished run ends with a summary. Ctrl-C stops the running step before its next request: exit 130, the step recorded interrupted; a re-run sends only what is missing.

The ingress addon ships Gateway API v1.6.1 (standard channel) exactly as upstream releases it. Each of its objects is installed when missing and upgraded when the cluster's gateway.networking.k8s.io/bundle-version is older; a newer or experimental-channel release is kept and reported. --dry-run reads the cluster and reports what each step would do; --dry-run --output-dir only renders, without a cluster.`

  static override examples = [
    '<%= config.bin %> addons install -f clusters/prod.yaml --dry-run --output-dir out/addons',
    '<%= config.bin %> addons install -f clusters/prod.yaml --yes',
    '<%= config.bin %> addons install -f clusters/prod.yaml --prune --yes --json',
  ]

  static override flags = {
    file: clusterFileFlag,
    kubeconfig: kubeconfigFlag,
    context: contextFlag,
    'force-conflicts': Flags.boolean({description: 'Take ownership of fields another field manager owns', default: false}),
    prune: Flags.boolean({description: 'Delete objects of our addons that are no longer rendered', default: false}),
    timeout: durationFlag({description: 'How long to wait for CRDs and rollouts', default: 5 * 60_000}),
    'dry-run': dryRunFlag,
    'output-dir': Flags.string({description: 'With --dry-run: write the rendered manifests here (one file per addon)', dependsOn: ['dry-run'], helpValue: 'DIR'}),
    yes: yesFlag,
  }

  async run(): Promise<InstallAddonsResult> {
    const {flags} = await this.parse(AddonsInstall)
    const deps = createDeps({interactive: this.interactive})
    const {config} = await loadClusterFile(deps.files, flags.file)
    const dryRun = flags['dry-run']
    const ask = !dryRun && !flags.yes
    if (ask && !this.interactive) throw new UsageError('addons install changes the cluster; a non-interactive run needs --yes', {suggestions: ['Add --yes', 'Or render only: --dry-run --output-dir DIR']})
    const result = await installAddons(deps, {
      config,
      file: flags.file,
      kubeconfig: flags.kubeconfig,
      context: flags.context,
      force: flags['force-conflicts'],
      prune: flags.prune,
      timeoutMs: flags.timeout,
      dryRun,
      outputDir: flags['output-dir'],
      ...(ask
        ? {
            confirm: async (plan) => {
              this.log(formatPlan(plan))
              return (await deps.prompter()).confirm(`Install the addons on ${config.name}${flags.prune ? ' and prune what is no longer rendered' : ''}?`, false)
            },
          }
        : {}),
      // A dry run's steps only read; its plan is printed below, with what each step found.
      display: this.jsonEnabled() || dryRun ? 'silent' : this.interactive ? 'tty' : 'plain',
    })
    if (dryRun) this.log(formatPlan(result.plan))
    for (const a of result.addons) this.log(`${a.enabled ? '✓' : '-'} ${a.name} ${a.version}${a.enabled ? ` (${a.objects} objects)` : ' (disabled)'}`)
    const gateway = result.gatewayApi
    if (gateway) {
      this.log(`Gateway API ${gateway.version} (${gateway.channel})${dryRun && gateway.checked ? ', dry run — would be' : ''}: ${gateway.summary}`)
      for (const o of gateway.objects.filter((x) => x.action === 'keep-newer' || x.action === 'keep-channel')) {
        this.addWarning(`${o.kind} ${o.name}: ${o.summary}; the ingress addon is tested with Gateway API ${gateway.version} ${gateway.channel}`)
      }
    }
    if (result.files.length > 0) this.log(`Wrote ${result.files.length} file(s) to ${flags['output-dir']}: ${result.files.join(', ')}`)
    else {
      if (dryRun && result.steps) this.log(formatDryRunSteps(result.steps))
      const pruned = result.pruned.length > 0 ? `, ${dryRun ? 'would prune' : 'pruned'} ${result.pruned.length}` : ''
      this.log(`${dryRun ? 'Would apply' : 'Applied'} ${result.applied} object(s), ${result.unchanged} unchanged${pruned}`)
    }
    if (dryRun) this.log('Dry run: nothing was applied.')
    if (result.summary) this.log(formatRunSummary(`Addons installed on ${config.name}`, result.summary))
    return result
  }
}
