import {Netmask} from 'netmask'

import {InvalidFileError, RefusedError, formatIssue, type FileIssue} from '../errors.js'
import {describeExposure, publicExposure} from '../net/exposure.js'
import {parseMaintenanceWindow} from '../window.js'
import {formatPath, positionOf, readYamlDocument, type YamlDocument} from '../yaml-file.js'
import {defaultDiscoveryBucket, PROFILE_DEFAULTS, resolveClusterConfig, SANDBOX_MAX_TTL_HOURS} from './defaults.js'
import {HOUR_MS, parseDuration} from './duration.js'
import {GERMAN_REGIONS} from './constants.js'
import type {ClusterFile} from './schema.js'
import type {ClusterConfig} from './types.js'

type Segment = string | number
type Spec = ClusterFile['spec']
/** Builds a FileIssue for a field path, with the field's line:column in the file. */
type At = (path: Segment[], message: string) => FileIssue

export interface ValidateOptions {
  /** Reference time for checks of `expiresAt`; without it those checks are skipped. */
  now?: Date
}

export interface ValidatedClusterFile {
  config: ClusterConfig
  /** Field paths the file left out and kopsmith filled in (profile and built-in defaults). */
  defaultsApplied: string[]
}

/** Zones per supported region; eu-central-1 (Frankfurt) has three. */
export const REGION_ZONES: Readonly<Record<string, readonly string[]>> = {
  'eu-central-1': ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'],
}

/** Kubernetes minors kopsmith accepts in a file at all; the kops binary's own window is checked later (H18). */
export const KUBERNETES_MINORS = {min: 31, max: 37} as const

const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']
/** CloudWatch Logs accepts only these retention periods (PutRetentionPolicy). */
const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]

/**
 * What decides whether data has the cluster file's shape. The zod schema (validate.ts) explains
 * every problem; the validator precompiled from the same JSON Schema at build time (no schema is
 * compiled at start-up) only says yes or no, so on "no" the caller asks zod for the reasons.
 */
export type SchemaCheck = (data: unknown, yaml: YamlDocument) => {ok: true; value: ClusterFile} | {ok: false; issues?: FileIssue[]}

/**
 * Validates a cluster file and applies the profile defaults. Pure.
 *
 * Throws InvalidFileError (exit 3) listing every problem — schema and semantic — each with its
 * field path and line:column. A region outside Germany is a safety refusal (RefusedError, exit 9),
 * but only when the file is otherwise schema-valid: a file that does not even parse as a cluster
 * file is an invalid file first (exit 3), and its issue list then includes the region as well.
 * Returns undefined only when `schemaCheck` rejected the data without saying why.
 */
export function checkClusterFileWith(text: string, file: string, options: ValidateOptions, schemaCheck: SchemaCheck): ValidatedClusterFile | undefined {
  const yaml = readYamlDocument(text, file)
  const at = issueBuilder(yaml)
  const region = regionIssue(yaml.data, at)
  const parsed = schemaCheck(yaml.data, yaml)
  if (!parsed.ok) {
    if (!parsed.issues) return undefined
    throw invalidFile(file, region ? [...parsed.issues, region] : parsed.issues)
  }
  const issues = semanticIssues(parsed.value, at, options)
  if (region) throw refuseRegion(file, region, issues)
  if (issues.length > 0) throw invalidFile(file, issues)
  return {config: resolveClusterConfig(parsed.value), defaultsApplied: listDefaultsApplied(yaml.data, parsed.value)}
}

function issueBuilder({doc, lines}: YamlDocument): At {
  return (path, message) => ({path: formatPath(path), message, ...positionOf(doc, lines, path)})
}

function invalidFile(file: string, issues: FileIssue[]): InvalidFileError {
  return new InvalidFileError(file, sortByPosition(issues), {
    suggestions: [`Fix the fields listed above, then run: kopsmith config validate ${file}`],
  })
}

