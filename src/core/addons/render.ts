import {parseAllDocuments} from 'yaml'

import type {KubeObject} from '../../ports.js'
import {addonOwnerLabels, withLabels} from '../apply/ownership.js'
import type {ClusterConfig} from '../config/types.js'
import {CliError, PreconditionError} from '../errors.js'
import {compareMinor, minorOf} from '../kops/versions.js'
import {BUNDLE_CHANNEL_ANNOTATION, BUNDLE_VERSION_ANNOTATION} from './bundle.js'
import {ADDON_IDENTITIES, autoscalerDiscoveryTags, logGroupName} from './identities.js'
import type {AddonData, AddonMetadata} from './metadata.js'

/** The shipped addons, in install order, with the cluster-file key that switches each on or off. */
export const ADDON_NAMES = ['ingress', 'cluster-autoscaler', 'logging'] as const
export type AddonName = (typeof ADDON_NAMES)[number]

const CONFIG_KEY = {ingress: 'ingress', 'cluster-autoscaler': 'clusterAutoscaler', logging: 'logging'} as const satisfies Record<AddonName, keyof ClusterConfig['addons']>

export function isAddonEnabled(config: ClusterConfig, name: string): boolean {
  const key = CONFIG_KEY[name as AddonName]
  return key !== undefined && config.addons[key].enabled
}

/** The addon's version on this cluster: its own, or for `followsKubernetesMinor` the image tag of the cluster's minor. */
export function resolveAddonVersion(metadata: AddonMetadata, kubernetesVersion: string): string {
  if (!metadata.followsKubernetesMinor) return metadata.version
  const [first] = Object.values(resolveImages(metadata, kubernetesVersion))
  return first?.split(':').pop() ?? metadata.version
}

/** Image references (`repository:tag`) by image key, for the cluster's Kubernetes version. */
export function resolveImages(metadata: AddonMetadata, kubernetesVersion: string): Record<string, string> {
  const minor = minorOf(kubernetesVersion)
  const out: Record<string, string> = {}
  for (const [key, image] of Object.entries(metadata.images)) {
    const tag = image.tag ?? image.tagByKubernetesMinor?.[minor]
    if (!tag) {
      const known = Object.keys(image.tagByKubernetesMinor ?? {}).sort(compareMinor)
      throw new PreconditionError(`Addon ${metadata.name} has no ${key} image for Kubernetes ${minor} (known: ${known.join(', ')})`, {
        suggestions: [`Use a Kubernetes version between ${known[0]} and ${known[known.length - 1]}`, `Or disable the addon: spec.addons.${CONFIG_KEY[metadata.name as AddonName] ?? metadata.name}.enabled: false`],
      })
    }
    out[key] = `${image.repository}:${tag}`
  }
  return out
}

export function supportsKubernetes(metadata: AddonMetadata, kubernetesVersion: string): boolean {
  const minor = minorOf(kubernetesVersion)
  return compareMinor(minor, metadata.kubernetes.min) >= 0 && compareMinor(minor, metadata.kubernetes.max) <= 0
}

/** The enabled addons, each after its dependencies. */
export function orderAddons(addons: readonly AddonData[]): AddonData[] {
  const byName = new Map(addons.map((a) => [a.metadata.name, a]))
  const out: AddonData[] = []
  const visiting = new Set<string>()
  const visit = (a: AddonData) => {
    if (out.includes(a)) return
    if (visiting.has(a.metadata.name)) throw new CliError(`addon dependency cycle at ${a.metadata.name}`)
    visiting.add(a.metadata.name)
    for (const dep of a.metadata.dependencies) {
      const d = byName.get(dep)
      if (!d) throw new CliError(`addon ${a.metadata.name} depends on unknown addon ${dep}`)
      visit(d)
    }
    out.push(a)
  }
  const rank = (a: AddonData) => {
    const i = ADDON_NAMES.indexOf(a.metadata.name as AddonName)
    return i < 0 ? ADDON_NAMES.length : i
  }
  for (const a of [...addons].sort((x, y) => rank(x) - rank(y))) visit(a)
  return out
}

/** Every object of every enabled addon, labelled with its owner (for prune). Pure. */
export function renderAddons(config: ClusterConfig, addons: readonly AddonData[]): KubeObject[] {
  return orderAddons(addons.filter((a) => isAddonEnabled(config, a.metadata.name))).flatMap((a) => renderAddon(config, a))
}

