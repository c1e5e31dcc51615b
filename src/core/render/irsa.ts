import {ADDON_IDENTITIES, autoscalerDiscoveryTags, logGroupName} from '../addons/identities.js'
import type {ClusterConfig} from '../config/types.js'

/**
 * One `spec.iam.serviceAccountExternalPermissions[]` entry of a kops v1alpha2 Cluster. kops reads
 * `inlinePolicy` as a JSON array of IAM statements (pkg/model/iam ParseStatements) and wraps it in
 * the policy document itself; a whole `{"Version", "Statement"}` document makes `kops update
 * cluster` fail after `kops create -f` has accepted it.
 */
export interface ServiceAccountPermission {
  name: string
  namespace: string
  aws: {inlinePolicy: string}
}

/** The fields kops' iam.Statement keeps; it silently drops any other key (Sid, NotAction …). */
interface PolicyStatement {
  Effect: 'Allow'
  Action: string[]
  Resource: string | string[]
  Condition?: Record<string, Record<string, string>>
}

/**
 * IAM for the addons that call AWS, granted through IRSA because pods cannot reach node credentials
 * (IMDS hop limit 1). Each policy is scoped to this cluster: the autoscaler may only scale ASGs that
 * carry this cluster's discovery tags, Fluent Bit may only write to this cluster's log group.
 * The account is a wildcard because rendering is pure and runs before any AWS call.
 */
export function addonServiceAccountPermissions(config: ClusterConfig): ServiceAccountPermission[] {
  const out: ServiceAccountPermission[] = []
  if (config.addons.clusterAutoscaler.enabled) {
    const {namespace, serviceAccount} = ADDON_IDENTITIES.clusterAutoscaler
    out.push({name: serviceAccount, namespace, aws: {inlinePolicy: statementsJson(clusterAutoscalerStatements(config))}})
  }
  if (config.addons.logging.enabled && config.addons.logging.destination === 'cloudwatch') {
    const {namespace, serviceAccount} = ADDON_IDENTITIES.logging
    out.push({name: serviceAccount, namespace, aws: {inlinePolicy: statementsJson(fluentBitStatements(config))}})
  }
  return out.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))
}

function clusterAutoscalerStatements(config: ClusterConfig): PolicyStatement[] {
  const ownedByThisCluster = Object.fromEntries(
    Object.entries(autoscalerDiscoveryTags(config.name)).map(([key, value]) => [`aws:ResourceTag/${key}`, value]),
  )
  return [
    // Discover groups.
    {
      Effect: 'Allow',
      Action: [
        'autoscaling:DescribeAutoScalingGroups',
        'autoscaling:DescribeAutoScalingInstances',
        'autoscaling:DescribeLaunchConfigurations',
        'autoscaling:DescribeScalingActivities',
        'autoscaling:DescribeTags',
        'ec2:DescribeImages',
        'ec2:DescribeInstanceTypes',
        'ec2:DescribeLaunchTemplateVersions',
        'ec2:GetInstanceTypesFromInstanceRequirements',
      ],
      // Describe calls do not support resource-level permissions.
      Resource: '*',
    },
    // Scale only this cluster's groups.
    {
      Effect: 'Allow',
      Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
      Resource: `arn:aws:autoscaling:${config.region}:*:autoScalingGroup:*:autoScalingGroupName/*`,
      Condition: {StringEquals: ownedByThisCluster},
    },
  ]
}

function fluentBitStatements(config: ClusterConfig): PolicyStatement[] {
  const group = `arn:aws:logs:${config.region}:*:log-group:${logGroupName(config.name)}`
  return [
    {Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy'], Resource: group},
    {Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'], Resource: `${group}:*`},
    {Effect: 'Allow', Action: ['logs:DescribeLogGroups'], Resource: `arn:aws:logs:${config.region}:*:log-group:*`},
  ]
}

/** What `inlinePolicy` holds: the statements alone, as a JSON array (kops adds Version/Statement). */
function statementsJson(statements: PolicyStatement[]): string {
  return `${JSON.stringify(statements, null, 2)}\n`
}