function refuseRegion(file: string, region: FileIssue, others: FileIssue[]): RefusedError {
  const rest = sortByPosition(others)
  const message = [
    `${file}: refused: the cluster's data must stay in Germany`,
    `  ${formatIssue(file, region)}`,
    ...(rest.length > 0 ? ['Also fix:', ...rest.map((i) => `  ${formatIssue(file, i)}`)] : []),
  ].join('\n')
  return new RefusedError(message, {suggestions: ['region: eu-central-1'], details: {file, issues: [region, ...rest]}})
}

function sortByPosition(issues: FileIssue[]): FileIssue[] {
  return [...issues].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0))
}

/** Read from the raw data, so the refusal is reported even when the rest of the file is broken. */
function regionIssue(data: unknown, at: At): FileIssue | undefined {
  const region = getIn(data, ['spec', 'region'])
  if (typeof region !== 'string' || (GERMAN_REGIONS as readonly string[]).includes(region)) return undefined
  return at(
    ['spec', 'region'],
    `region ${JSON.stringify(region)} is outside Germany; kopsmith builds clusters only in eu-central-1 (Frankfurt) so that data stays in Germany`,
  )
}

function semanticIssues(file: ClusterFile, at: At, options: ValidateOptions): FileIssue[] {
  const {spec} = file
  return [
    ...nameIssues(file, at),
    ...zoneIssues(spec, at),
    ...versionIssues(spec, at),
    ...stateStoreIssues(spec, at),
    ...networkIssues(spec, at),
    ...accessIssues(spec, at),
    ...nodeGroupIssues(spec, at),
    ...addonIssues(spec, at),
    ...lifetimeIssues(spec, at, options),
    ...upgradeIssues(spec, at),
    ...authenticationIssues(spec, at),
    ...waiverIssues(spec, at),
  ]
}

function nameIssues(file: ClusterFile, at: At): FileIssue[] {
  const name = file.metadata.name
  const zone = file.spec.dns.zone
  const example = `${name.split('.')[0]}.${zone}`
  if (name === zone) {
    return [at(['metadata', 'name'], `the cluster name must be a subdomain of spec.dns.zone "${zone}", not the zone itself, e.g. ${example}`)]
  }
  if (!name.endsWith(`.${zone}`)) {
    return [at(['metadata', 'name'], `the cluster name "${name}" must be a name under spec.dns.zone "${zone}", e.g. ${example}`)]
  }
  return []
}

function zoneIssues(spec: Spec, at: At): FileIssue[] {
  const zones = spec.zones
  if (!zones) return []
  const issues: FileIssue[] = []
  const known = REGION_ZONES[spec.region]
  let duplicates = false
  zones.forEach((zone, i) => {
    const first = zones.indexOf(zone)
    if (first !== i) {
      duplicates = true
      issues.push(at(['spec', 'zones', i], `zone "${zone}" is listed twice (also at spec.zones[${first}]); each zone once`))
    } else if (known && !known.includes(zone)) {
      issues.push(at(['spec', 'zones', i], `zone "${zone}" is not in region ${spec.region}; expected one of ${known.join(', ')}`))
    }
  })
  if (spec.profile === 'production' && !duplicates && (zones.length < 3 || zones.length % 2 === 0)) {
    issues.push(
      at(
        ['spec', 'zones'],
        `production needs an odd number of zones, at least 3, got ${zones.length}: one control plane per zone keeps etcd's quorum when a zone fails; use ${(known ?? []).join(', ')}`,
      ),
    )
  }
  return issues
}

function versionIssues(spec: Spec, at: At): FileIssue[] {
  const minor = Number(spec.kubernetesVersion.split('.')[1])
  if (minor >= KUBERNETES_MINORS.min && minor <= KUBERNETES_MINORS.max) return []
  return [
    at(
      ['spec', 'kubernetesVersion'],
      `Kubernetes ${spec.kubernetesVersion} is outside what kopsmith supports (1.${KUBERNETES_MINORS.min} to 1.${KUBERNETES_MINORS.max}), e.g. 1.35.7`,
    ),
  ]
}

