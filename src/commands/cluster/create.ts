import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../base-command.js'
import {GUARDED_CHANGES, type GuardedChangeKind} from '../../core/cluster-changes.js'
import type {CreateStage} from '../../core/create-plan.js'
import {DeclinedError, UsageError} from '../../core/errors.js'
import {clusterCreatePorts, createDeps} from '../../deps.js'
import {awsProfileFlag, clusterFileFlag, dryRunFlag, durationFlag, kopsBinaryFlag, kopsTimeoutFlag, yesFlag} from '../../flags.js'
import {loadClusterFile} from '../../services/load-cluster-file.js'
import {planClusterCreate} from '../../services/create-cluster.js'
import {formatPlan} from '../../ui/plan-printer.js'
import {formatRunSummary} from '../../ui/run-summary.js'

export default class ClusterCreate extends BaseCommand {
  static override description = `Create a hardened, private cluster from a cluster file

preflight → state bucket → DNS zone → render kops spec → kops create/replace → encryption secret → kops update → validate → kubeconfig → addons → namespaces. Every step finds what exists and acts only where needed, so a re-run after any failure resumes. Without --yes an interactive run first shows the plan from the run's own preflight — buckets, the hosted zone and its delegation, the stored spec, kopsmith's record, the encryption secret, kops' dry run of update — marking = what is already there, and asks; --dry-run stays offline.`

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
    'write-kubeconfig': Flags.boolean({
      description: "Also write a context for the cluster into your kubeconfig (the first KUBECONFIG file, else ~/.kube/config), as kops and eksctl do. Off by default: it is an admin credential; kopsmith's own copy lives in its state directory",
      default: false,
    }),
    'allow-change': Flags.string({
      description: 'Changes to an existing cluster you mean, otherwise refused (exit 9): profile, protected (true → false), control-plane and etcd (groups or members removed), region, network-cidr, zones (removed), kubernetes-version (another minor); audited',
      options: [...GUARDED_CHANGES],
      multiple: true,
      delimiter: ',',
      helpValue: 'CHANGE,…',
    }),
    wait: durationFlag({description: 'How long to wait for the cluster to validate', default: 30 * 60_000}),
    kops: kopsBinaryFlag,
    'kops-timeout': kopsTimeoutFlag,
    profile: awsProfileFlag,
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(ClusterCreate)
    const deps = createDeps({interactive: this.interactive, awsProfile: flags.profile, kopsBinary: flags.kops, kopsTimeouts: flags['kops-timeout']})
    const {config} = await loadClusterFile(deps.files, flags.file)
    const allowChanges = new Set((flags['allow-change'] ?? []) as GuardedChangeKind[])
    const input = {
      config,
      file: flags.file,
      skip: new Set((flags.skip ?? []) as CreateStage[]),
      delegate: flags.delegate,
      allowChanges,
      outputDir: flags['output-dir'],
      ...(flags['write-kubeconfig'] ? {writeKubeconfig: (await import('../../adapters/kube/kubeconfig-loader.js')).userKubeconfigFile(process.env)} : {}),
    }
    if (flags['dry-run']) {
      const result = await planClusterCreate(deps, input)
      this.log(formatPlan(result.plan))
      if (result.files.length > 0) this.log(`\nWrote ${result.files.length} file(s) to ${flags['output-dir']}: ${result.files.join(', ')}`)
      this.log('\nDry run, offline: nothing in AWS or kops was read or changed. A real run checks every step against what exists first and shows this plan with what it found before it asks.')
      return result
    }
    if (!flags.yes && !this.interactive) {
      throw new UsageError(`cluster create changes AWS and needs confirmation, but this run is not interactive; pass --yes`, {
        suggestions: [`kopsmith cluster create -f ${flags.file} --yes`, `kopsmith cluster create -f ${flags.file} --dry-run   (review the plan first)`],
      })
    }
    // The real run's modules (listr2, lock, addons, namespaces…) load only when something is applied.
    const {applyClusterCreate, previewClusterCreate} = await import('../../services/apply-cluster-create.js')
    const ports = await clusterCreatePorts(deps, (m) => this.addWarning(m))
    const real = {...input, outputDir: undefined}
    if (!flags.yes) {
      this.log(formatPlan(await previewClusterCreate(ports, real)))
      if (!(await (await deps.prompter()).confirm(`Create ${config.name} as planned?`, false))) throw new DeclinedError(`not creating ${config.name}: answered no; nothing was changed`)
    }
    const display = this.jsonEnabled() ? 'silent' : this.interactive ? 'tty' : 'plain'
    const result = await applyClusterCreate(ports, real, {display, waitMs: flags.wait, command: ['cluster', 'create', ...this.argv]})
    this.log(formatRunSummary(`Cluster ${config.name} is ready`, result.summary))
    return result
  }
}

