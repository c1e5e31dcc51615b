import type {ClusterConfig} from './config/types.js'
import {kopsmithRecordsPrefix, lockKey} from './naming.js'
import type {Plan, PlanStep} from './plan.js'

export type CreateStage = 'addons' | 'namespaces'

export interface CreatePlanInput {
  config: ClusterConfig
  /** Stages the user skipped with `--skip`. */
  skip: ReadonlySet<CreateStage>
  /** `--delegate`: upsert the NS delegation in the parent zone. */
  delegate: boolean
  /** Addons that would be installed, as `name version`. */
  addons: string[]
  /** Namespaces from the namespaces file, when it could be read. */
  namespaces: string[] | null
  /** Hardening ids waived by the cluster file, for the plan's record. */
  waived: string[]
  /** `--write-kubeconfig`: the user's kubeconfig file that also gets a context for the cluster. */
  writeKubeconfig?: string
  /** `--allow-change`: guarded changes of an existing cluster the user means. */
  allowChanges: string[]
}

/**
 * Every step `cluster create --yes` takes, in order, with what it does and why. The dry run prints
 * this without reading anything remote, so each step states its find → compare → act rule; the
 * real run resolves each step against what it finds and acts only where needed.
 */
export function buildCreatePlan(input: CreatePlanInput): Plan {
  const {config: c} = input
  const bucket = c.stateStore.bucket
  const enc = c.stateStore.kmsKeyId ? `SSE-KMS (${c.stateStore.kmsKeyId})` : 'SSE-S3'
  const steps: PlanStep[] = [
    step('preflight:credentials', 'Check AWS credentials', 'check', 'STS caller identity is recorded in the audit trail; no credentials → exit 4'),
    step('preflight:kops-version', `Check the kops binary supports Kubernetes ${c.kubernetesVersion}`, 'check', 'kops refuses Kubernetes outside its supported window (hardening H18)'),
    step('preflight:buckets', `Check s3://${bucket} and s3://${c.stateStore.discoveryBucket}`, 'check', 'an existing bucket outside eu-central-1 is refused (exit 9) before anything is created'),
    step('preflight:dns', `Check hosted zone ${c.dns.zone} (${c.dns.type})`, 'check',
      c.dns.type === 'public' && !input.delegate
        ? 'a same-named zone of the other kind, or a parent zone in this account that does not delegate to it (pass --delegate), is refused before anything is created'
        : 'a same-named zone of the other kind is refused before anything is created'),
    step('preflight:existing-cluster', 'Compare with the existing cluster: kopsmith\'s record and the stored kops spec', 'check',
      `a change of profile, protection (true → false), control-plane groups or etcd members removed, region, network CIDR, a zone removed or another Kubernetes minor is refused (exit 9)${input.allowChanges.length ? `; allowed by --allow-change: ${input.allowChanges.join(', ')}` : ' unless --allow-change names it'}`),
    step('state-bucket:ensure', `Ensure state bucket s3://${bucket} in eu-central-1`, 'create',
      `create if missing; else verify and repair: versioning, ${enc}, four public-access blocks, TLS-only policy, tags; a bucket outside eu-central-1 is refused`),
    step('lock:acquire', `Lock s3://${bucket}/${lockKey(c.name)}`, 'run', 'a second mutating run on this cluster fails fast with exit 8 instead of racing; the lock lives in the state bucket'),
    step('discovery-bucket:ensure', `Ensure OIDC discovery bucket s3://${c.stateStore.discoveryBucket}`, 'create',
      'IRSA needs public read of the discovery documents only — the one deliberate exception (H14)'),
    c.dns.type === 'public'
      ? step('dns:ensure-public-zone', `Ensure public hosted zone ${c.dns.zone}`, 'create',
        input.delegate
          ? 'create if missing (idempotent caller reference); upsert NS delegation in the parent zone and wait for INSYNC'
          : 'create if missing (idempotent caller reference); check the parent NS delegation (pass --delegate to upsert it)')
      : step('dns:check-private-zone', `Check private hosted zone ${c.dns.zone}`, 'check',
        'kops creates or associates the private zone with the cluster VPC; refuse a conflicting zone of the same name first'),
    step('render:kops-spec', `Render kops spec (${1 + c.controlPlane.count + c.nodeGroups.length + (c.bastion.enabled ? 1 : 0)} documents)`, 'run',
      `hardened baseline H01–H19${input.waived.length ? `; waived: ${input.waived.join(', ')}` : ''}`),
    step('kops:create-or-replace', `kops create -f (or kops replace -f when the stored spec differs)`, 'create',
      'find the stored cluster; absent → create, different → replace, equal → nothing'),
    step('metadata:write', `Record owner, profile, protection${c.profile === 'sandbox' ? ' and expiry' : ''} in s3://${bucket}/${kopsmithRecordsPrefix(c.name)}metadata.json`, 'run',
      'what `cluster delete`, `cluster reap` and `sandbox extend` go by; written only when it differs'),
    step('kops:encryption-secret', 'kops create secret encryptionconfig', 'create',
      'secrets at rest (H07): a fresh key, created before update, never printed, never rotated by a re-run'),
    step('kops:update-cluster', 'kops update cluster --yes', 'run', 'creates or converges the cloud resources kops manages'),
    step('validate:wait', 'Validate until healthy (kops validate cluster -o json, our own loop)', 'check',
      'the cluster must pass validation several times in a row before anything is installed on it'),
    step('kubeconfig:export', `Export admin kubeconfig to kopsmith's state directory: kubeconfig/${c.name} (mode 0600)`, 'run',
      'addons and namespaces are applied with it; kops admin credentials last 18h'),
  ]
  if (input.writeKubeconfig !== undefined) {
    steps.push(step('kubeconfig:write-user', `Write context ${c.name} into ${input.writeKubeconfig}`, 'run',
      'asked for with --write-kubeconfig: kops merges a cluster, user and context into that file; the user is an admin credential valid 18h'))
  }
  if (c.dns.type === 'private') {
    steps.push(step('dns:verify-private-zone', `Verify private zone ${c.dns.zone} is associated with the cluster VPC`, 'check',
      'kops created or associated it during update; the API name must resolve inside the VPC'))
  }
  steps.push(
    input.skip.has('addons')
      ? step('addons:install', 'Install addons', 'noop', 'skipped with --skip addons')
      : step('addons:install', `Install addons: ${input.addons.join(', ') || 'none enabled'}`, input.addons.length ? 'run' : 'noop',
        'server-side apply (field manager kopsmith), ordered, waiting for rollouts'),
  )
  steps.push(
    input.skip.has('namespaces')
      ? step('namespaces:bootstrap', 'Bootstrap namespaces', 'noop', 'skipped with --skip namespaces')
      : c.namespaces === null
        ? step('namespaces:bootstrap', 'Bootstrap namespaces', 'noop', 'spec.namespaces.file is not set')
        : step('namespaces:bootstrap', `Bootstrap namespaces from ${c.namespaces.file}${input.namespaces ? `: ${input.namespaces.join(', ')}` : ''}`, 'run',
          'per app: restricted Pod Security, quota, limits, default-deny network policies, team RBAC, CI deployer'),
  )
  steps.push(step('lock:release', 'Release the lock and write the audit record', 'run', 'also on failure and on Ctrl-C'))
  return {operation: 'create', cluster: c.name, steps}
}

function step(id: string, title: string, action: PlanStep['action'], reason: string): PlanStep {
  return {id, title, action, reason}
}
