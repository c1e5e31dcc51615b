import {ApiError, PreconditionError, UsageError} from '../core/errors.js'
import {DEPLOYER_SERVICE_ACCOUNT, serviceAccountUser, tokenKubeconfig, tokenRequestSeconds} from '../core/namespaces/token.js'
import type {Kube, KubeTarget} from '../ports.js'

export interface NamespaceTokenPorts {
  kube(target: KubeTarget): Promise<Kube>
}

export interface NamespaceTokenInput {
  namespace: string
  /**
   * The caller's own login to the cluster (kubeconfig, context, and the cluster it must point at):
   * the token is requested with its credentials and is valid at its server.
   */
  target: KubeTarget
  durationMs: number
  output: 'kubeconfig' | 'token'
}

export interface NamespaceTokenResult {
  namespace: string
  serviceAccount: string
  /** Who the API server sees: system:serviceaccount:NAMESPACE:deployer. */
  user: string
  /** RFC 3339, as the API server set it. */
  expiresAt: string
  server: string
  output: 'kubeconfig' | 'token'
  /** The credential itself: exactly one of the two, as asked. */
  kubeconfig?: string
  token?: string
}

/**
 * `namespaces token`: a bound, expiring token for the namespace's `deployer` ServiceAccount
 * (TokenRequest API), as a kubeconfig that can deploy into that namespace and nowhere else, or as
 * the bare token. Nothing is written anywhere; the caller's identity needs `create` on
 * `serviceaccounts/token` in the namespace (the `edit` role of Kubernetes ≥ 1.31 has it).
 */
export async function issueNamespaceToken(ports: NamespaceTokenPorts, input: NamespaceTokenInput): Promise<NamespaceTokenResult> {
  const expirationSeconds = tokenRequestSeconds(input.namespace, input.durationMs)
  // A token is a credential for whichever cluster the context points at: the run names the cluster.
  if (input.target.cluster === undefined && input.target.context === undefined) {
    throw new UsageError('namespaces token issues a credential for a cluster; name it with --cluster NAME (checked against the kubeconfig context) or --context NAME', {
      suggestions: [`kopsmith namespaces token ${input.namespace} --cluster prod.k8s.acme.de`],
    })
  }
  const kube = await ports.kube(input.target)
  try {
    const issued = await kube.requestServiceAccountToken(input.namespace, DEPLOYER_SERVICE_ACCOUNT, {expirationSeconds}).catch((error: unknown) => {
      throw explain(error, input.namespace)
    })
    const result: NamespaceTokenResult = {
      namespace: input.namespace,
      serviceAccount: DEPLOYER_SERVICE_ACCOUNT,
      user: serviceAccountUser(input.namespace, DEPLOYER_SERVICE_ACCOUNT),
      expiresAt: issued.expirationTimestamp,
      server: issued.server,
      output: input.output,
    }
    if (input.output === 'token') return {...result, token: issued.token}
    return {...result, kubeconfig: tokenKubeconfig({namespace: input.namespace, serviceAccount: DEPLOYER_SERVICE_ACCOUNT, ...issued})}
  } finally {
    kube.close()
  }
}

/** The two answers a user can act on, said in their terms; everything else stays as the adapter put it. */
function explain(error: unknown, namespace: string): unknown {
  if (!(error instanceof ApiError)) return error
  const status = error.details?.status
  if (status === 404) {
    return new PreconditionError(`namespace ${namespace} has no ServiceAccount "${DEPLOYER_SERVICE_ACCOUNT}"`, {
      cause: error,
      suggestions: [`Set deployer: true for ${namespace} in the namespaces file, then: kopsmith namespaces bootstrap -f namespaces.yaml -c CLUSTER_FILE --yes`, 'Check the namespace name and the kubeconfig\'s cluster'],
      details: {namespace, serviceAccount: DEPLOYER_SERVICE_ACCOUNT},
    })
  }
  if (status === 403) {
    return new ApiError(error.message, {
      cause: error,
      suggestions: [
        `Log in as a member of the namespace's team: its edit role may create serviceaccounts/token in ${namespace}`,
        'Or run this once as a platform engineer with the admin kubeconfig and hand the result to CI as a secret',
      ],
      details: error.details,
    })
  }
  return error
}
