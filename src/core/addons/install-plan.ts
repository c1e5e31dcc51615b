import {applyStages, applyStageSteps, type ApplyStage} from '../apply/apply-plan.js'
import type {Plan} from '../plan.js'
import type {KubeObject} from '../../ports.js'

export const GATEWAY_API_STEP = 'addons:gateway-api'

export interface AddonsInstallPlanInput {
  cluster: string
  /** Every object the enabled addons render, the Gateway API bundle included. */
  objects: readonly KubeObject[]
  /** The Gateway API release the ingress addon ships, when it is enabled. */
  gatewayApi?: {version: string; channel: string; objects: number}
  prune: boolean
  /** The addons whose objects prune may delete (switched-off ones included). */
  pruneScopes: readonly string[]
  timeoutMs: number
}

/**
 * What `addons install` does, step by step, from the rendered addons alone (no cluster needed): the
 * Gateway API decision, then the apply engine's stages in its order. Which objects are already as
 * rendered, and which Gateway API objects are kept, is found when the steps run.
 */
export function buildAddonsInstallPlan(input: AddonsInstallPlanInput): {plan: Plan; stages: ApplyStage[]} {
  const stages = applyStages(input.objects, {prune: input.prune})
  const gateway = input.gatewayApi
  return {
    stages,
    plan: {
      operation: 'addons install',
      cluster: input.cluster,
      steps: [
        ...(gateway
          ? [
              {
                id: GATEWAY_API_STEP,
                title: `Compare Gateway API ${gateway.version} (${gateway.channel}) with the cluster's: ${gateway.objects} object(s)`,
                action: 'check' as const,
                reason: 'installs what is missing, upgrades an older release (taking its fields); keeps a newer or experimental-channel release',
              },
            ]
          : []),
        ...applyStageSteps('addons', input.objects, stages, {pruneReason: `objects of the addons ${input.pruneScopes.join(', ')} that are no longer rendered, switched-off addons included`, timeoutMs: input.timeoutMs}),
      ],
    },
  }
}
