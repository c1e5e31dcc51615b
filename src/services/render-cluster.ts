import type {ClusterConfig} from '../core/config/types.js'
import {renderKopsSpec, type RenderedSpec, type RenderOptions} from '../core/render/kops-spec.js'
import type {PackageFiles} from '../ports.js'

export const TEMPLATE_PATHS = {
  cluster: 'templates/cluster.yaml',
  instanceGroup: 'templates/instancegroup.yaml',
  auditPolicy: 'templates/audit-policy.yaml',
} as const

/** Loads the shipped kops templates and renders the cluster's kops spec (Cluster + InstanceGroups). */
export async function renderClusterManifests(packageFiles: PackageFiles, config: ClusterConfig, options: RenderOptions = {}): Promise<RenderedSpec> {
  const [cluster, instanceGroup, auditPolicy] = await Promise.all([
    packageFiles.read(TEMPLATE_PATHS.cluster),
    packageFiles.read(TEMPLATE_PATHS.instanceGroup),
    packageFiles.read(TEMPLATE_PATHS.auditPolicy),
  ])
  return renderKopsSpec(config, {cluster, instanceGroup, auditPolicy}, options)
}