function stateStoreIssues(spec: Spec, at: At): FileIssue[] {
  const issues: FileIssue[] = []
  const {bucket, discoveryBucket, kmsKeyId} = spec.stateStore
  if (discoveryBucket === bucket) {
    issues.push(
      at(
        ['spec', 'stateStore', 'discoveryBucket'],
        `the discovery bucket is public-read and must not be the state bucket "${bucket}"; leave it out for ${defaultDiscoveryBucket(bucket)}`,
      ),
    )
  }
  const keyRegion = kmsKeyId?.startsWith('arn:') ? kmsKeyId.split(':')[3] : undefined
  if (keyRegion !== undefined && keyRegion !== spec.region) {
    issues.push(at(['spec', 'stateStore', 'kmsKeyId'], `the KMS key is in ${keyRegion}; S3 and EBS in ${spec.region} need a key in ${spec.region}`))
  }
  return issues
}

function networkIssues(spec: Spec, at: At): FileIssue[] {
  const cidr = spec.network?.cidr
  if (cidr === undefined) return []
  const path = ['spec', 'network', 'cidr']
  const block = new Netmask(cidr)
  const canonical = canonicalIssue(cidr, block)
  if (canonical) return [at(path, canonical)]
  if (!PRIVATE_RANGES.some((range) => new Netmask(range).contains(block))) {
    return [at(path, `${cidr} is not a private range; use a block inside ${PRIVATE_RANGES.join(', ')} (RFC 1918), e.g. 10.20.0.0/16`)]
  }
  if (block.bitmask < 16) {
    return [at(path, `${cidr} is larger than AWS allows for a VPC (/16 to /28); use a /16, e.g. ${block.base}/16`)]
  }
  if (block.bitmask > 20) {
    return [
      at(
        path,
        `${cidr} is too small: kopsmith derives a private and a utility subnet for each zone (6 subnets for 3 zones) and nodes and pods take their addresses from them; use a /20 or larger (/16 recommended), e.g. 10.20.0.0/16`,
      ),
    ]
  }
  return []
}

function accessIssues(spec: Spec, at: At): FileIssue[] {
  const issues: FileIssue[] = []
  for (const kind of ['api', 'ssh'] as const) {
    const what = kind === 'api' ? 'the Kubernetes API' : 'SSH'
    let slashZero = false
    spec.access[kind].forEach((cidr, i) => {
      const block = new Netmask(cidr)
      if (block.bitmask === 0) {
        slashZero = true
        issues.push(at(['spec', 'access', kind, i], `${cidr} would open ${what} to the whole internet; list only the networks that need it, e.g. 10.0.0.0/8`))
        return
      }
      const canonical = canonicalIssue(cidr, block)
      if (canonical) issues.push(at(['spec', 'access', kind, i], canonical))
    })
    // What the CIDRs admit together: 0.0.0.0/1 + 128.0.0.0/1 is as open as 0.0.0.0/0 (core/net/exposure.ts).
    if (slashZero) continue
    for (const exposure of publicExposure(spec.access[kind])) {
      if (exposure.tooOpen) issues.push(at(['spec', 'access', kind], `${describeExposure(exposure, what)}; list only the networks that need it, e.g. 10.0.0.0/8`))
    }
  }
  if (spec.access.ssh.length > 0 && !spec.bastion?.enabled) {
    issues.push(at(['spec', 'access', 'ssh'], 'SSH is only allowed through a bastion: set spec.bastion.enabled: true, or leave access.ssh empty for no SSH at all'))
  }
  return issues
}

function canonicalIssue(cidr: string, block: Netmask): string | undefined {
  const address = cidr.split('/')[0]
  if (address === block.base) return undefined
  return `${cidr} is not a network address (host bits are set); did you mean ${block.base}/${block.bitmask}?`
}

