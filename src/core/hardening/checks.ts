import {parse} from 'yaml'

import {autoscalerDiscoveryTags} from '../addons/identities.js'
import {HARDENING_IDS, type HardeningId} from '../config/constants.js'
import type {ClusterConfig} from '../config/types.js'
import {kopsSupports} from '../kops/versions.js'
import {LABELS, MANAGED_BY} from '../naming.js'
import {exposureLimit, exposureSummary, parseAccessCidr, publicExposure, PUBLIC_LIMIT} from '../net/exposure.js'
import {addonServiceAccountPermissions} from '../render/irsa.js'
import {
  arrayAt,
  isControlPlaneRole,
  isJson,
  objectAt,
  stringAt,
  valueAt,
  viewOf,
  type Json,
  type KopsSpecInput,
  type SpecView,
} from './spec-view.js'

export type {KopsSpecInput} from './spec-view.js'

/** One row of the hardening baseline (docs/hardening.md is generated from these). */
export interface HardeningCheck {
  id: HardeningId
  title: string
  /** What goes wrong when the check fails. */
  risk: string
  /** The kops v1alpha2 field(s) the check reads. */
  field: string
  expected: string
  fix: string
}

export type CheckStatus = 'pass' | 'fail' | 'waived' | 'unknown'

export interface Finding {
  /** `spec.api.loadBalancer.type` for the Cluster, `instanceGroups[<name>].spec.…` for an InstanceGroup. */
  path: string
  expected: string
  actual: unknown
}

export interface CheckResult {
  id: HardeningId
  title: string
  status: CheckStatus
  findings: Finding[]
  fix: string
  /** The written reason of a waiver (status `waived`). */
  reason?: string
  /** Why the check could not decide (status `unknown`), or what it could not see. */
  note?: string
}

/** What the cluster file asks for, so checks can compare the spec against it, not only against rules. */
export interface ExpectedSettings {
  /** `access.ssh` of the cluster file. */
  sshAccess?: readonly string[]
  /** `stateStore.kmsKeyId`: etcd volumes and root volumes must use it. */
  kmsKeyId?: string | null
  /** Service accounts that must have IRSA permissions (the enabled addons that call AWS). */
  irsaServiceAccounts?: ReadonlyArray<{namespace: string; name: string}>
}

export interface AuditContext {
  /** Version of the kops binary in use (H18). */
  kopsVersion?: string
  /** Where S3 says buckets are (GetBucketLocation), by bucket name (H17); a bucket missing here is not located yet. */
  bucketRegions?: Readonly<Record<string, string>>
  waivers?: ReadonlyArray<{id: string; reason: string}>
  expected?: ExpectedSettings
}

export const REGION = 'eu-central-1'
const TLS_FLOOR = ['VersionTLS12', 'VersionTLS13']
/** etcd-manager keeps daily backups this long when `manager.backupRetentionDays` is unset (kops' default). */
const KOPS_DEFAULT_BACKUP_RETENTION_DAYS = 90
/** kops' default is the floor for every profile: nothing here shortens it (see config/defaults.ts). */
const MIN_BACKUP_RETENTION_DAYS = {production: KOPS_DEFAULT_BACKUP_RETENTION_DAYS, sandbox: KOPS_DEFAULT_BACKUP_RETENTION_DAYS} as const

interface Outcome {
  findings: Finding[]
  /** Set when the check could not decide; ignored when there are findings. */
  unknown?: string
}

interface CheckDefinition extends HardeningCheck {
  run(view: SpecView, context: AuditContext): Outcome
}

