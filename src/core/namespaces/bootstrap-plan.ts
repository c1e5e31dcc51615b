import {applyStages, applyStageSteps, type ApplyStage} from '../apply/apply-plan.js'
import type {Plan} from '../plan.js'
import type {KubeObject} from '../../ports.js'

/**
 * What `namespaces bootstrap` does, step by step, from the rendered set alone: the apply engine's
 * stages in its order. Which objects are already as rendered is found when the steps run.
 */
export function buildNamespacesBootstrapPlan(input: {cluster: string; setName: string; objects: readonly KubeObject[]; prune: boolean; timeoutMs: number}): {plan: Plan; stages: ApplyStage[]} {
  const stages = applyStages(input.objects, {prune: input.prune})
  return {
    stages,
    plan: {
      operation: 'namespaces bootstrap',
      cluster: input.cluster,
      steps: applyStageSteps('namespaces', input.objects, stages, {pruneReason: `namespaces and objects of the set "${input.setName}" that the file no longer lists`, timeoutMs: input.timeoutMs}),
    },
  }
}
