import {readdirSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

import {validateClusterFile} from '../../../../src/core/config/validate.js'
import {CliError, type FileIssue} from '../../../../src/core/errors.js'

const FIXTURES = fileURLToPath(new URL('../../../fixtures/cluster-files/', import.meta.url))

interface Case {
  file: string
  exit: number
  path: string
  line: number
  column: number
  message: string
}

/**
 * Each fixture is `valid/production-base.yaml` or `valid/sandbox-base.yaml` (plus a comment line on
 * top) with exactly one mistake, so each must report exactly one issue: this one.
 */
const CASES: Case[] = [
  // unknown keys
  {file: 'typo-key.yaml', exit: 3, path: 'spec.nodeGroup', line: 26, column: 3, message: 'unknown field "nodeGroup"; did you mean "nodeGroups"?'},
  {file: 'unknown-top-level-key.yaml', exit: 3, path: 'status', line: 39, column: 1, message: 'unknown field "status"'},
  {file: 'unknown-nested-key.yaml', exit: 3, path: 'spec.nodeGroups[0].spotInstances', line: 31, column: 7, message: 'expected one of: name, instanceType, minSize, maxSize, spot, zones'},
  // identity of the file
  {file: 'wrong-api-version.yaml', exit: 3, path: 'apiVersion', line: 2, column: 1, message: 'expected "kopsmith/v1alpha1", got string "kopsmith/v1"'},
  {file: 'wrong-kind.yaml', exit: 3, path: 'kind', line: 3, column: 1, message: 'expected "Cluster", got string "Deployment"'},
  // missing fields point at their parent's key
  {file: 'missing-owner.yaml', exit: 3, path: 'spec.owner', line: 6, column: 1, message: 'required field is missing (expected a string)'},
  {file: 'missing-profile.yaml', exit: 3, path: 'spec.profile', line: 6, column: 1, message: 'required field is missing (expected one of "production", "sandbox")'},
  {file: 'missing-metadata-name.yaml', exit: 3, path: 'metadata.name', line: 4, column: 1, message: 'required field is missing'},
  // wrong values and types
  {file: 'wrong-profile.yaml', exit: 3, path: 'spec.profile', line: 7, column: 3, message: 'expected one of "production", "sandbox", got string "prod"'},
  {file: 'wrong-type-min-size.yaml', exit: 3, path: 'spec.nodeGroups[0].minSize', line: 29, column: 7, message: 'expected a number, got string "three"'},
  {file: 'negative-min-size.yaml', exit: 3, path: 'spec.nodeGroups[0].minSize', line: 29, column: 7, message: 'expected a number of at least 0, got number -1'},
  {file: 'wrong-type-zones.yaml', exit: 3, path: 'spec.zones', line: 9, column: 3, message: 'expected a list, got string "eu-central-1a"'},
  {file: 'empty-zones.yaml', exit: 3, path: 'spec.zones', line: 9, column: 3, message: 'expected at least 1 item(s)'},
  {file: 'wrong-type-protected.yaml', exit: 3, path: 'spec.protected', line: 36, column: 3, message: 'expected true or false, got string "yes"'},
  {file: 'invalid-email.yaml', exit: 3, path: 'spec.owner', line: 35, column: 3, message: 'expected an e-mail address, got "platform-team"'},
  // Kubernetes version
  {file: 'kubernetes-version-number.yaml', exit: 3, path: 'spec.kubernetesVersion', line: 10, column: 3, message: 'expected a string, got number 1.35'},
  {file: 'bad-kubernetes-version.yaml', exit: 3, path: 'spec.kubernetesVersion', line: 10, column: 3, message: 'expected a full Kubernetes version such as 1.35.7'},
  {file: 'kubernetes-1-20.yaml', exit: 3, path: 'spec.kubernetesVersion', line: 10, column: 3, message: 'Kubernetes 1.20.15 is outside what kopsmith supports (1.31 to 1.37)'},
  // region and zones
  {file: 'region-us-east-1.yaml', exit: 9, path: 'spec.region', line: 8, column: 3, message: 'region "us-east-1" is outside Germany; kopsmith builds clusters only in eu-central-1 (Frankfurt) so that data stays in Germany'},
  {file: 'region-eu-west-1.yaml', exit: 9, path: 'spec.region', line: 8, column: 3, message: 'region "eu-west-1" is outside Germany'},
  {file: 'zone-outside-region.yaml', exit: 3, path: 'spec.zones[2]', line: 9, column: 41, message: 'zone "eu-west-1c" is not in region eu-central-1'},
  {file: 'duplicate-zone.yaml', exit: 3, path: 'spec.zones[2]', line: 9, column: 41, message: 'zone "eu-central-1a" is listed twice (also at spec.zones[0])'},
  {file: 'production-two-zones.yaml', exit: 3, path: 'spec.zones', line: 9, column: 3, message: 'production needs an odd number of zones, at least 3, got 2'},
  // names
  {file: 'name-not-under-zone.yaml', exit: 3, path: 'metadata.name', line: 5, column: 3, message: 'must be a name under spec.dns.zone "k8s.acme.de"'},
  {file: 'name-equals-zone.yaml', exit: 3, path: 'metadata.name', line: 5, column: 3, message: 'not the zone itself'},
  {file: 'bad-dns-name.yaml', exit: 3, path: 'metadata.name', line: 5, column: 3, message: 'expected a lowercase DNS name (RFC 1123)'},
  {file: 'bad-bucket-name.yaml', exit: 3, path: 'spec.stateStore.bucket', line: 12, column: 5, message: 'expected an S3 bucket name'},
  {file: 'discovery-bucket-is-state-bucket.yaml', exit: 3, path: 'spec.stateStore.discoveryBucket', line: 13, column: 5, message: 'public-read and must not be the state bucket'},
  {file: 'kms-key-other-region.yaml', exit: 3, path: 'spec.stateStore.kmsKeyId', line: 13, column: 5, message: 'the KMS key is in us-east-1'},
  // access and network
  {file: 'api-open-to-world.yaml', exit: 3, path: 'spec.access.api[0]', line: 20, column: 11, message: '0.0.0.0/0 would open the Kubernetes API to the whole internet'},
  {file: 'ssh-slash-zero.yaml', exit: 3, path: 'spec.access.ssh[0]', line: 21, column: 11, message: '192.168.0.0/0 would open SSH to the whole internet'},
  {file: 'api-open-in-halves.yaml', exit: 3, path: 'spec.access.api', line: 20, column: 5, message: 'together these CIDRs open the Kubernetes API to the whole IPv4 internet'},
  {file: 'ssh-open-in-pieces.yaml', exit: 3, path: 'spec.access.ssh', line: 21, column: 5, message: 'together these CIDRs open SSH to 1,086,324,736 public IPv4 addresses'},
  {file: 'ssh-without-bastion.yaml', exit: 3, path: 'spec.access.ssh', line: 21, column: 5, message: 'SSH is only allowed through a bastion'},
  {file: 'non-canonical-cidr.yaml', exit: 3, path: 'spec.access.api[0]', line: 20, column: 11, message: 'did you mean 10.0.0.0/8?'},
  {file: 'public-network-cidr.yaml', exit: 3, path: 'spec.network.cidr', line: 17, column: 5, message: '8.20.0.0/16 is not a private range'},
  {file: 'small-network-cidr.yaml', exit: 3, path: 'spec.network.cidr', line: 17, column: 5, message: 'is too small: kopsmith derives a private and a utility subnet for each zone'},
  {file: 'large-network-cidr.yaml', exit: 3, path: 'spec.network.cidr', line: 17, column: 5, message: 'larger than AWS allows for a VPC'},
  {file: 'bad-cidr.yaml', exit: 3, path: 'spec.network.cidr', line: 17, column: 5, message: 'expected an IPv4 CIDR such as 10.0.0.0/8, got "10.20.0.0"'},
  // node groups
  {file: 'min-greater-than-max.yaml', exit: 3, path: 'spec.nodeGroups[0].minSize', line: 29, column: 7, message: 'minSize 13 is larger than maxSize 12'},
  {file: 'duplicate-node-group.yaml', exit: 3, path: 'spec.nodeGroups[1].name', line: 31, column: 7, message: 'already used by spec.nodeGroups[0]'},
  {file: 'node-group-zone-not-in-zones.yaml', exit: 3, path: 'spec.nodeGroups[0].zones[1]', line: 31, column: 30, message: 'zone "eu-central-1d" is not one of the cluster\'s zones'},
  // lifetime
  {file: 'ttl-on-production.yaml', exit: 3, path: 'spec.ttl', line: 37, column: 3, message: 'production clusters do not expire'},
  {file: 'expires-at-on-production.yaml', exit: 3, path: 'spec.expiresAt', line: 37, column: 3, message: 'production clusters do not expire'},
  {file: 'sandbox-ttl-30d.yaml', exit: 3, path: 'spec.ttl', line: 19, column: 3, message: 'ttl 30d is longer than a sandbox may live: at most 14 days (336h)'},
  {file: 'bad-duration.yaml', exit: 3, path: 'spec.ttl', line: 19, column: 3, message: 'expected a duration such as 72h'},
  // addons
  {file: 'opensearch-without-endpoint.yaml', exit: 3, path: 'spec.addons.logging.endpoint', line: 32, column: 5, message: 'logging to opensearch needs an endpoint'},
  {file: 'cloudwatch-retention.yaml', exit: 3, path: 'spec.addons.logging.retentionDays', line: 34, column: 7, message: 'CloudWatch Logs cannot keep logs for 10 days'},
  // authentication
  {file: 'auth-system-masters.yaml', exit: 3, path: 'spec.authentication.aws.mappings[0].groups[1]', line: 43, column: 30, message: '"system:masters" is one of Kubernetes\' own groups'},
  {file: 'auth-role-with-path.yaml', exit: 3, path: 'spec.authentication.aws.mappings[0].roleARN', line: 42, column: 11, message: 'would never match; write arn:aws:iam::123456789012:role/payments-devs'},
  {file: 'auth-oidc-without-groups-prefix.yaml', exit: 3, path: 'spec.authentication.oidc.groupsPrefix', line: 40, column: 5, message: 'required field is missing'},
  {file: 'auth-oidc-prefix-disabled.yaml', exit: 3, path: 'spec.authentication.oidc.usernamePrefix', line: 43, column: 7, message: 'a prefix is required, so that no ID token can name one of Kubernetes\' own users'},
  {file: 'auth-oidc-http-issuer.yaml', exit: 3, path: 'spec.authentication.oidc.issuerURL', line: 41, column: 7, message: 'expected an https URL'},
  {file: 'auth-empty.yaml', exit: 3, path: 'spec.authentication', line: 39, column: 3, message: 'names no method'},
  // waivers
  {file: 'duplicate-waiver.yaml', exit: 3, path: 'spec.waivers[1].id', line: 42, column: 7, message: 'H04 is already waived at spec.waivers[0]'},
  {file: 'short-waiver-reason.yaml', exit: 3, path: 'spec.waivers[0].reason', line: 41, column: 7, message: 'expected a written reason of at least 10 characters'},
  {file: 'unknown-waiver-id.yaml', exit: 3, path: 'spec.waivers[0].id', line: 40, column: 7, message: 'expected one of "H01", "H02"'},
  // upgrade window
  {file: 'bad-window-timezone.yaml', exit: 3, path: 'spec.upgrade.window', line: 38, column: 5, message: 'unknown time zone "Europe/Berln"'},
  {file: 'window-empty.yaml', exit: 3, path: 'spec.upgrade.window', line: 38, column: 5, message: 'the window opens and closes at the same time'},
  {file: 'bad-window-format.yaml', exit: 3, path: 'spec.upgrade.window', line: 38, column: 5, message: 'expected a window such as "Sat 02:00-06:00 Europe/Berlin"'},
  // not a cluster file at all
  {file: 'yaml-syntax-error.yaml', exit: 3, path: '', line: 10, column: 3, message: 'YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]'},
  {file: 'bad-indentation.yaml', exit: 3, path: '', line: 10, column: 1, message: 'YAML syntax: All mapping items must start at the same column'},
  {file: 'duplicate-key.yaml', exit: 3, path: '', line: 9, column: 3, message: 'YAML syntax: Map keys must be unique'},
  {file: 'empty.yaml', exit: 3, path: '', line: 1, column: 1, message: 'the file is empty; expected a YAML mapping'},
  {file: 'list-instead-of-mapping.yaml', exit: 3, path: '', line: 2, column: 1, message: 'expected a mapping, got a list'},
  {file: 'scalar-document.yaml', exit: 3, path: '', line: 2, column: 1, message: 'expected a mapping, got string "prod.k8s.acme.de"'},
  {file: 'spec-is-a-list.yaml', exit: 3, path: 'spec', line: 6, column: 1, message: 'expected a mapping, got a list'},
]

function rejection(file: string): CliError & {details?: {issues?: FileIssue[]}} {
  const text = readFileSync(`${FIXTURES}invalid/${file}`, 'utf8')
  try {
    validateClusterFile(text, file)
  } catch (error) {
    if (error instanceof CliError) return error
    throw error
  }
  throw new Error(`${file} was accepted`)
}

describe('invalid cluster files', () => {
  it('has a table row for every fixture, and at least 30 of them', () => {
    const fixtures = readdirSync(`${FIXTURES}invalid`).filter((f) => f.endsWith('.yaml')).sort()
    expect(CASES.map((c) => c.file).sort()).toEqual(fixtures)
    expect(fixtures.length).toBeGreaterThanOrEqual(30)
  })

  it.each(['production-base.yaml', 'sandbox-base.yaml'])('the base file %s the fixtures change is valid', (file) => {
    expect(() => validateClusterFile(readFileSync(`${FIXTURES}valid/${file}`, 'utf8'), file)).not.toThrow()
  })

  it.each(CASES)('$file: exit $exit at $path ($line:$column)', ({file, exit, path, line, column, message}) => {
    const error = rejection(file)
    expect(error.exitCode).toBe(exit)
    const issues = error.details?.issues ?? []
    expect(issues).toHaveLength(1)
    expect(issues[0]).toMatchObject({path, line, column})
    expect(issues[0]?.message).toContain(message)
    // The human message carries the same facts: FILE:LINE:COL: PATH: MESSAGE.
    expect(error.message).toContain(`${file}:${line}:${column}: ${path || '(root)'}: `)
  })
})