const DEFINITIONS: CheckDefinition[] = [
  {
    id: 'H01',
    title: 'Control plane and nodes run in private subnets',
    risk: 'Instances in public (utility) subnets get internet-routable addresses and can be reached directly from outside the VPC.',
    field: '`spec.topology.masters`, `spec.topology.nodes`; `spec.subnets[].type`; InstanceGroup `spec.subnets`',
    expected: '`private`; every control-plane and node InstanceGroup only in `Private` subnets',
    fix: 'Keep the generated subnets and InstanceGroup placement; never move a control-plane or node group into a `utility-*` subnet.',
    run(view) {
      const findings: Finding[] = []
      for (const key of ['masters', 'nodes']) {
        const value = valueAt(view.spec, `topology.${key}`)
        // kops ≥ 1.28 no longer stores these (placement follows the subnet types); a value must still be private.
        if (value !== undefined && value !== 'private') findings.push({path: `spec.topology.${key}`, expected: 'private', actual: value})
      }
      const subnetTypes = new Map<string, unknown>()
      for (const subnet of arrayAt(view.spec, 'subnets') ?? []) {
        const name = stringAt(subnet, 'name')
        if (name) subnetTypes.set(name, valueAt(subnet, 'type'))
      }
      for (const ig of view.instanceGroups) {
        if (!isControlPlaneRole(ig.role) && ig.role !== 'Node') continue
        const subnets = arrayAt(ig.spec, 'subnets') ?? []
        if (subnets.length === 0) findings.push({path: `${ig.at}.spec.subnets`, expected: 'one or more Private subnets', actual: valueAt(ig.spec, 'subnets')})
        subnets.forEach((name, i) => {
          const type = typeof name === 'string' ? subnetTypes.get(name) : undefined
          if (type !== 'Private') findings.push({path: `${ig.at}.spec.subnets[${i}]`, expected: 'a subnet of type Private', actual: type === undefined ? `${String(name)} (no such subnet)` : `${String(name)} (${String(type)})`})
        })
      }
      return {findings}
    },
  },
  {
    id: 'H02',
    title: 'API behind an internal Network Load Balancer',
    risk: 'A public API endpoint exposes the Kubernetes API to the internet; classic load balancers are deprecated and removed in kops 1.37.',
    field: '`spec.api.loadBalancer.type`, `spec.api.loadBalancer.class`',
    expected: '`Internal`, `Network`',
    fix: 'Set `spec.api.loadBalancer: {type: Internal, class: Network}`. Changing an existing public LB needs a LB replacement (kops docs/topology.md).',
    run(view) {
      return {
        findings: [
          ...expectEqual(view.spec, 'api.loadBalancer.type', 'Internal'),
          ...expectEqual(view.spec, 'api.loadBalancer.class', 'Network'),
        ],
      }
    },
  },
  {
    id: 'H03',
    title: 'No access rule open to the internet',
    risk: 'An access list that admits the internet — `0.0.0.0/0`, `::/0`, or CIDRs that add up to it such as `0.0.0.0/1` + `128.0.0.0/1` — opens the API, SSH or NodePorts to every address.',
    field: '`spec.kubernetesApiAccess`, `spec.sshAccess`, `spec.nodePortAccess`',
    expected: `valid CIDRs whose union, per list and address family, admits at most a /${PUBLIC_LIMIT.ipv4.prefix} of public IPv4 addresses (a /${PUBLIC_LIMIT.ipv6.prefix} of IPv6) — public meaning outside the IANA special-purpose blocks (IPv4) or inside \`2000::/3\` (IPv6); kopsmith renders nodePortAccess empty`,
    fix: 'List only corporate/VPN CIDRs in `spec.access.api` and `spec.access.ssh` of the cluster file.',
    run(view) {
      const findings: Finding[] = []
      for (const key of ['kubernetesApiAccess', 'sshAccess', 'nodePortAccess']) {
        const list = arrayAt(view.spec, key) ?? []
        const cidrs: string[] = []
        list.forEach((cidr, i) => {
          const parsed = typeof cidr === 'string' ? parseAccessCidr(cidr) : undefined
          if (!parsed?.ok) findings.push({path: `spec.${key}[${i}]`, expected: 'a CIDR such as 10.0.0.0/8', actual: cidr})
          else if (isOpenToWorld(parsed.canonical)) findings.push({path: `spec.${key}[${i}]`, expected: 'a CIDR narrower than /0', actual: cidr})
          else cidrs.push(parsed.canonical)
        })
        // The union, not each entry: 0.0.0.0/1 + 128.0.0.0/1 admits exactly what 0.0.0.0/0 does.
        for (const exposure of publicExposure(cidrs)) {
          if (exposure.tooOpen) findings.push({path: `spec.${key}`, expected: `CIDRs that together admit ${exposureLimit(exposure.family)}`, actual: `${JSON.stringify(list)}: ${exposureSummary(exposure)}`})
        }
      }
      return {findings}
    },
  },
  {
    id: 'H04',
    title: 'No SSH key without a bastion; SSH only from the allowed CIDRs',
    risk: 'An SSH key on instances without a bastion means direct SSH paths into the nodes; extra SSH CIDRs widen who can try.',
    field: '`spec.sshKeyName`, `spec.sshAccess`, `spec.topology.bastion.loadBalancer.type`',
    expected: 'no `sshKeyName` unless a Bastion InstanceGroup exists; `sshAccess` equals `access.ssh`; bastion LB `Internal`',
    fix: 'Remove `spec.sshKeyName` (use EC2 Instance Connect) or enable the bastion; keep `sshAccess` to what the cluster file lists.',
    run(view, context) {
      const findings: Finding[] = []
      const hasBastion = view.instanceGroups.some((ig) => ig.role === 'Bastion')
      const keyName = valueAt(view.spec, 'sshKeyName')
      if (!hasBastion && typeof keyName === 'string' && keyName !== '') {
        findings.push({path: 'spec.sshKeyName', expected: 'unset: no SSH key without a bastion', actual: keyName})
      }
      const expectedSsh = context.expected?.sshAccess
      if (expectedSsh) {
        const actual = (arrayAt(view.spec, 'sshAccess') ?? []).map(String)
        if (!sameSet(actual, expectedSsh)) findings.push({path: 'spec.sshAccess', expected: `exactly ${JSON.stringify([...expectedSsh].sort())} (access.ssh)`, actual})
      }
      if (hasBastion) findings.push(...expectEqual(view.spec, 'topology.bastion.loadBalancer.type', 'Internal'))
      return {findings}
    },
  },
  {
    id: 'H05',
    title: 'No anonymous access to the API server or kubelets',
    risk: 'Anonymous requests reach the API server or the kubelet API (exec, logs, node secrets) without credentials.',
    field: '`spec.kubeAPIServer.anonymousAuth`; `spec.kubelet.anonymousAuth`, `.authenticationTokenWebhook`, `.authorizationMode` (and any `masterKubelet` / InstanceGroup `kubelet` override)',
    expected: '`false`; `false`, `true`, `Webhook`',
    fix: 'Set `kubeAPIServer.anonymousAuth: false` and `kubelet: {anonymousAuth: false, authenticationTokenWebhook: true, authorizationMode: Webhook}`; remove overrides that weaken them.',
    run(view) {
      const findings = [
        ...expectEqual(view.spec, 'kubeAPIServer.anonymousAuth', false),
        ...expectEqual(view.spec, 'kubelet.anonymousAuth', false),
        ...expectEqual(view.spec, 'kubelet.authenticationTokenWebhook', true),
        ...expectEqual(view.spec, 'kubelet.authorizationMode', 'Webhook'),
      ]
      for (const [root, path, prefix] of kubeletOverrides(view)) {
        findings.push(
          ...expectEqualIfSet(root, `${path}.anonymousAuth`, false, prefix),
          ...expectEqualIfSet(root, `${path}.authenticationTokenWebhook`, true, prefix),
          ...expectEqualIfSet(root, `${path}.authorizationMode`, 'Webhook', prefix),
        )
      }
      return {findings}
    },
  },
  {
    id: 'H06',
    title: 'RBAC authorization',
    risk: 'Without RBAC (or with AlwaysAllow) every authenticated identity may do anything.',
    field: '`spec.authorization.rbac`, `spec.authorization.alwaysAllow`, `spec.kubeAPIServer.authorizationMode`',
    expected: '`rbac: {}`, no `alwaysAllow`; authorizationMode (if set) includes RBAC and not AlwaysAllow',
    fix: 'Set `spec.authorization: {rbac: {}}` and remove `alwaysAllow`.',
    run(view) {
      const findings: Finding[] = []
      if (!isJson(valueAt(view.spec, 'authorization.rbac'))) findings.push({path: 'spec.authorization.rbac', expected: '{}', actual: valueAt(view.spec, 'authorization.rbac')})
      const alwaysAllow = valueAt(view.spec, 'authorization.alwaysAllow')
      if (alwaysAllow !== undefined) findings.push({path: 'spec.authorization.alwaysAllow', expected: 'unset', actual: alwaysAllow})
      const mode = valueAt(view.spec, 'kubeAPIServer.authorizationMode')
      if (mode !== undefined) {
        const modes = String(mode).split(',')
        if (!modes.includes('RBAC') || modes.includes('AlwaysAllow')) findings.push({path: 'spec.kubeAPIServer.authorizationMode', expected: 'includes RBAC, never AlwaysAllow', actual: mode})
      }
      return {findings}
    },
  },
  {
    id: 'H07',
    title: 'Secrets encrypted at rest in etcd',
    risk: 'Secrets are stored in etcd (and its backups in S3) in plain text.',
    field: '`spec.encryptionConfig` (+ the `encryptionconfig` secret, created by `cluster create` before `kops update`)',
    expected: '`true`',
    fix: 'Set `spec.encryptionConfig: true`; `kopsmith cluster create` creates the encryptionconfig secret before the first update.',
    run(view) {
      return {findings: expectEqual(view.spec, 'encryptionConfig', true)}
    },
  },
  {
    id: 'H08',
    title: 'etcd volumes encrypted, backups kept',
    risk: 'Unencrypted etcd volumes expose every object (including Secrets) on the EBS snapshots; short backup retention loses restore points.',
    field: '`spec.etcdClusters[].etcdMembers[].encryptedVolume`, `.kmsKeyId`; `spec.etcdClusters[].manager.backupRetentionDays`',
    expected: '`true` (+ the cluster file\'s KMS key when given); retention ≥ 90 days, kops\' default (unset means 90)',
    fix: 'Set `encryptedVolume: true` (and `kmsKeyId`) on every member of `main` and `events`; set `manager.backupRetentionDays` to 90 or more, or leave it unset.',
    run(view, context) {
      const findings: Finding[] = []
      const clusters = arrayAt(view.spec, 'etcdClusters') ?? []
      const names = clusters.map((c) => stringAt(c, 'name'))
      for (const required of ['main', 'events']) {
        if (!names.includes(required)) findings.push({path: 'spec.etcdClusters', expected: `an etcd cluster named ${required}`, actual: names})
      }
      const profile = objectAt(view.spec, 'cloudLabels')?.[LABELS.profile] === 'production' ? 'production' : 'sandbox'
      const minRetention = MIN_BACKUP_RETENTION_DAYS[profile]
      const kmsKeyId = context.expected?.kmsKeyId
      clusters.forEach((etcd) => {
        const at = `spec.etcdClusters[${stringAt(etcd, 'name') ?? '?'}]`
        const members = arrayAt(etcd, 'etcdMembers') ?? []
        if (members.length === 0) findings.push({path: `${at}.etcdMembers`, expected: 'one member per control-plane InstanceGroup', actual: valueAt(etcd, 'etcdMembers')})
        for (const member of members) {
          const memberAt = `${at}.etcdMembers[${stringAt(member, 'name') ?? '?'}]`
          if (valueAt(member, 'encryptedVolume') !== true) findings.push({path: `${memberAt}.encryptedVolume`, expected: 'true', actual: valueAt(member, 'encryptedVolume')})
          if (kmsKeyId && valueAt(member, 'kmsKeyId') !== kmsKeyId) findings.push({path: `${memberAt}.kmsKeyId`, expected: kmsKeyId, actual: valueAt(member, 'kmsKeyId')})
        }
        const retention = valueAt(etcd, 'manager.backupRetentionDays') ?? KOPS_DEFAULT_BACKUP_RETENTION_DAYS
        if (typeof retention !== 'number' || retention < minRetention) {
          findings.push({path: `${at}.manager.backupRetentionDays`, expected: `≥ ${minRetention} (${profile})`, actual: retention})
        }
      })
      return {findings}
    },
  },
  {
    id: 'H09',
    title: 'API audit log with a shipped policy',
    risk: 'Without an audit policy file the API server logs no audit events at all; without rotation limits the log fills the disk or is lost.',
    field: '`spec.kubeAPIServer.auditLogPath`, `.auditPolicyFile`, `.auditLogMaxAge`, `.auditLogMaxBackups`, `.auditLogMaxSize`; `spec.fileAssets[]` (roles ControlPlane)',
    expected: 'path and policy file set; a fileAssets entry at the policy path holding an `audit.k8s.io/v1` Policy for the control plane; max age/backups/size > 0',
    fix: 'Keep the audit settings of templates/cluster.yaml; the policy ships from templates/audit-policy.yaml.',
    run(view) {
      const findings: Finding[] = []
      const api = objectAt(view.spec, 'kubeAPIServer') ?? {}
      for (const key of ['auditLogPath', 'auditPolicyFile']) {
        if (typeof api[key] !== 'string' || api[key] === '') findings.push({path: `spec.kubeAPIServer.${key}`, expected: 'a file path', actual: api[key]})
      }
      for (const key of ['auditLogMaxAge', 'auditLogMaxBackups', 'auditLogMaxSize']) {
        if (typeof api[key] !== 'number' || api[key] <= 0) findings.push({path: `spec.kubeAPIServer.${key}`, expected: 'a number > 0', actual: api[key]})
      }
      const policyPath = api.auditPolicyFile
      if (typeof policyPath === 'string' && policyPath !== '') {
        const assets = arrayAt(view.spec, 'fileAssets') ?? []
        const index = assets.findIndex((a) => valueAt(a, 'path') === policyPath)
        const asset = assets[index]
        if (!isJson(asset)) {
          findings.push({path: 'spec.fileAssets', expected: `an entry with path ${policyPath}`, actual: assets.map((a) => valueAt(a, 'path'))})
        } else {
          const at = `spec.fileAssets[${index}]`
          if (!isAuditPolicy(asset.content, asset.isBase64 === true)) findings.push({path: `${at}.content`, expected: 'an audit.k8s.io/v1 Policy with rules', actual: summarize(asset.content)})
          const roles = arrayAt(asset, 'roles')
          if (roles && roles.length > 0 && !roles.some((r) => typeof r === 'string' && isControlPlaneRole(r))) {
            findings.push({path: `${at}.roles`, expected: 'includes ControlPlane', actual: roles})
          }
        }
      }
      return {findings}
    },
  },
  {
    id: 'H10',
    title: 'IMDSv2 only, pods kept away from node credentials',
    risk: 'IMDSv1 allows SSRF theft of the node role; a hop limit above 1 lets any pod read the node\'s IAM credentials.',
    field: 'InstanceGroup `spec.instanceMetadata.httpTokens`, `.httpPutResponseHopLimit`',
    expected: '`required`; hop limit `1` (control plane 1–3)',
    fix: 'Set `instanceMetadata: {httpTokens: required, httpPutResponseHopLimit: 1}` (3 for control-plane groups).',
    run(view) {
      const findings: Finding[] = []
      for (const ig of view.instanceGroups) {
        const tokens = valueAt(ig.spec, 'instanceMetadata.httpTokens')
        if (tokens !== 'required') findings.push({path: `${ig.at}.spec.instanceMetadata.httpTokens`, expected: 'required', actual: tokens})
        const hops = valueAt(ig.spec, 'instanceMetadata.httpPutResponseHopLimit')
        const controlPlane = isControlPlaneRole(ig.role)
        const ok = typeof hops === 'number' && (controlPlane ? hops >= 1 && hops <= 3 : hops === 1)
        if (!ok) findings.push({path: `${ig.at}.spec.instanceMetadata.httpPutResponseHopLimit`, expected: controlPlane ? '1 to 3' : '1', actual: hops})
      }
      return {findings}
    },
  },
  {
    id: 'H11',
    title: 'Encrypted root volumes',
    risk: 'Unencrypted root volumes and their snapshots expose kubelet credentials, container images and logs.',
    field: 'InstanceGroup `spec.rootVolumeEncryption`, `.rootVolumeEncryptionKey`',
    expected: '`true` (+ the cluster file\'s KMS key when given)',
    fix: 'Set `rootVolumeEncryption: true` (and `rootVolumeEncryptionKey`) on every InstanceGroup.',
    run(view, context) {
      const findings: Finding[] = []
      const kmsKeyId = context.expected?.kmsKeyId
      for (const ig of view.instanceGroups) {
        if (valueAt(ig.spec, 'rootVolumeEncryption') !== true) findings.push({path: `${ig.at}.spec.rootVolumeEncryption`, expected: 'true', actual: valueAt(ig.spec, 'rootVolumeEncryption')})
        if (kmsKeyId && valueAt(ig.spec, 'rootVolumeEncryptionKey') !== kmsKeyId) {
          findings.push({path: `${ig.at}.spec.rootVolumeEncryptionKey`, expected: kmsKeyId, actual: valueAt(ig.spec, 'rootVolumeEncryptionKey')})
        }
      }
      return {findings}
    },
  },
  {
    id: 'H12',
    title: 'CNI enforces NetworkPolicy',
    risk: 'With a CNI that ignores NetworkPolicy, the namespaces\' default-deny policies silently do nothing.',
    field: '`spec.networking`',
    expected: 'exactly one of `cilium` (policy enforcement not `never`) or `calico`',
    fix: 'Set `network.cni` to cilium or calico in the cluster file.',
    run(view) {
      const networking = objectAt(view.spec, 'networking') ?? {}
      const cnis = Object.keys(networking)
      const findings: Finding[] = []
      if (cnis.length !== 1 || (cnis[0] !== 'cilium' && cnis[0] !== 'calico')) findings.push({path: 'spec.networking', expected: 'exactly one of cilium, calico', actual: cnis})
      const enforcement = valueAt(networking, 'cilium.enablePolicy')
      if (enforcement === 'never') findings.push({path: 'spec.networking.cilium.enablePolicy', expected: 'default or always', actual: enforcement})
      return {findings}
    },
  },
  {
    id: 'H13',
    title: 'TLS 1.2 or newer',
    risk: 'Older TLS versions have known weaknesses and fail most compliance baselines.',
    field: '`spec.kubeAPIServer.tlsMinVersion`, `spec.kubelet.tlsMinVersion` (and any kubelet override)',
    expected: '`VersionTLS12` or `VersionTLS13`',
    fix: 'Set `tlsMinVersion: VersionTLS12` (or 13) on kubeAPIServer and kubelet.',
    run(view) {
      const findings = [...expectOneOf(view.spec, 'kubeAPIServer.tlsMinVersion', TLS_FLOOR, 'spec.'), ...expectOneOf(view.spec, 'kubelet.tlsMinVersion', TLS_FLOOR, 'spec.')]
      for (const [root, path, prefix] of kubeletOverrides(view)) {
        if (valueAt(root, `${path}.tlsMinVersion`) !== undefined) findings.push(...expectOneOf(root, `${path}.tlsMinVersion`, TLS_FLOOR, prefix))
      }
      return {findings}
    },
  },
  {
    id: 'H14',
    title: 'Addons get AWS access through IRSA only',
    risk: 'Without IRSA, addons that call AWS need node credentials, which every pod on the node could then use.',
    field: '`spec.serviceAccountIssuerDiscovery.discoveryStore`, `.enableAWSOIDCProvider`; `spec.iam.useServiceAccountExternalPermissions`, `spec.iam.serviceAccountExternalPermissions[]`; `spec.podIdentityWebhook.enabled`',
    expected: 'an `s3://` discovery store, `true`, `true`, a scoped policy per AWS-calling addon (no `*` actions on `*`), `true`',
    fix: 'Keep the IRSA settings rendered from the cluster file; enabling IRSA on a running cluster is disruptive, plan a rolling update.',
    run(view, context) {
      const findings: Finding[] = []
      const store = valueAt(view.spec, 'serviceAccountIssuerDiscovery.discoveryStore')
      if (typeof store !== 'string' || !store.startsWith('s3://')) findings.push({path: 'spec.serviceAccountIssuerDiscovery.discoveryStore', expected: 's3://<discovery bucket>/<cluster>', actual: store})
      findings.push(
        ...expectEqual(view.spec, 'serviceAccountIssuerDiscovery.enableAWSOIDCProvider', true),
        ...expectEqual(view.spec, 'iam.useServiceAccountExternalPermissions', true),
        ...expectEqual(view.spec, 'podIdentityWebhook.enabled', true),
      )
      const permissions = arrayAt(view.spec, 'iam.serviceAccountExternalPermissions') ?? []
      for (const entry of permissions) {
        const at = `spec.iam.serviceAccountExternalPermissions[${stringAt(entry, 'namespace') ?? '?'}/${stringAt(entry, 'name') ?? '?'}]`
        const problem = policyProblem(entry)
        if (problem) findings.push({path: `${at}.aws`, expected: 'a policy scoped to what the addon needs', actual: problem})
      }
      for (const sa of context.expected?.irsaServiceAccounts ?? []) {
        const present = permissions.some((p) => stringAt(p, 'namespace') === sa.namespace && stringAt(p, 'name') === sa.name)
        if (!present) findings.push({path: 'spec.iam.serviceAccountExternalPermissions', expected: `an entry for ${sa.namespace}/${sa.name}`, actual: permissions.map((p) => `${stringAt(p, 'namespace')}/${stringAt(p, 'name')}`)})
      }
      return {findings}
    },
  },
  {
    id: 'H15',
    title: 'Node termination handler in queue mode',
    risk: 'Spot interruptions, rebalances and ASG terminations kill nodes without draining them.',
    field: '`spec.nodeTerminationHandler.enabled`, `.enableSQSTerminationDraining`',
    expected: '`true`, `true`',
    fix: 'Set `spec.nodeTerminationHandler: {enabled: true, enableSQSTerminationDraining: true}`.',
    run(view) {
      return {findings: [...expectEqual(view.spec, 'nodeTerminationHandler.enabled', true), ...expectEqual(view.spec, 'nodeTerminationHandler.enableSQSTerminationDraining', true)]}
    },
  },
  {
    id: 'H16',
    title: 'Ownership, expiry and autoscaler tags',
    risk: 'Untagged resources have no owner to ask; a sandbox without an expiry is never reaped; untagged node groups are invisible to the autoscaler.',
    field: `\`spec.cloudLabels\` (\`${LABELS.owner}\`, \`${LABELS.managedBy}\`, \`${LABELS.profile}\`, \`${LABELS.expiresAt}\`); node InstanceGroup \`spec.cloudLabels\``,
    expected: `owner set, managed-by \`${MANAGED_BY}\`, profile \`production\`|\`sandbox\`, an RFC 3339 expiry on sandboxes; \`k8s.io/cluster-autoscaler/enabled\` and \`k8s.io/cluster-autoscaler/<cluster>\` on node groups`,
    fix: 'Render from the cluster file (`owner`, `profile`, `ttl`); `cluster create` stamps the sandbox expiry.',
    run(view) {
      const findings: Finding[] = []
      const labels = objectAt(view.spec, 'cloudLabels') ?? {}
      const at = (key: string): string => `spec.cloudLabels[${key}]`
      const owner = labels[LABELS.owner]
      if (typeof owner !== 'string' || owner.trim() === '') findings.push({path: at(LABELS.owner), expected: 'the owner\'s e-mail', actual: owner})
      if (labels[LABELS.managedBy] !== MANAGED_BY) findings.push({path: at(LABELS.managedBy), expected: MANAGED_BY, actual: labels[LABELS.managedBy]})
      const profile = labels[LABELS.profile]
      if (profile !== 'production' && profile !== 'sandbox') findings.push({path: at(LABELS.profile), expected: 'production or sandbox', actual: profile})
      if (profile === 'sandbox') {
        const expiry = labels[LABELS.expiresAt]
        if (typeof expiry !== 'string' || !isRfc3339(expiry)) findings.push({path: at(LABELS.expiresAt), expected: 'an RFC 3339 time', actual: expiry})
      }
      const discovery = autoscalerDiscoveryTags(view.name)
      for (const ig of view.instanceGroups.filter((g) => g.role === 'Node')) {
        for (const [key, value] of Object.entries(discovery)) {
          const actual = valueAt(ig.spec, 'cloudLabels')
          const tag = isJson(actual) ? actual[key] : undefined
          if (tag !== value) findings.push({path: `${ig.at}.spec.cloudLabels[${key}]`, expected: value, actual: tag})
        }
      }
      return {findings}
    },
  },
  {
    id: 'H17',
    title: 'Everything in Germany (eu-central-1)',
    risk: 'Instances or state outside Frankfurt break the data-residency commitment.',
    field: '`spec.subnets[].zone`, InstanceGroup `spec.zones`, `spec.configBase`, `spec.serviceAccountIssuerDiscovery.discoveryStore`; where S3 says the buckets they name are (GetBucketLocation)',
    expected: `zones \`${REGION}[a-z]\`, \`s3://\` stores whose buckets S3 locates in \`${REGION}\` (a bucket's name says nothing about its region)`,
    fix: `Use ${REGION} zones; recreate buckets created elsewhere in ${REGION} (S3 cannot move a bucket).`,
    run(view, context) {
      const findings: Finding[] = []
      const inRegion = (zone: unknown): boolean => typeof zone === 'string' && new RegExp(`^${REGION}[a-z]$`).test(zone)
      ;(arrayAt(view.spec, 'subnets') ?? []).forEach((subnet, i) => {
        const zone = valueAt(subnet, 'zone')
        if (!inRegion(zone)) findings.push({path: `spec.subnets[${i}].zone`, expected: `a zone of ${REGION}`, actual: zone})
      })
      for (const ig of view.instanceGroups) {
        ;(arrayAt(ig.spec, 'zones') ?? []).forEach((zone, i) => {
          if (!inRegion(zone)) findings.push({path: `${ig.at}.spec.zones[${i}]`, expected: `a zone of ${REGION}`, actual: zone})
        })
      }
      const unlocated: string[] = []
      for (const [kind, path] of [['state', 'configBase'], ['discovery', 'serviceAccountIssuerDiscovery.discoveryStore']] as const) {
        const url = valueAt(view.spec, path)
        if (url === undefined) continue
        const bucket = typeof url === 'string' ? bucketOfS3Url(url) : undefined
        if (bucket === undefined) {
          findings.push({path: `spec.${path}`, expected: `an s3:// location in ${REGION}`, actual: url})
          continue
        }
        // Only S3 knows where a bucket is: `de-kops-1` may well be in Frankfurt, `acme-state` in Ohio.
        const region = context.bucketRegions?.[bucket]
        if (region === undefined) unlocated.push(bucket)
        else if (region !== REGION) findings.push({path: `${kind} bucket ${bucket}`, expected: `located in ${REGION}`, actual: region})
      }
      const unknown = unlocated.length > 0 ? `where S3 keeps ${unlocated.join(' and ')} is known only after asking it (run with --live)` : undefined
      return {findings, unknown}
    },
  },
  {
    id: 'H18',
    title: 'Kubernetes version supported by the kops in use',
    risk: 'kops refuses or mis-handles Kubernetes versions outside its window; upgrades then fail half-way.',
    field: '`spec.kubernetesVersion` against the kops binary\'s version',
    expected: 'inside the kops minor\'s window (kops 1.N manages Kubernetes up to 1.N)',
    fix: 'Install a kops release that supports the target version (`kopsmith doctor`), or pick a supported kubernetesVersion.',
    run(view, context) {
      const version = valueAt(view.spec, 'kubernetesVersion')
      if (typeof version !== 'string' || !/^v?1\.\d+\.\d+/.test(version)) return {findings: [{path: 'spec.kubernetesVersion', expected: 'a Kubernetes version such as 1.35.7', actual: version}]}
      if (!context.kopsVersion) return {findings: [], unknown: 'the kops version is not known (no usable kops binary; pass --kops)'}
      const verdict = kopsSupports(context.kopsVersion, version)
      if (verdict.ok) return {findings: []}
      const window = verdict.support ? `${verdict.support.hardFloor} to ${verdict.support.max}` : 'a kops release kopsmith knows'
      return {findings: [{path: 'spec.kubernetesVersion', expected: `Kubernetes ${window} for kops ${context.kopsVersion}`, actual: version}]}
    },
  },
  {
    id: 'H19',
    title: 'Nobody logs in as one of Kubernetes\' own identities',
    risk: 'An IAM role mapped to `system:masters` is cluster-admin that no RBAC rule can limit or revoke (other `system:` groups get the powers of nodes or controllers); an OIDC token read without a prefix can name any user or group, `system:masters` included.',
    field: '`spec.authentication.aws.identityMappings[].groups`, `.username`; `spec.kubeAPIServer.oidcUsernamePrefix`, `.oidcGroupsPrefix` (with `oidcIssuerURL`, `oidcGroupsClaim`)',
    expected: 'no mapping to a `system:` group or user name; OIDC username and groups prefixes set, not `-`, not under `system:`',
    fix: 'Map IAM roles to team groups (`authentication.aws.mappings` in the cluster file) and let `namespaces bootstrap` bind them; set `authentication.oidc.usernamePrefix` and `groupsPrefix`, e.g. `oidc:`. Cluster administrators use the kops admin kubeconfig.',
    run(view) {
      const findings: Finding[] = []
      const at = 'spec.authentication.aws.identityMappings'
      ;(arrayAt(view.spec, 'authentication.aws.identityMappings') ?? []).forEach((mapping, i) => {
        const username = valueAt(mapping, 'username')
        if (typeof username === 'string' && isSystemIdentity(username)) findings.push({path: `${at}[${i}].username`, expected: 'a user name outside system:', actual: username})
        ;(arrayAt(mapping, 'groups') ?? []).forEach((group, j) => {
          if (typeof group === 'string' && isSystemIdentity(group)) findings.push({path: `${at}[${i}].groups[${j}]`, expected: 'a group outside system:', actual: group})
        })
      })
      const api = objectAt(view.spec, 'kubeAPIServer') ?? {}
      const prefixes: Array<[string, boolean]> = [
        ['oidcUsernamePrefix', api.oidcIssuerURL !== undefined],
        ['oidcGroupsPrefix', api.oidcIssuerURL !== undefined && api.oidcGroupsClaim !== undefined],
      ]
      for (const [key, needed] of prefixes) {
        const prefix = api[key]
        const ok = typeof prefix === 'string' && prefix !== '' && prefix !== '-' && !isSystemIdentity(prefix)
        if (needed && !ok) findings.push({path: `spec.kubeAPIServer.${key}`, expected: 'a prefix such as oidc: (not empty, not -, not under system:)', actual: prefix})
      }
      return {findings}
    },
  },
]