/** One addon's objects. Refuses (exit 4) a Kubernetes version outside the addon's range. */
export function renderAddon(config: ClusterConfig, addon: AddonData): KubeObject[] {
  const {metadata} = addon
  if (!supportsKubernetes(metadata, config.kubernetesVersion)) {
    throw new PreconditionError(
      `Addon ${metadata.name} supports Kubernetes ${metadata.kubernetes.min}–${metadata.kubernetes.max}, the cluster runs ${config.kubernetesVersion}`,
      {suggestions: [`Disable it (spec.addons.${CONFIG_KEY[metadata.name as AddonName] ?? metadata.name}.enabled: false) or pick a supported Kubernetes version`]},
    )
  }
  const vars = addonVariables(config, metadata)
  const objects = metadata.manifests.flatMap((file) => {
    const template = addon.templates.find((t) => t.file === file)
    if (!template) throw new CliError(`addons/${metadata.name}/${file} is listed in addon.yaml but missing`)
    return parseTemplate(template.text, `addons/${metadata.name}/${file}`).map((doc) => substitute(doc, vars, `addons/${metadata.name}/${file}`) as KubeObject)
  })
  return [...objects.map((o) => withLabels(o, addonOwnerLabels(metadata.name))), ...renderAddonBundle(addon)]
}

/**
 * The addon's upstream bundle objects exactly as upstream wrote them: parsed the way Kubernetes
 * reads manifests (YAML 1.1), no substitution, no labels. Every object must carry the release and
 * channel addon.yaml declares — shipped files that disagree are a bug in kopsmith.
 */
export function renderAddonBundle(addon: AddonData): KubeObject[] {
  const spec = addon.metadata.gatewayApi
  if (!spec) return []
  // 1.2 MB of CRDs take over a second to parse: once per loaded addon. The objects are not modified.
  const cached = parsedBundles.get(addon)
  if (cached) return cached
  const objects = (addon.bundle ?? []).flatMap(({file, text}) => {
    const path = `addons/${addon.metadata.name}/${spec.directory}/${file}`
    const docs = parseAllDocuments(text, {version: '1.1'})
    if (!Array.isArray(docs)) return []
    return docs.flatMap((doc) => {
      if (doc.errors.length > 0) throw new CliError(`${path}: ${doc.errors[0]?.message}`)
      const value = doc.toJS() as KubeObject | null
      if (!value) return []
      const annotations = value.metadata?.annotations ?? {}
      if (annotations[BUNDLE_VERSION_ANNOTATION] !== spec.bundleVersion || annotations[BUNDLE_CHANNEL_ANNOTATION] !== spec.channel) {
        throw new CliError(`${path}: ${value.kind} ${value.metadata?.name} is not Gateway API ${spec.channel} ${spec.bundleVersion} as addon.yaml says`)
      }
      return [value]
    })
  })
  if (objects.length === 0) throw new CliError(`addons/${addon.metadata.name}/${spec.directory}/ holds no manifests`)
  parsedBundles.set(addon, objects)
  return objects
}

const parsedBundles = new WeakMap<AddonData, KubeObject[]>()

export type TemplateValue = string | number | boolean | TemplateValue[] | {[k: string]: TemplateValue}

/** The values templates may use as `${name}`; image references as `${image.<key>}`. */
export function addonVariables(config: ClusterConfig, metadata: AddonMetadata): Record<string, TemplateValue> {
  const identity = identityOf(metadata.name)
  const images = resolveImages(metadata, config.kubernetesVersion)
  const vars: Record<string, TemplateValue> = {
    clusterName: config.name,
    region: config.region,
    kubernetesVersion: config.kubernetesVersion,
    kubernetesMinor: minorOf(config.kubernetesVersion),
    namespace: identity?.namespace ?? metadata.namespace,
    version: resolveAddonVersion(metadata, config.kubernetesVersion),
    ...(identity ? {serviceAccount: identity.serviceAccount} : {}),
    ...Object.fromEntries(Object.entries(images).map(([k, v]) => [`image.${k}`, v])),
  }
  if (metadata.name === 'ingress') vars.accessApi = [...config.access.api]
  if (metadata.name === 'cluster-autoscaler') vars.autoDiscoveryTags = Object.keys(autoscalerDiscoveryTags(config.name)).join(',')
  if (metadata.name === 'logging') {
    vars.logGroupName = logGroupName(config.name)
    vars.retentionDays = config.addons.logging.retentionDays
    vars.output = fluentBitOutput(config)
    vars.configHash = fnv1a(JSON.stringify([vars.output, metadata.version]))
  }
  return vars
}

