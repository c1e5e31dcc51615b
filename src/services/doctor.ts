import {REQUIRED_REGION} from '../core/aws/bucket.js'
import type {ClusterConfig} from '../core/config/types.js'
import {DOCTOR_SUGGESTION, isCliError} from '../core/errors.js'
import {kopsSupports} from '../core/kops/versions.js'
import type {PlanStep} from '../core/plan.js'
import type {CallerIdentity, Dns, Identity, Kops, KopsVersion, StateStore} from '../ports.js'
import {planDnsZone} from './dns-zone.js'
import {planStateBuckets} from './state-bucket.js'

/** The adapters doctor may need, created only when a check gets to them (a missing SDK or kops is a finding, not a crash). */
export interface DoctorPorts {
  identity(): Promise<Identity>
  stateStore(): Promise<StateStore>
  dns(): Promise<Dns>
  kops(): Promise<Kops>
}

export interface DoctorOptions {
  /** From `-f FILE`: enables the bucket, zone and kops-support checks. */
  config?: ClusterConfig
  /** AWS_REGION / AWS_DEFAULT_REGION as set in the environment, to point out that it is ignored. */
  configuredRegion?: string
}

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip'

export interface DoctorCheck {
  id: string
  title: string
  status: CheckStatus
  detail: string
  suggestions?: string[]
}

export interface DoctorReport {
  /** False when any check failed: doctor then exits 4. */
  ok: boolean
  checks: DoctorCheck[]
  identity: CallerIdentity | null
  kops: KopsVersion | null
}

/**
 * Everything kopsmith needs before it can create or change a cluster, checked read-only:
 * kops, AWS identity and region, and — with a cluster file — both buckets (presence, region,
 * hardening drift), the hosted zone and its delegation. Failures are findings, never thrown.
 */
export async function runDoctor(ports: DoctorPorts, options: DoctorOptions = {}): Promise<DoctorReport> {
  const {config} = options
  const [kops, identity] = await Promise.all([checkKops(ports, config), checkIdentity(ports)])
  const checks: DoctorCheck[] = [
    kops.check,
    {id: 'kubectl', title: 'kubectl', status: 'skip', detail: 'not checked: kopsmith talks to the Kubernetes API itself and does not need kubectl'},
    identity.check,
    checkRegion(options.configuredRegion),
  ]
  if (!config) {
    checks.push({id: 'cluster', title: 'cluster file', status: 'skip', detail: 'pass -f FILE to check the state bucket, discovery bucket and DNS zone of a cluster'})
  } else if (!identity.identity) {
    for (const [id, title] of [['state-bucket', 'state bucket'], ['discovery-bucket', 'discovery bucket'], ['dns-zone', 'DNS zone']] as const) {
      checks.push({id, title, status: 'skip', detail: 'needs working AWS credentials'})
    }
  } else {
    checks.push(...(await checkBuckets(ports, config)), ...(await checkDns(ports, config)))
  }
  return {ok: checks.every((c) => c.status !== 'fail'), checks, identity: identity.identity, kops: kops.version}
}

async function checkKops(ports: DoctorPorts, config: ClusterConfig | undefined): Promise<{check: DoctorCheck; version: KopsVersion | null}> {
  let version: KopsVersion
  try {
    version = await (await ports.kops()).version()
  } catch (error) {
    return {check: {id: 'kops', title: 'kops', status: 'fail', detail: `not found or not working: ${messageOf(error)}`, suggestions: suggestionsOf(error, ['Install kops and put it on PATH, or pass --kops PATH (KOPSMITH_KOPS)'])}, version: null}
  }
  if (!config) return {check: {id: 'kops', title: 'kops', status: 'ok', detail: `kops ${version.version}`}, version}
  const verdict = kopsSupports(version.version, config.kubernetesVersion)
  if (!verdict.ok) {
    return {
      check: {id: 'kops', title: 'kops', status: 'fail', detail: `kops ${version.version} cannot drive Kubernetes ${config.kubernetesVersion} (${verdict.reason})`, suggestions: ['Install a kops release that supports this Kubernetes minor (kops X.Y supports Kubernetes up to X.Y)']},
      version,
    }
  }
  const deprecated = verdict.deprecated ? `; Kubernetes ${config.kubernetesVersion} is deprecated by this kops` : ''
  return {check: {id: 'kops', title: 'kops', status: verdict.deprecated ? 'warn' : 'ok', detail: `kops ${version.version} supports Kubernetes ${config.kubernetesVersion}${deprecated}`}, version}
}

