import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../base-command.js'
import {UsageError} from '../../core/errors.js'
import {createDeps} from '../../deps.js'
import {CLUSTER_FILE_FLAG_OPTIONS, clusterNameFlag, contextFlag, dryRunFlag, durationFlag, kubeconfigFlag, yesFlag} from '../../flags.js'
import {loadClusterFile} from '../../services/load-cluster-file.js'
import {bootstrapNamespaces, type BootstrapNamespacesResult, type ClusterAccess} from '../../services/namespaces.js'
import {formatPlan} from '../../ui/plan-printer.js'
import {formatRunSummary} from '../../ui/run-summary.js'

export default class NamespacesBootstrap extends BaseCommand {
  static override description = `Bootstrap application namespaces from a NamespaceSet file

Per namespace: Pod Security "restricted", ResourceQuota, LimitRange, default-deny NetworkPolicies with allow rules for DNS (and the ingress controller, and listed egress), the team group bound to "edit", and an optional CI "deployer" ServiceAccount. Runs a plan, one step per apply phase (namespaces:apply-namespaces, namespaces:apply-rbac, namespaces:apply-config) with server-side apply (field manager kopsmith), then with --prune the deletion of namespaces and objects this set created before and no longer lists (namespaces:prune). --dry-run prints the plan, without a cluster; without --yes an interactive run shows it and asks (a non-interactive one exits 2). The cluster must be named (-c, --cluster or --context) before anything is asked. Without a TTY each step prints a timestamped line when it starts and when it ends; a finished run ends with a summary. Ctrl-C stops the running step before its next request: exit 130, the step recorded interrupted. With -c CLUSTER_FILE every team's group is checked first against who can log in to that cluster (an IAM role mapped to it, or the OIDC groups prefix): a group nobody can hold is an invalid file (exit 3).`

  static override examples = [
    '<%= config.bin %> namespaces bootstrap -f namespaces.yaml --dry-run --output-dir out/namespaces',
    '<%= config.bin %> namespaces bootstrap -f namespaces.yaml -c clusters/prod.yaml --yes',
    '<%= config.bin %> namespaces bootstrap -f namespaces.yaml --cluster prod.k8s.acme.de --yes',
    '<%= config.bin %> namespaces bootstrap -f namespaces.yaml --kubeconfig ~/.kube/config --context prod-admin --yes',
    '<%= config.bin %> namespaces bootstrap -f namespaces.yaml --prune --yes --json',
  ]

  static override flags = {
    file: Flags.string({char: 'f', description: 'NamespaceSet file (kopsmith/v1alpha1 NamespaceSet)', env: 'KOPSMITH_NAMESPACES_FILE', helpValue: 'FILE', required: true}),
    'cluster-file': Flags.string({
      ...CLUSTER_FILE_FLAG_OPTIONS,
      char: 'c',
      description: 'Cluster file of the target cluster: names the cluster (the kubeconfig context must point at its API), and every team group must be one that someone who logs in can hold (exit 3 otherwise)',
      exclusive: ['cluster'],
    }),
    cluster: clusterNameFlag({description: "The cluster to change, when you have no cluster file: the kubeconfig context must point at its API (api.NAME or api.internal.NAME); team groups go unchecked"}),
    kubeconfig: kubeconfigFlag,
    context: contextFlag,
    prune: Flags.boolean({description: 'Delete namespaces and objects of this set that the file no longer lists', default: false}),
    'force-conflicts': Flags.boolean({description: 'Take ownership of fields another field manager owns', default: false}),
    'dry-run': dryRunFlag,
    'output-dir': Flags.string({description: 'With --dry-run: write the rendered manifests here (one file per namespace)', dependsOn: ['dry-run'], helpValue: 'DIR'}),
    timeout: durationFlag({description: 'How long to wait for the apply to finish', default: 5 * 60_000}),
    yes: yesFlag,
  }

  async run(): Promise<BootstrapNamespacesResult> {
    const {flags} = await this.parse(NamespacesBootstrap)
    const deps = createDeps({interactive: this.interactive})
    const dryRun = flags['dry-run']
    const access = await this.clusterAccess(deps, flags['cluster-file'])
    const ask = !dryRun && !flags.yes
    if (ask && !this.interactive) throw new UsageError('namespaces bootstrap changes the cluster; a non-interactive run needs --yes', {suggestions: ['Add --yes', 'Or render only: --dry-run --output-dir DIR']})
    const result = await bootstrapNamespaces(deps, {
      file: flags.file,
      access,
      kubeconfig: flags.kubeconfig,
      context: flags.context,
      cluster: flags.cluster,
      prune: flags.prune,
      force: flags['force-conflicts'],
      dryRun,
      outputDir: flags['output-dir'],
      timeoutMs: flags.timeout,
      ...(ask
        ? {
            confirm: async (plan, namespaces) => {
              this.log(formatPlan(plan))
              return (await deps.prompter()).confirm(`Apply ${namespaces.length} namespace(s) (${namespaces.join(', ')})${flags.prune ? ' and prune what the file no longer lists' : ''}?`, false)
            },
          }
        : {}),
      display: this.jsonEnabled() ? 'silent' : this.interactive ? 'tty' : 'plain',
    })
    if (dryRun) this.log(`${formatPlan(result.plan)}\n\n${result.objects} object(s) for ${result.namespaces.length} namespace(s): ${result.namespaces.join(', ')}${result.files.length > 0 ? `\nWrote ${result.files.length} file(s) to ${flags['output-dir']}` : ''}\nDry run: nothing was applied.`)
    else this.log(`Applied ${result.applied} object(s), ${result.unchanged} unchanged, in ${result.namespaces.length} namespace(s)${result.pruned.length > 0 ? `, pruned ${result.pruned.length}` : ''}`)
    if (result.summary) this.log(formatRunSummary(`Namespaces of ${flags.file} applied to ${result.plan.cluster}`, result.summary))
    return result
  }

  /** How the target cluster authenticates, from -c; without it team groups go unchecked (a warning says so). */
  private async clusterAccess(deps: ReturnType<typeof createDeps>, clusterFile: string | undefined): Promise<ClusterAccess | undefined> {
    if (!clusterFile) {
      this.addWarning('team groups were not checked against who can log in to the cluster; pass its cluster file with -c FILE')
      return undefined
    }
    const {config} = await loadClusterFile(deps.files, clusterFile)
    return {cluster: config.name, authentication: config.authentication, clusterFile}
  }
}