if (DEFINITIONS.map((d) => d.id).join() !== HARDENING_IDS.join()) throw new Error('hardening checks must cover H01–H19 in order')

/** The baseline H01–H19, in order, without the code. */
export const HARDENING_CHECKS: readonly HardeningCheck[] = DEFINITIONS.map(({id, title, risk, field, expected, fix}) => ({id, title, risk, field, expected, fix}))

/**
 * Runs every check against a kops Cluster and its InstanceGroups (rendered or as kops stored them).
 * One result per check, H01–H19 in order. A waived check reports `waived` with its reason instead
 * of failing; `unknown` only when the context lacks what a check needs and the spec shows nothing wrong.
 */
export function auditKopsSpec(spec: KopsSpecInput, context: AuditContext = {}): CheckResult[] {
  const view = viewOf(spec)
  return DEFINITIONS.map((check) => {
    const {findings, unknown} = check.run(view, context)
    const status: CheckStatus = findings.length > 0 ? 'fail' : unknown ? 'unknown' : 'pass'
    const result: CheckResult = {id: check.id, title: check.title, status, findings, fix: check.fix}
    if (status === 'unknown' && unknown) result.note = unknown
    const waiver = context.waivers?.find((w) => w.id === check.id)
    if (waiver && status !== 'pass') return {...result, status: 'waived', reason: waiver.reason}
    return result
  })
}