function nodeGroupIssues(spec: Spec, at: At): FileIssue[] {
  const groups = spec.nodeGroups
  if (!groups) return []
  const clusterZones = spec.zones ?? PROFILE_DEFAULTS[spec.profile].zoneSuffixes.map((suffix) => `${spec.region}${suffix}`)
  const issues: FileIssue[] = []
  groups.forEach((group, i) => {
    const first = groups.findIndex((g) => g.name === group.name)
    if (first !== i) issues.push(at(['spec', 'nodeGroups', i, 'name'], `node group name "${group.name}" is already used by spec.nodeGroups[${first}]; names must be unique`))
    if (group.minSize > group.maxSize) {
      issues.push(at(['spec', 'nodeGroups', i, 'minSize'], `minSize ${group.minSize} is larger than maxSize ${group.maxSize}`))
    }
    group.zones?.forEach((zone, j) => {
      if (!clusterZones.includes(zone)) {
        const source = spec.zones ? 'spec.zones' : `the ${spec.profile} default zones`
        issues.push(at(['spec', 'nodeGroups', i, 'zones', j], `zone "${zone}" is not one of the cluster's zones (${source}: ${clusterZones.join(', ')})`))
      }
    })
  })
  return issues
}

function addonIssues(spec: Spec, at: At): FileIssue[] {
  const logging = spec.addons?.logging
  if (!logging) return []
  const path = ['spec', 'addons', 'logging']
  const issues: FileIssue[] = []
  if (logging.destination === 'opensearch' && !logging.endpoint) {
    issues.push(at([...path, 'endpoint'], 'logging to opensearch needs an endpoint, e.g. endpoint: https://logs.example.eu-central-1.es.amazonaws.com'))
  }
  if (logging.destination === 'cloudwatch' && logging.endpoint) {
    issues.push(at([...path, 'endpoint'], 'endpoint is used only with destination: opensearch; remove it for CloudWatch'))
  }
  if (logging.destination === 'cloudwatch' && logging.retentionDays !== undefined && !CLOUDWATCH_RETENTION_DAYS.includes(logging.retentionDays)) {
    const nearest = CLOUDWATCH_RETENTION_DAYS.find((d) => d >= (logging.retentionDays ?? 0)) ?? 3653
    issues.push(
      at([...path, 'retentionDays'], `CloudWatch Logs cannot keep logs for ${logging.retentionDays} days; use one of ${CLOUDWATCH_RETENTION_DAYS.join(', ')} (e.g. ${nearest})`),
    )
  }
  return issues
}

function lifetimeIssues(spec: Spec, at: At, options: ValidateOptions): FileIssue[] {
  const issues: FileIssue[] = []
  if (spec.profile === 'production') {
    if (spec.ttl !== undefined && spec.ttl !== null) {
      issues.push(at(['spec', 'ttl'], 'production clusters do not expire: remove ttl (it is only for profile: sandbox)'))
    }
    if (spec.expiresAt !== undefined) {
      issues.push(at(['spec', 'expiresAt'], 'production clusters do not expire: remove expiresAt (it is only for profile: sandbox)'))
    }
    return issues
  }
  const maxMs = SANDBOX_MAX_TTL_HOURS * HOUR_MS
  if (spec.ttl) {
    const ms = parseDuration(spec.ttl) ?? 0
    if (ms > maxMs) issues.push(at(['spec', 'ttl'], `ttl ${spec.ttl} is longer than a sandbox may live: at most 14 days (${SANDBOX_MAX_TTL_HOURS}h)`))
    if (ms < HOUR_MS) issues.push(at(['spec', 'ttl'], `ttl ${spec.ttl} is too short: a sandbox needs at least 1h to come up`))
  }
  if (spec.expiresAt && options.now && Date.parse(spec.expiresAt) - options.now.getTime() > maxMs) {
    issues.push(at(['spec', 'expiresAt'], `expiresAt ${spec.expiresAt} is more than 14 days away; a sandbox may live at most ${SANDBOX_MAX_TTL_HOURS}h`))
  }
  return issues
}

