/**
 * Where the addons that call AWS run, and as whom. Rendering grants these service accounts IAM
 * through IRSA (`spec.iam.serviceAccountExternalPermissions`), and the addon manifests create them;
 * both read this one table so the two can never drift apart.
 */
export const ADDON_IDENTITIES = {
  ingress: {namespace: 'traefik', serviceAccount: 'traefik'},
  clusterAutoscaler: {namespace: 'kube-system', serviceAccount: 'cluster-autoscaler'},
  logging: {namespace: 'logging', serviceAccount: 'fluent-bit'},
} as const

/** Tags on node InstanceGroups (cloudLabels) that cluster-autoscaler discovers ASGs by. */
export function autoscalerDiscoveryTags(clusterName: string): Record<string, string> {
  return {
    'k8s.io/cluster-autoscaler/enabled': 'true',
    [`k8s.io/cluster-autoscaler/${clusterName}`]: 'owned',
  }
}

/** CloudWatch Logs group that Fluent Bit ships a cluster's container logs to. */
export function logGroupName(clusterName: string): string {
  return `/kopsmith/${clusterName}/containers`
}