function identityOf(name: string): {namespace: string; serviceAccount: string} | undefined {
  switch (name) {
    case 'ingress':
      return ADDON_IDENTITIES.ingress
    case 'cluster-autoscaler':
      return ADDON_IDENTITIES.clusterAutoscaler
    case 'logging':
      return ADDON_IDENTITIES.logging
    default:
      return undefined
  }
}

/**
 * Fluent Bit's [OUTPUT] section: CloudWatch Logs in the cluster's region (a log group per cluster,
 * created with the configured retention), or OpenSearch with SigV4 when so configured.
 */
export function fluentBitOutput(config: ClusterConfig): string {
  const logging = config.addons.logging
  if (logging.destination === 'opensearch') {
    if (!logging.endpoint) throw new PreconditionError('spec.addons.logging.endpoint is required when destination is opensearch')
    const url = new URL(logging.endpoint)
    return [
      '[OUTPUT]',
      '    Name                opensearch',
      '    Match               kube.*',
      `    Host                ${url.hostname}`,
      `    Port                ${url.port || (url.protocol === 'http:' ? '80' : '443')}`,
      `    tls                 ${url.protocol === 'http:' ? 'Off' : 'On'}`,
      '    AWS_Auth            On',
      `    AWS_Region          ${config.region}`,
      '    Logstash_Format     On',
      `    Logstash_Prefix     ${config.name.replace(/\./g, '-')}`,
      '    Suppress_Type_Name  On',
      '    Retry_Limit         False',
      '',
    ].join('\n')
  }
  return [
    '[OUTPUT]',
    '    Name                cloudwatch_logs',
    '    Match               kube.*',
    `    region              ${config.region}`,
    `    log_group_name      ${logGroupName(config.name)}`,
    "    log_stream_template $kubernetes['namespace_name'].$kubernetes['pod_name'].$kubernetes['container_name']",
    '    log_stream_prefix   node-',
    '    auto_create_group   On',
    `    log_retention_days  ${logging.retentionDays}`,
    '    Retry_Limit         False',
    '',
  ].join('\n')
}

function parseTemplate(text: string, file: string): unknown[] {
  const docs = parseAllDocuments(text)
  if (!Array.isArray(docs)) return []
  const out: unknown[] = []
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new CliError(`${file}: ${doc.errors[0]?.message}`)
    const value: unknown = doc.toJS()
    if (value !== null && value !== undefined) out.push(value)
  }
  return out
}

const PLACEHOLDER = /\$\$\{|\$\{([A-Za-z0-9_.-]+)\}/g

/**
 * Replaces `${name}` inside parsed string values (never in YAML text, so a value can not inject
 * structure). A string that is exactly one placeholder takes the variable's type (number, list…);
 * `$${` is a literal `${`. An unknown name is a bug in the shipped templates.
 */
export function substitute(node: unknown, vars: Record<string, TemplateValue>, file: string): unknown {
  if (typeof node === 'string') {
    const whole = /^\$\{([A-Za-z0-9_.-]+)\}$/.exec(node)
    if (whole) return lookup(vars, whole[1]!, file)
    return node.replace(PLACEHOLDER, (match, name: string | undefined) => (name === undefined ? '${' : String(lookup(vars, name, file))))
  }
  if (Array.isArray(node)) return node.map((n) => substitute(n, vars, file))
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [substitute(k, vars, file) as string, substitute(v, vars, file)]))
  }
  return node
}

function lookup(vars: Record<string, TemplateValue>, name: string, file: string): TemplateValue {
  const value = vars[name]
  if (value === undefined) throw new CliError(`${file}: unknown template variable \${${name}}`)
  return value
}

/** FNV-1a, 32 bit: a short stable fingerprint that changes with the rendered config. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash.toString(16).padStart(8, '0')
}