function upgradeIssues(spec: Spec, at: At): FileIssue[] {
  const issues: FileIssue[] = []
  const window = spec.upgrade?.window
  if (window) {
    // The same parser `cluster upgrade` evaluates the window with, so what validates is what runs.
    const verdict = parseMaintenanceWindow(window)
    if (!verdict.ok) issues.push(at(['spec', 'upgrade', 'window'], verdict.message))
  }
  const drain = spec.upgrade?.drainTimeout
  if (drain !== undefined && (parseDuration(drain) ?? 0) < 60_000) {
    issues.push(at(['spec', 'upgrade', 'drainTimeout'], `drainTimeout ${drain} is too short to drain a node; use at least 1m (default 15m)`))
  }
  return issues
}

/** Placeholders aws-iam-authenticator fills in a user name without calling an AWS API. */
const IAM_USERNAME_PLACEHOLDERS = ['{{AccountID}}', '{{SessionName}}', '{{SessionNameRaw}}', '{{AccessKeyID}}']

/**
 * Nobody who logs in may become one of Kubernetes' own identities (hardening H19 audits the same
 * in the kops spec): `system:masters` bypasses RBAC entirely, `system:nodes` gets the node
 * authorizer, and an OIDC token without a prefix could name any of them.
 */
function authenticationIssues(spec: Spec, at: At): FileIssue[] {
  const auth = spec.authentication
  if (!auth) return []
  const path = ['spec', 'authentication']
  if (!auth.aws && !auth.oidc) return [at(path, 'names no method: set aws and/or oidc, or write authentication: null for none (only kops\' admin certificates)')]
  const issues: FileIssue[] = []
  const mappings = auth.aws?.mappings ?? []
  mappings.forEach((mapping, i) => {
    const here = [...path, 'aws', 'mappings', i]
    const role = mapping.roleARN.slice(mapping.roleARN.indexOf(':role/') + ':role/'.length)
    if (role.includes('/')) {
      const name = role.slice(role.lastIndexOf('/') + 1)
      issues.push(
        at([...here, 'roleARN'], `aws-iam-authenticator matches a session by its role without the role's path (STS names sessions assumed-role/NAME/SESSION), so this mapping would never match; write ${mapping.roleARN.slice(0, mapping.roleARN.indexOf(':role/'))}:role/${name}`),
      )
    }
    const first = mappings.findIndex((m) => m.roleARN.toLowerCase() === mapping.roleARN.toLowerCase())
    if (first !== i) issues.push(at([...here, 'roleARN'], `the role is already mapped at spec.authentication.aws.mappings[${first}]; one mapping per role (list all its groups there)`))
    if (mapping.username !== undefined) {
      if (isSystemName(mapping.username)) issues.push(at([...here, 'username'], `"${mapping.username}" would log in as one of Kubernetes' own users; use a name of your own such as iam:{{SessionName}}`))
      if (/^(true|false|yes|no|on|off|y|n|null|[-+]?[\d._]+)$/i.test(mapping.username)) {
        issues.push(at([...here, 'username'], `"${mapping.username}" would not read back as a name from the manifest kops writes (YAML turns it into a boolean, null or number); use e.g. iam:{{SessionName}}`))
      }
      const unknown = (mapping.username.match(/\{\{[^}]*\}\}/g) ?? []).filter((p) => !IAM_USERNAME_PLACEHOLDERS.includes(p))
      if (unknown.length > 0) issues.push(at([...here, 'username'], `unknown placeholder ${unknown.join(', ')}; use ${IAM_USERNAME_PLACEHOLDERS.join(', ')}`))
    }
    mapping.groups.forEach((group, j) => {
      if (isSystemName(group)) {
        issues.push(
          at([...here, 'groups', j], `"${group}" is one of Kubernetes' own groups (system:masters bypasses RBAC entirely); map the role to a team group and let namespaces bootstrap bind it`),
        )
      }
    })
  })
  const oidc = auth.oidc
  if (oidc) {
    const url = URL.canParse(oidc.issuerURL) ? new URL(oidc.issuerURL) : undefined
    const wrong = !url ? 'an invalid host or port' : url.search ? 'a query' : url.hash ? 'a fragment' : undefined
    if (wrong) issues.push(at([...path, 'oidc', 'issuerURL'], `the API server refuses an issuer URL with ${wrong}; give the issuer exactly as its tokens name it (iss), e.g. https://login.acme.de/realms/acme`))
    for (const [key, what] of [['usernamePrefix', 'users'], ['groupsPrefix', 'groups']] as const) {
      const prefix = oidc[key]
      if (prefix === '' || prefix === '-') {
        issues.push(at([...path, 'oidc', key], `a prefix is required, so that no ID token can name one of Kubernetes' own ${what} (system:…); use e.g. "oidc:"`))
      } else if (isSystemName(prefix)) {
        issues.push(at([...path, 'oidc', key], `"${prefix}" would make the ${what} of every ID token Kubernetes' own (system:…); use e.g. "oidc:"`))
      }
    }
  }
  return issues
}

