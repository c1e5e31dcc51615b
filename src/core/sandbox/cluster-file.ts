import {Document, isScalar, parseDocument} from 'yaml'

import type {ClusterFileInput} from '../config/schema.js'
import {STABLE_CHANNEL_PATCHES, compareMinor} from '../kops/versions.js'
import {SANDBOX_NODE_GROUP, SANDBOX_SIZES, type SandboxSize} from './sizes.js'

/** The modeline editors use to validate the file; `clusters/` sits next to `schema/`. */
export const SCHEMA_MODELINE = '# yaml-language-server: $schema=../schema/cluster.schema.json'
export const SANDBOX_DEFAULT_ZONE = 'sandbox.k8s.acme.de'
/** The corporate network reaches the API through the VPN; never the internet (H03). */
export const SANDBOX_DEFAULT_API_ACCESS = ['10.0.0.0/8']

/**
 * The newest stable-channel patch that both supported kops releases can drive (kops supports its
 * own minor and the one before), so a new hire's kops is very likely to accept it.
 */
export function defaultSandboxKubernetesVersion(): string {
  const minors = Object.keys(STABLE_CHANNEL_PATCHES).sort(compareMinor)
  const minor = minors[minors.length - 2] ?? minors[minors.length - 1] ?? '1.35'
  return STABLE_CHANNEL_PATCHES[minor] ?? '1.35.7'
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/

export type NameVerdict = {ok: true; name: string} | {ok: false; problem: string}

/**
 * What the user typed → the cluster's full name under the sandbox zone: `alice` becomes
 * `alice.sandbox.k8s.acme.de`; a name already ending in the zone is taken as it is.
 */
export function sandboxClusterName(input: string, zone: string): NameVerdict {
  const text = input.trim().replace(/\.$/, '')
  if (text === '') return {ok: false, problem: `a name is required, e.g. ${exampleName(zone)}`}
  const prefix = text === zone ? '' : text.endsWith(`.${zone}`) ? text.slice(0, -(zone.length + 1)) : text
  if (prefix === '') return {ok: false, problem: `the name must be below the zone ${zone}, e.g. ${exampleName(zone)}`}
  const bad = prefix.split('.').find((label) => !DNS_LABEL.test(label))
  if (bad !== undefined) {
    return {ok: false, problem: `"${bad}" is not a DNS label (RFC 1123): lowercase letters, digits and hyphens, at most 63, starting and ending with a letter or digit, e.g. ${exampleName(zone)}`}
  }
  const name = `${prefix}.${zone}`
  if (name.length > 253) return {ok: false, problem: `${name} is longer than 253 characters`}
  return {ok: true, name}
}

function exampleName(zone: string): string {
  return `alice-test (→ alice-test.${zone})`
}

export function sandboxClusterFilePath(name: string): string {
  return `clusters/${name}.yaml`
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export function isEmail(value: string): boolean {
  return EMAIL.test(value)
}

/**
 * An owner e-mail from an STS caller ARN, when the identity carries one: SSO and federated role
 * sessions are usually named after the person's e-mail
 * (`arn:aws:sts::1:assumed-role/Role/alice@acme.de`), IAM users sometimes are.
 */
export function ownerFromCallerArn(arn: string): string | undefined {
  const last = arn.split('/').pop() ?? ''
  return isEmail(last) ? last.toLowerCase() : undefined
}

export interface SandboxAnswers {
  name: string
  zone: string
  bucket: string
  owner: string
  size: SandboxSize
  ttl: string
  expiresAt: string
  kubernetesVersion: string
  apiAccess: string[]
}

/** The sandbox cluster file as data: the sandbox profile, one zone, spot nodes, an expiry. */
export function buildSandboxClusterFile(a: SandboxAnswers): ClusterFileInput {
  const size = SANDBOX_SIZES[a.size]
  return {
    apiVersion: 'kopsmith/v1alpha1',
    kind: 'Cluster',
    metadata: {name: a.name},
    spec: {
      profile: 'sandbox',
      region: 'eu-central-1',
      kubernetesVersion: a.kubernetesVersion,
      stateStore: {bucket: a.bucket},
      // Public, as in examples/sandbox.yaml: sandboxes share the zone, each in its own VPC, and need no VPN for DNS.
      dns: {zone: a.zone, type: 'public'},
      access: {api: [...a.apiAccess]},
      controlPlane: {instanceType: size.controlPlane},
      nodeGroups: [{name: SANDBOX_NODE_GROUP, instanceType: size.nodes.instanceType, minSize: size.nodes.minSize, maxSize: size.nodes.maxSize, spot: true}],
      owner: a.owner,
      protected: false,
      ttl: a.ttl,
      expiresAt: a.expiresAt,
    },
  }
}

/** YAML with the schema modeline and a header saying where the file came from and when it dies. */
export function renderSandboxClusterFile(file: ClusterFileInput, size: SandboxSize, now: string): string {
  const doc = new Document(file)
  doc.commentBefore = [
    SCHEMA_MODELINE.slice(1),
    ` Sandbox (${size}) written by \`kopsmith sandbox create\` at ${now} for ${file.spec.owner}.`,
    ` It expires at ${file.spec.expiresAt ?? '(unknown)'} and is then deleted by \`kopsmith cluster reap\`;`,
    ` extend it with \`kopsmith sandbox extend ${file.metadata.name} --ttl 24h\`.`,
  ].join('\n')
  // Quoted: YAML 1.1 readers (Kubernetes tooling) would turn an unquoted date-time into a timestamp.
  const expiresAt = doc.getIn(['spec', 'expiresAt'], true)
  if (isScalar(expiresAt)) expiresAt.type = 'QUOTE_DOUBLE'
  return doc.toString({lineWidth: 0})
}

/**
 * The cluster file with `spec.expiresAt` replaced, everything else — comments, order, quoting —
 * left as the user wrote it (`sandbox extend -f FILE`).
 */
export function setClusterFileExpiry(text: string, expiresAt: string): string {
  const doc = parseDocument(text)
  if (doc.errors.length > 0) throw new Error(`cannot edit the cluster file: ${doc.errors[0]?.message ?? 'YAML error'}`)
  const current = doc.getIn(['spec', 'expiresAt'], true)
  // Splice the value in place: re-printing the whole document would reflow the user's formatting.
  if (isScalar(current) && current.range) return `${text.slice(0, current.range[0])}${JSON.stringify(expiresAt)}${text.slice(current.range[1])}`
  const node = doc.createNode(expiresAt)
  node.type = 'QUOTE_DOUBLE'
  doc.setIn(['spec', 'expiresAt'], node)
  return doc.toString({lineWidth: 0})
}

/** The bucket of a kops state store URL `s3://BUCKET` (kopsmith keeps clusters at the bucket root). */