/** The parts of the audit context that come from the cluster file itself. */
export function auditContextFor(config: ClusterConfig): Required<Pick<AuditContext, 'waivers' | 'expected'>> {
  return {
    waivers: config.waivers,
    expected: {
      sshAccess: config.access.ssh,
      kmsKeyId: config.stateStore.kmsKeyId,
      irsaServiceAccounts: addonServiceAccountPermissions(config).map(({namespace, name}) => ({namespace, name})),
    },
  }
}

export function failedCheckIds(results: readonly CheckResult[]): HardeningId[] {
  return results.filter((r) => r.status === 'fail').map((r) => r.id)
}

// ---------------------------------------------------------------- helpers

function expectEqual(spec: Json, path: string, expected: unknown): Finding[] {
  const actual = valueAt(spec, path)
  return actual === expected ? [] : [{path: `spec.${path}`, expected: JSON.stringify(expected).replaceAll('"', ''), actual}]
}

function expectEqualIfSet(root: Json, path: string, expected: unknown, prefix: string): Finding[] {
  const actual = valueAt(root, path)
  return actual === undefined || actual === expected ? [] : [{path: `${prefix}${path}`, expected: `${JSON.stringify(expected).replaceAll('"', '')} (or unset)`, actual}]
}

function expectOneOf(root: Json, path: string, allowed: string[], prefix: string): Finding[] {
  const actual = valueAt(root, path)
  return typeof actual === 'string' && allowed.includes(actual) ? [] : [{path: `${prefix}${path}`, expected: allowed.join(' or '), actual}]
}