async function checkIdentity(ports: DoctorPorts): Promise<{check: DoctorCheck; identity: CallerIdentity | null}> {
  try {
    const identity = await (await ports.identity()).whoAmI()
    return {check: {id: 'aws-identity', title: 'AWS identity', status: 'ok', detail: `${identity.arn} (account ${identity.account})`}, identity}
  } catch (error) {
    return {check: {id: 'aws-identity', title: 'AWS identity', status: 'fail', detail: messageOf(error), suggestions: suggestionsOf(error, [])}, identity: null}
  }
}

function checkRegion(configured: string | undefined): DoctorCheck {
  if (configured && configured !== REQUIRED_REGION) {
    return {id: 'region', title: 'AWS region', status: 'warn', detail: `${REQUIRED_REGION} (pinned); your environment's region ${configured} is ignored by kopsmith but used by other tools such as kops' own AWS calls and the aws CLI`}
  }
  return {id: 'region', title: 'AWS region', status: 'ok', detail: `${REQUIRED_REGION} (pinned: data stays in Germany)`}
}

async function checkBuckets(ports: DoctorPorts, config: ClusterConfig): Promise<DoctorCheck[]> {
  let steps: PlanStep[]
  try {
    steps = await planStateBuckets(await ports.stateStore(), config)
  } catch (error) {
    return [{id: 'state-bucket', title: 'state and discovery buckets', status: 'fail', detail: messageOf(error), suggestions: suggestionsOf(error, [])}]
  }
  return steps.map((s) => {
    const id = s.id.split(':')[0]!
    const title = id === 'state-bucket' ? `state bucket s3://${config.stateStore.bucket}` : `discovery bucket s3://${config.stateStore.discoveryBucket}`
    if (s.action === 'noop') return {id, title, status: 'ok', detail: s.reason}
    if (s.action === 'create') return {id, title, status: 'warn', detail: 'absent; `cluster create` creates it hardened in eu-central-1'}
    return {id, title, status: 'warn', detail: `hardening drift: ${(s.changes ?? []).map((c) => `${c.field} is ${String(c.from)}`).join(', ')}; \`cluster create\` repairs it`}
  })
}

async function checkDns(ports: DoctorPorts, config: ClusterConfig): Promise<DoctorCheck[]> {
  try {
    const plan = await planDnsZone(await ports.dns(), config, {delegate: false})
    return plan.steps.map((s) => {
      const [area, verb] = s.id.split(':') as [string, string]
      const title = area === 'dns-zone' ? `${config.dns.type} zone ${config.dns.zone}` : `delegation of ${config.dns.zone}`
      if (verb === 'noop') return {id: area, title, status: 'ok' as const, detail: s.reason}
      if (verb === 'create') return {id: area, title, status: 'warn' as const, detail: `${s.reason}; \`cluster create\` creates it`}
      // A check step: fine for a private zone (kops handles it); a warning when delegation is missing or unknown.
      const warning = area === 'dns-delegation' ? plan.warnings[0] : undefined
      return {id: area, title, status: warning ? ('warn' as const) : ('ok' as const), detail: warning ?? s.reason}
    })
  } catch (error) {
    return [{id: 'dns-zone', title: `${config.dns.type} zone ${config.dns.zone}`, status: 'fail', detail: messageOf(error), suggestions: suggestionsOf(error, [])}]
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The error's own "Try this:" lines, less the pointer to doctor itself (this is doctor). */
function suggestionsOf(error: unknown, fallback: string[]): string[] {
  const own = isCliError(error) ? error.suggestions.filter((s) => s !== DOCTOR_SUGGESTION) : []
  return own.length > 0 ? own : fallback
}
