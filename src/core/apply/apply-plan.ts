import type {KubeObject} from '../../ports.js'
import {formatDuration} from '../config/duration.js'
import type {PlanStep} from '../plan.js'
import {buildApplyPhases, describeRef, refOf, type Phase} from './phases.js'
import {hasRollout} from './rollout.js'

/**
 * One stage of a server-side apply run, in the order the apply engine (services/apply-manifests.ts)
 * goes: the phases, the rollout wait (before the webhooks, which must not block their own backends,
 * else after the last phase), then prune.
 */
export type ApplyStage = {kind: 'phase'; phase: Phase} | {kind: 'rollout'} | {kind: 'prune'}

export interface ApplyStageOptions {
  /** Wait for Deployments/DaemonSets/StatefulSets to roll out (default true). */
  waitForRollout?: boolean
  prune: boolean
}

/** The stages of applying `objects`: non-empty phases only; a rollout wait only where something rolls out. */
export function applyStages(objects: readonly KubeObject[], options: ApplyStageOptions): ApplyStage[] {
  const stages: ApplyStage[] = []
  let rollout = options.waitForRollout !== false && objects.some(hasRollout)
  for (const {phase} of buildApplyPhases(objects)) {
    if (phase === 'webhooks' && rollout) {
      stages.push({kind: 'rollout'})
      rollout = false
    }
    stages.push({kind: 'phase', phase})
  }
  if (rollout) stages.push({kind: 'rollout'})
  if (options.prune) stages.push({kind: 'prune'})
  return stages
}

/** `addons:apply-crds`, `namespaces:rollout`, `addons:prune`. */
export function applyStageId(area: string, stage: ApplyStage): string {
  return stage.kind === 'phase' ? `${area}:apply-${stage.phase}` : `${area}:${stage.kind}`
}

const PHASE_TITLE: Record<Phase, string> = {
  namespaces: 'namespace',
  crds: 'CustomResourceDefinition',
  rbac: 'RBAC',
  config: 'configuration',
  workloads: 'workload',
  webhooks: 'admission webhook and policy',
}

const PHASE_REASON: Record<Phase, string> = {
  namespaces: 'first: everything else lives in them',
  crds: 'waits until each is Established, so the custom resources after it are served',
  rbac: 'identities and permissions before what runs with them',
  config: 'before the workloads that read it',
  workloads: 'once their identities and configuration exist',
  webhooks: 'last, once the workloads serving them run, so they never block their own backends',
}

export interface ApplyStepContext {
  /** What prune removes, e.g. `objects of the addons ingress, logging that are no longer rendered`. */
  pruneReason: string
  /** `--timeout`: CRDs, Terminating namespaces and rollouts must be done this long after the apply starts. */
  timeoutMs: number
}

/**
 * The plan steps of applying `objects`, one per stage, each with the id `applyStageId` gives it.
 * Titles count what the run renders; whether an object is already as rendered is found when the
 * step runs (only what differs is sent).
 */
export function applyStageSteps(area: string, objects: readonly KubeObject[], stages: readonly ApplyStage[], context: ApplyStepContext): PlanStep[] {
  const phases = new Map(buildApplyPhases(objects).map((p) => [p.phase, p.objects]))
  return stages.map((stage) => {
    const id = applyStageId(area, stage)
    if (stage.kind === 'phase') {
      const batch = phases.get(stage.phase) ?? []
      const kinds = [...new Set(batch.map((o) => o.kind))]
      return {
        id,
        title: `Apply ${batch.length} ${PHASE_TITLE[stage.phase]} object(s): ${kinds.join(', ')}`,
        action: 'create' as const,
        reason: `server-side apply (field manager kopsmith) of those not already as rendered; ${PHASE_REASON[stage.phase]}`,
      }
    }
    if (stage.kind === 'rollout') {
      const workloads = objects.filter(hasRollout).map((o) => describeRef(refOf(o)))
      const shown = workloads.length > 3 ? [...workloads.slice(0, 3), `${workloads.length - 3} more`] : workloads
      const beforeWebhooks = stages.some((s, i) => s.kind === 'phase' && s.phase === 'webhooks' && i > stages.indexOf(stage))
      return {
        id,
        title: `Wait for ${workloads.length} rollout(s): ${shown.join(', ')}`,
        action: 'check' as const,
        reason: `${beforeWebhooks ? 'the webhooks go live only once their workloads run' : 'the run ends once what it applied is running'}; within --timeout ${formatDuration(context.timeoutMs)} of the apply's start`,
      }
    }
    return {id, title: 'Prune what is no longer rendered', action: 'delete' as const, reason: `--prune: ${context.pruneReason}; namespaced objects first, namespaces last`}
  })
}