/** `[root, path, finding prefix]` of every kubelet config that overrides `spec.kubelet`. */
function kubeletOverrides(view: SpecView): Array<[Json, string, string]> {
  const out: Array<[Json, string, string]> = []
  if (isJson(view.spec.masterKubelet)) out.push([view.spec, 'masterKubelet', 'spec.'])
  for (const ig of view.instanceGroups) if (isJson(ig.spec.kubelet)) out.push([ig.spec, 'kubelet', `${ig.at}.spec.`])
  return out
}

/** The bucket of an `s3://BUCKET[/path]` location, or undefined for anything else. */
function bucketOfS3Url(url: string): string | undefined {
  return /^s3:\/\/([^/]+)(\/.*)?$/.exec(url)?.[1]
}

/** `0.0.0.0/0` or `::/0`, however written (`1.2.3.4/0`). */
function isOpenToWorld(canonicalCidr: string): boolean {
  return canonicalCidr.endsWith('/0')
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = [...new Set(a)].sort()
  const right = [...new Set(b)].sort()
  return left.length === right.length && left.every((v, i) => v === right[i])
}

function isAuditPolicy(content: unknown, isBase64: boolean): boolean {
  if (typeof content !== 'string' || content.trim() === '') return false
  try {
    const text = isBase64 ? atob(content) : content
    const policy = parse(text) as unknown
    return valueAt(policy, 'apiVersion') === 'audit.k8s.io/v1' && valueAt(policy, 'kind') === 'Policy' && (arrayAt(policy, 'rules')?.length ?? 0) > 0
  } catch {
    return false
  }
}

