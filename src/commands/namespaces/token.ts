import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../base-command.js'
import {createDeps} from '../../deps.js'
import {clusterNameFlag, contextFlag, durationFlag, kubeconfigFlag} from '../../flags.js'
import {issueNamespaceToken, type NamespaceTokenResult} from '../../services/namespace-token.js'

export default class NamespacesToken extends BaseCommand {
  static override description = `Issue a short-lived credential for a namespace's CI deployer

Requests a token of the namespace's "deployer" ServiceAccount through the TokenRequest API: bound to that ServiceAccount, expiring after --duration (10m to 24h), allowed only what the deployer Role allows in that namespace (docs/access.md). Prints a kubeconfig for it (or, with --output token, the bare token) on standard output and writes nothing to disk. Your own kubeconfig needs create on serviceaccounts/token in the namespace, which the team's edit role has: no admin credentials are involved.`

  static override examples = [
    '<%= config.bin %> namespaces token payments --cluster prod.k8s.acme.de > deployer.kubeconfig',
    '<%= config.bin %> namespaces token payments --cluster prod.k8s.acme.de --duration 30m --output token',
    '<%= config.bin %> namespaces token payments --kubeconfig ~/.kube/prod --context prod --json',
  ]

  static override args = {
    namespace: Args.string({description: 'Namespace whose deployer the token is for (deployer: true in the namespaces file)', required: true}),
  }

  static override flags = {
    cluster: clusterNameFlag({description: 'The cluster the token is for: the kubeconfig context must point at its API (api.NAME or api.internal.NAME); needed unless --context names the context'}),
    kubeconfig: kubeconfigFlag,
    context: contextFlag,
    duration: durationFlag({description: 'How long the token stays valid, 10m to 24h', default: 60 * 60_000, defaultHelp: async () => '1h'}),
    output: Flags.option({char: 'o', description: 'Print a kubeconfig or only the token', options: ['kubeconfig', 'token'] as const, default: 'kubeconfig' as const})(),
  }

  async run(): Promise<NamespaceTokenResult> {
    const {args, flags} = await this.parse(NamespacesToken)
    const deps = createDeps({interactive: this.interactive})
    const result = await issueNamespaceToken(deps, {
      namespace: args.namespace,
      target: {kubeconfig: flags.kubeconfig, context: flags.context, cluster: flags.cluster},
      durationMs: flags.duration,
      output: flags.output,
    })
    // The credential alone on stdout, so `> file` or `$(…)` captures exactly it; the rest on stderr.
    this.log((result.output === 'token' ? result.token : result.kubeconfig)?.trimEnd())
    this.logToStderr(`Token for ${result.user} at ${result.server}, valid until ${result.expiresAt}`)
    return result
  }
}
