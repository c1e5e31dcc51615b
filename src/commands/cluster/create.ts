import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import type {CreateStage} from '../../core/create-plan.js'
import {DeclinedError, UsageError} from '../../core/errors.js'
import {clusterCreatePorts, createDeps} from '../../deps.js'
import {awsProfileFlag, clusterFileFlag, dryRunFlag, durationFlag, kopsBinaryFlag, yesFlag} from '../../flags.js'
import {loadClusterFile} from '../../services/load-cluster-file.js'
import {planClusterCreate} from '../../services/create-cluster.js'
import {formatPlan} from '../../ui/plan-printer.js'

export default class ClusterCreate extends BaseCommand {
  static override description = `Create a hardened, private cluster from a cluster file

preflight → state bucket → DNS zone → render kops spec → kops create/replace → encryption secret → kops update → validate → kubeconfig → addons → namespaces. Every step finds what exists and acts only where needed, so a re-run after any failure resumes.`

  static override examples = [
    '<%= config.bin %> cluster create -f examples/production.yaml --dry-run',
    '<%= config.bin %> cluster create -f examples/production.yaml --dry-run --output-dir out/',
    '<%= config.bin %> cluster create -f clusters/prod.yaml --yes --json',
  ]

  static override flags = {
    file: clusterFileFlag,
    'dry-run': dryRunFlag,
    yes: yesFlag,
    'output-dir': Flags.string({description: 'With --dry-run: write the rendered manifests here', dependsOn: ['dry-run'], helpValue: 'DIR'}),
    skip: Flags.string({description: 'Stop once the cluster is healthy: skip these stages', options: ['addons', 'namespaces'], multiple: true, delimiter: ','}),
    delegate: Flags.boolean({description: 'Public zones: upsert the NS delegation in the parent zone (same account)', default: false}),
    wait: durationFlag({description: 'How long to wait for the cluster to validate', default: 30 * 60_000}),
    kops: kopsBinaryFlag,
    profile: awsProfileFlag,
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(ClusterCreate)
    const deps = createDeps({interactive: this.interactive, awsProfile: flags.profile, kopsBinary: flags.kops})
    const {config} = await loadClusterFile(deps.files, flags.file)
    const input = {config, file: flags.file, skip: new Set((flags.skip ?? []) as CreateStage[]), delegate: flags.delegate, outputDir: flags['output-dir']}
    if (flags['dry-run']) {
      const result = await planClusterCreate(deps, input)
      this.log(formatPlan(result.plan))
      if (result.files.length > 0) this.log(`\nWrote ${result.files.length} file(s) to ${flags['output-dir']}: ${result.files.join(', ')}`)
      return result
    }
    if (!flags.yes && !this.interactive) {
      throw new UsageError(`cluster create changes AWS and needs confirmation, but this run is not interactive; pass --yes`, {
        suggestions: [`kopsmith cluster create -f ${flags.file} --yes`, `kopsmith cluster create -f ${flags.file} --dry-run   (review the plan first)`],
      })
    }
    const preview = await planClusterCreate(deps, {...input, outputDir: undefined}, {store: await deps.stateStore()})
    if (!flags.yes) {
      this.log(formatPlan(preview.plan))
      if (!(await (await deps.prompter()).confirm(`Create ${config.name} as planned?`, false))) throw new DeclinedError(`not creating ${config.name}: answered no; nothing was changed`)
    }
    const display = this.jsonEnabled() ? 'silent' : this.interactive ? 'tty' : 'plain'
    // The real run's modules (listr2, lock, addons, namespaces…) load only when something is applied.
    const {applyClusterCreate} = await import('../../services/apply-cluster-create.js')
    return applyClusterCreate(await clusterCreatePorts(deps, (m) => this.addWarning(m)), input, preview.plan, {display, waitMs: flags.wait, command: ['cluster', 'create', ...this.argv]})
  }
}
