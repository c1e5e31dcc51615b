import {buildCreatePlan, type CreateStage} from '../core/create-plan.js'
import type {ClusterConfig} from '../core/config/types.js'
import {diffSpecs} from '../core/drift.js'
import {RefusedError} from '../core/errors.js'
import {auditContextFor, auditKopsSpec, type CheckResult} from '../core/hardening/checks.js'
import type {Plan, PlanStep} from '../core/plan.js'
import {sandboxExpiresAt} from '../core/render/expiry.js'
import type {Clock, PackageFiles, StateStore, UserFiles} from '../ports.js'
import {findStoredSpec, type KopsSpec} from './audit-cluster.js'
import {renderClusterManifests} from './render-cluster.js'

export interface CreateClusterInput {
  config: ClusterConfig
  /** The cluster file's path, for messages and the audit record. */
  file: string
  skip: ReadonlySet<CreateStage>
  delegate: boolean
  /** Where the dry run writes rendered manifests; nothing is written without it. */
  outputDir?: string
  /** `--write-kubeconfig`: also merge a context for the cluster into this kubeconfig file (kops/eksctl's habit). */
  writeKubeconfig?: string
}

export interface HardeningSummary {
  passed: string[]
  waived: Array<{id: string; reason: string}>
  /** Checks that need what a dry run does not read (bucket regions, the kops binary). */
  unknown: Array<{id: string; note: string}>
  failed: Array<{id: string; title: string; findings: CheckResult['findings']}>
}

export interface CreateDryRunResult {
  cluster: string
  dryRun: true
  plan: Plan
  hardening: HardeningSummary
  /** Files written under outputDir, relative to it. */
  files: string[]
}

/**
 * `cluster create --dry-run`: render, audit and plan without reading or writing anything remote —
 * no AWS, no kops, no credentials. Refuses (exit 9) a spec that fails an unwaived hardening check,
 * exactly as the real run would, so a dry run in CI catches it first.
 */
export async function planClusterCreate(
  ports: {packageFiles: PackageFiles; files: UserFiles; clock: Clock},
  input: CreateClusterInput,
  options: {store?: StateStore} = {},
): Promise<CreateDryRunResult> {
  const {config} = input
  // A sandbox's expiry is stamped at creation; the dry run shows what it would be if created now.
  const expiresAt = sandboxExpiresAt(config, ports.clock.now())
  const rendered = await renderClusterManifests(ports.packageFiles, config, expiresAt ? {expiresAt} : {})
  const hardening = summariseHardening(auditKopsSpec(rendered, auditContextFor(config)))
  const plan = buildCreatePlan({
    config,
    skip: input.skip,
    delegate: input.delegate,
    addons: enabledAddons(config),
    namespaces: null,
    waived: hardening.waived.map((w) => w.id),
    ...(input.writeKubeconfig === undefined ? {} : {writeKubeconfig: input.writeKubeconfig}),
  })
  // Not a dry run: the plan says field by field what replacing the stored spec would change.
  if (options.store) {
    const stored = await findStoredSpec(options.store, config)
    plan.steps = plan.steps.map((s) => (s.id === 'kops:create-or-replace' ? kopsSpecStep(s, rendered, stored) : s))
  }
  const files: string[] = []
  if (input.outputDir) {
    const out = input.outputDir.replace(/\/+$/, '')
    await ports.files.write(`${out}/kops/${config.name}.yaml`, rendered.manifest)
    files.push(`kops/${config.name}.yaml`)
    await ports.files.write(`${out}/plan.json`, `${JSON.stringify(plan, null, 2)}\n`)
    files.push('plan.json')
  }
  if (hardening.failed.length > 0) throw hardeningRefusal(config.name, hardening)
  return {cluster: config.name, dryRun: true, plan, hardening, files}
}

function kopsSpecStep(step: PlanStep, rendered: {cluster: object; instanceGroups: readonly object[]}, stored: KopsSpec | undefined): PlanStep {
  if (!stored) return {...step, title: 'kops create -f', action: 'create', reason: 'no cluster of this name in the state store'}
  const drift = diffSpecs(rendered, stored)
  if (drift.length === 0) return {...step, title: 'kops spec', action: 'noop', reason: 'the stored spec already matches the cluster file'}
  return {
    ...step,
    title: 'kops replace -f',
    action: 'update',
    reason: `the stored spec differs in ${drift.length} field(s)`,
    changes: drift.map((d) => ({field: d.path, from: d.live, to: d.desired})),
  }
}

export function hardeningRefusal(cluster: string, hardening: HardeningSummary): RefusedError {
  const lines = hardening.failed.map((f) => `  ${f.id} ${f.title}: ${f.findings.map((x) => `${x.path} is ${JSON.stringify(x.actual)}, expected ${x.expected}`).join('; ')}`)
  return new RefusedError(`the kops spec for ${cluster} fails ${hardening.failed.length} hardening check(s):\n${lines.join('\n')}`, {
    suggestions: [
      'Fix the cluster file so the rendered spec passes (see docs/hardening.md)',
      'Or waive a check deliberately: spec.waivers: [{id: H0x, reason: "…why…"}]',
    ],
    details: {hardening},
  })
}

export function summariseHardening(results: CheckResult[]): HardeningSummary {
  return {
    passed: results.filter((r) => r.status === 'pass').map((r) => r.id),
    waived: results.filter((r) => r.status === 'waived').map((r) => ({id: r.id, reason: r.reason ?? ''})),
    unknown: results.filter((r) => r.status === 'unknown').map((r) => ({id: r.id, note: r.note ?? ''})),
    failed: results.filter((r) => r.status === 'fail').map((r) => ({id: r.id, title: r.title, findings: r.findings})),
  }
}

function enabledAddons(config: ClusterConfig): string[] {
  const a = config.addons
  return [
    a.ingress.enabled ? 'ingress' : undefined,
    a.clusterAutoscaler.enabled ? 'cluster-autoscaler' : undefined,
    a.logging.enabled ? 'logging' : undefined,
  ].filter((x): x is string => x !== undefined)
}