function summarize(value: unknown): unknown {
  return typeof value === 'string' && value.length > 80 ? `${value.slice(0, 77)}...` : value
}

/** Kubernetes' own users and groups (system:masters, system:nodes, system:serviceaccount:…). */
function isSystemIdentity(name: string): boolean {
  return name.startsWith('system:')
}

function isRfc3339(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text) && !Number.isNaN(Date.parse(text))
}

/** What is wrong with one serviceAccountExternalPermissions entry's AWS grant, or undefined. */
function policyProblem(entry: unknown): string | undefined {
  const arns = arrayAt(entry, 'aws.policyARNs') ?? []
  if (arns.some((arn) => typeof arn === 'string' && /:policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess)$/.test(arn))) return 'an administrator-level managed policy'
  const inline = valueAt(entry, 'aws.inlinePolicy')
  if (inline === undefined) return arns.length > 0 ? undefined : 'no inlinePolicy and no policyARNs'
  let statements: unknown
  try {
    statements = JSON.parse(String(inline))
  } catch {
    return 'an inlinePolicy that is not JSON'
  }
  // kops parses inlinePolicy as a JSON array of statements; `kops update cluster` fails on a document.
  if (!Array.isArray(statements)) return 'an inlinePolicy that is not a JSON array of IAM statements (kops refuses a {"Version", "Statement"} document)'
  for (const statement of statements as unknown[]) {
    if (!isJson(statement) || statement.Effect !== 'Allow') continue
    const actions = ([] as unknown[]).concat(statement.Action ?? [])
    const resources = ([] as unknown[]).concat(statement.Resource ?? [])
    if (actions.some((a) => a === '*' || a === 'iam:*' || a === 'sts:*') || (resources.includes('*') && actions.some((a) => typeof a === 'string' && a.endsWith(':*')))) {
      return `a wildcard grant (${actions.map(String).join(', ')} on ${resources.map(String).join(', ')})`
    }
  }
  return undefined
}