function isSystemName(name: string): boolean {
  return name.startsWith('system:')
}

function waiverIssues(spec: Spec, at: At): FileIssue[] {
  const waivers = spec.waivers ?? []
  return waivers.flatMap((waiver, i) => {
    const first = waivers.findIndex((w) => w.id === waiver.id)
    return first === i ? [] : [at(['spec', 'waivers', i, 'id'], `${waiver.id} is already waived at spec.waivers[${first}]; one waiver per check`)]
  })
}

/**
 * Leaf paths the file left out that the profile or a built-in default filled in. Read from the raw
 * data, because zod's own defaults are already filled into the parsed value.
 */
function listDefaultsApplied(raw: unknown, file: ClusterFile): string[] {
  const {spec} = file
  const absent = (path: Segment[]): boolean => getIn(raw, path) === undefined
  const candidates: Segment[][] = [
    ['spec', 'zones'],
    ['spec', 'stateStore', 'kmsKeyId'],
    ['spec', 'stateStore', 'discoveryBucket'],
    ['spec', 'dns', 'type'],
    ['spec', 'network', 'cidr'],
    ['spec', 'network', 'cni'],
    ['spec', 'access', 'ssh'],
    ['spec', 'bastion', 'enabled'],
    ['spec', 'controlPlane', 'instanceType'],
    ['spec', 'nodeGroups'],
    ...(spec.nodeGroups ?? []).flatMap((_, i) => [['spec', 'nodeGroups', i, 'spot'], ['spec', 'nodeGroups', i, 'zones']]),
    ['spec', 'addons', 'ingress', 'enabled'],
    ['spec', 'addons', 'clusterAutoscaler', 'enabled'],
    ['spec', 'addons', 'logging', 'enabled'],
    ['spec', 'addons', 'logging', 'destination'],
    ['spec', 'addons', 'logging', 'retentionDays'],
    ['spec', 'protected'],
    ['spec', 'authentication'],
    ...(spec.authentication?.oidc ? [['spec', 'authentication', 'oidc', 'usernameClaim'], ['spec', 'authentication', 'oidc', 'groupsClaim']] : []),
    ['spec', 'upgrade', 'maxSurge'],
    ['spec', 'upgrade', 'drainTimeout'],
  ]
  const applied = candidates.filter(absent).map(formatPath)
  // A sandbox's ttl: null also means "the default lifetime".
  if (spec.profile === 'sandbox' && (spec.ttl === undefined || spec.ttl === null)) applied.push('spec.ttl')
  return applied
}

function getIn(value: unknown, path: readonly Segment[]): unknown {
  let current = value
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string | number, unknown>)[segment]
  }
  return current
}
