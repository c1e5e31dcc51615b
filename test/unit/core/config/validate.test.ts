import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'
import {stringify} from 'yaml'

import {defaultDiscoveryBucket} from '../../../../src/core/config/defaults.js'
import {parseDuration} from '../../../../src/core/config/duration.js'
import {checkClusterFile, validateClusterFile} from '../../../../src/core/config/validate.js'
import {CliError, ExitCode, InvalidFileError, RefusedError, type FileIssue} from '../../../../src/core/errors.js'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const example = (name: string): string => readFileSync(`${ROOT}examples/${name}.yaml`, 'utf8')

/** The smallest files each profile accepts: everything else comes from the profile. */
function minimal(profile: 'production' | 'sandbox', spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'kopsmith/v1alpha1',
    kind: 'Cluster',
    metadata: {name: profile === 'production' ? 'prod.k8s.acme.de' : 'bob.sandbox.k8s.acme.de'},
    spec: {
      profile,
      region: 'eu-central-1',
      kubernetesVersion: '1.35.7',
      stateStore: {bucket: 'acme-kops-state'},
      dns: {zone: profile === 'production' ? 'k8s.acme.de' : 'sandbox.k8s.acme.de'},
      access: {api: ['10.0.0.0/8']},
      owner: 'bob@acme.de',
      ...spec,
    },
  }
}

function rejection(text: string, options: {now?: Date} = {}): CliError & {details?: {issues?: FileIssue[]}} {
  try {
    validateClusterFile(text, 'cluster.yaml', options)
  } catch (error) {
    if (error instanceof CliError) return error
    throw error
  }
  throw new Error('the file was accepted')
}

describe('the examples', () => {
  it('production.yaml is the cluster file of DESIGN.md', () => {
    const config = validateClusterFile(example('production'), 'examples/production.yaml')
    expect(config).toEqual({
      name: 'prod.k8s.acme.de',
      profile: 'production',
      region: 'eu-central-1',
      zones: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'],
      kubernetesVersion: '1.35.7',
      stateStore: {bucket: 'acme-kops-state', kmsKeyId: null, discoveryBucket: 'acme-kops-state-oidc'},
      dns: {zone: 'k8s.acme.de', type: 'private'},
      network: {cidr: '10.20.0.0/16', cni: 'cilium'},
      access: {api: ['10.0.0.0/8'], ssh: []},
      bastion: {enabled: false},
      controlPlane: {instanceType: 'm7i.large', count: 3},
      nodeGroups: [{name: 'general', instanceType: 'm7i.xlarge', minSize: 3, maxSize: 12, spot: false, zones: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c']}],
      addons: {ingress: {enabled: true}, clusterAutoscaler: {enabled: true}, logging: {enabled: true, destination: 'cloudwatch', retentionDays: 30, endpoint: null}},
      namespaces: {file: 'namespaces.yaml'},
      authentication: {
        aws: {
          mappings: [
            {roleARN: 'arn:aws:iam::123456789012:role/payments-devs', groups: ['payments-devs'], username: 'iam:{{SessionName}}'},
            {roleARN: 'arn:aws:iam::123456789012:role/reporting-devs', groups: ['reporting-devs'], username: 'iam:{{SessionName}}'},
          ],
        },
        oidc: null,
      },
      owner: 'platform@acme.de',
      protected: true,
      ttl: null,
      expiresAt: null,
      upgrade: {maxSurge: 1, drainTimeout: '15m', window: 'Sat 02:00-06:00 Europe/Berlin'},
      etcd: {backupRetentionDays: 90},
      waivers: [],
    })
  })

  it('sandbox.yaml is a one-zone, expiring, unprotected sandbox owned by alice', () => {
    const config = validateClusterFile(example('sandbox'), 'examples/sandbox.yaml')
    expect(config).toMatchObject({
      name: 'alice.sandbox.k8s.acme.de',
      profile: 'sandbox',
      zones: ['eu-central-1a'],
      dns: {zone: 'sandbox.k8s.acme.de', type: 'public'},
      controlPlane: {count: 1},
      ttl: '72h',
      protected: false,
      owner: 'alice@acme.de',
    })
  })

  it.each(['production', 'sandbox'])('%s.yaml starts with the JSON Schema modeline for editors', (name) => {
    expect(example(name).split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/cluster.schema.json')
  })
})

describe('profile defaults', () => {
  it('a sandbox gets 1 zone, 1 control plane, ttl 72h, protected false, short log retention, kops\' etcd backup retention', () => {
    const config = validateClusterFile(stringify(minimal('sandbox')), 'sandbox.yaml')
    expect(config.zones).toEqual(['eu-central-1a'])
    expect(config.controlPlane).toEqual({instanceType: 't3.medium', count: 1})
    expect(config.ttl).toBe('72h')
    expect(config.protected).toBe(false)
    expect(config.etcd.backupRetentionDays).toBe(90)
    expect(config.addons.logging.retentionDays).toBe(7)
    expect(config.nodeGroups).toEqual([{name: 'general', instanceType: 't3.large', minSize: 1, maxSize: 3, spot: true, zones: ['eu-central-1a']}])
  })

  it('a production cluster gets 3 zones, 3 control planes, protection, 30-day logs and kops\' 90-day etcd backups', () => {
    const config = validateClusterFile(stringify(minimal('production')), 'prod.yaml')
    expect(config.zones).toEqual(['eu-central-1a', 'eu-central-1b', 'eu-central-1c'])
    expect(config.controlPlane).toEqual({instanceType: 'm7i.large', count: 3})
    expect(config.protected).toBe(true)
    expect(config.ttl).toBeNull()
    expect(config.etcd.backupRetentionDays).toBe(90)
    expect(config.addons.logging.retentionDays).toBe(30)
  })

  it('a sandbox with ttl: null gets the default lifetime', () => {
    expect(validateClusterFile(stringify(minimal('sandbox', {ttl: null})), 's.yaml').ttl).toBe('72h')
  })

  it('a logging block without retentionDays still takes the profile retention', () => {
    const config = validateClusterFile(stringify(minimal('sandbox', {addons: {logging: {destination: 'cloudwatch'}}})), 's.yaml')
    expect(config.addons.logging.retentionDays).toBe(7)
  })

  it('what the file says wins over the profile', () => {
    const config = validateClusterFile(stringify(minimal('production', {protected: false, controlPlane: {instanceType: 'm7i.2xlarge'}})), 'p.yaml')
    expect(config.protected).toBe(false)
    expect(config.controlPlane).toEqual({instanceType: 'm7i.2xlarge', count: 3})
  })

  it('a sandbox may span two zones and still has one control plane', () => {
    const config = validateClusterFile(stringify(minimal('sandbox', {zones: ['eu-central-1a', 'eu-central-1b']})), 's.yaml')
    expect(config.zones).toHaveLength(2)
    expect(config.controlPlane.count).toBe(1)
  })

  it('lists the fields it filled in, and only those', () => {
    const {defaultsApplied} = checkClusterFile(stringify(minimal('sandbox', {network: {cidr: '10.30.0.0/16'}})), 's.yaml')
    expect(defaultsApplied).toEqual(
      expect.arrayContaining(['spec.zones', 'spec.ttl', 'spec.protected', 'spec.controlPlane.instanceType', 'spec.nodeGroups', 'spec.network.cni', 'spec.dns.type']),
    )
    expect(defaultsApplied).not.toContain('spec.network.cidr')
    expect(defaultsApplied).not.toContain('spec.kubernetesVersion')
  })

  it('the default discovery bucket is never the state bucket, even for a 63-character name', () => {
    const long = 'a'.repeat(57) + '-state'
    expect(long).toHaveLength(63)
    const discovery = defaultDiscoveryBucket(long)
    expect(discovery).not.toBe(long)
    expect(discovery.length).toBeLessThanOrEqual(63)
    expect(discovery).toMatch(/^[a-z0-9][a-z0-9.-]*-oidc$/)
  })
})

describe('collecting issues', () => {
  it('reports every semantic issue at once, in file order', () => {
    const text = stringify(minimal('production', {ttl: '72h', access: {api: ['0.0.0.0/0']}, nodeGroups: [{name: 'general', instanceType: 'm7i.large', minSize: 5, maxSize: 2}]}))
    const error = rejection(text)
    expect(error).toBeInstanceOf(InvalidFileError)
    const issues = error.details?.issues ?? []
    expect(issues.map((i) => i.path)).toEqual(['spec.access.api[0]', 'spec.ttl', 'spec.nodeGroups[0].minSize'])
    const lines = issues.map((i) => i.line ?? 0)
    expect(lines).toEqual([...lines].sort((a, b) => a - b))
    expect(error.message).toContain('cluster.yaml has 3 problems')
  })

  it('reports every schema issue at once', () => {
    const text = stringify({...minimal('production'), kind: 'Clustr', extra: true})
    const issues = rejection(text).details?.issues ?? []
    expect(issues.map((i) => i.path).sort()).toEqual(['extra', 'kind'])
  })
})

describe('a region outside Germany', () => {
  it('is refused with exit 9 when the file is otherwise schema-valid, listing the other problems too', () => {
    const text = stringify(minimal('production', {region: 'us-east-1', ttl: '24h'}))
    const error = rejection(text)
    expect(error).toBeInstanceOf(RefusedError)
    expect(error.exitCode).toBe(ExitCode.Refused)
    expect(error.details?.issues?.map((i) => i.path)).toEqual(['spec.region', 'spec.ttl'])
    expect(error.suggestions).toContain('region: eu-central-1')
    expect(error.message).toMatch(/data must stay in Germany\n {2}cluster\.yaml:\d+:3: spec\.region: region "us-east-1" is outside Germany/)
    expect(error.message).toContain('Also fix:')
  })

  it('is one more issue of an invalid file (exit 3) when the file does not match the schema', () => {
    const file = minimal('production', {region: 'us-east-1'}) as {spec: Record<string, unknown>}
    delete file.spec.owner
    const error = rejection(stringify(file))
    expect(error).toBeInstanceOf(InvalidFileError)
    expect(error.exitCode).toBe(ExitCode.InvalidFile)
    expect(error.details?.issues?.map((i) => i.path).sort()).toEqual(['spec.owner', 'spec.region'])
  })
})

describe('sandbox lifetime', () => {
  const now = new Date('2026-05-01T12:00:00Z')

  it('accepts an expiry within 14 days of now', () => {
    expect(() => validateClusterFile(stringify(minimal('sandbox', {expiresAt: '2026-05-04T12:00:00Z'})), 's.yaml', {now})).not.toThrow()
  })

  it('rejects an expiry further away than 14 days', () => {
    const error = rejection(stringify(minimal('sandbox', {expiresAt: '2026-05-20T12:00:00Z'})), {now})
    expect(error.details?.issues?.[0]).toMatchObject({path: 'spec.expiresAt', message: expect.stringContaining('more than 14 days away')})
  })

  it('accepts exactly 14 days and rejects a ttl under an hour', () => {
    expect(() => validateClusterFile(stringify(minimal('sandbox', {ttl: '14d'})), 's.yaml')).not.toThrow()
    expect(rejection(stringify(minimal('sandbox', {ttl: '30m'}))).details?.issues?.[0]?.message).toContain('at least 1h')
  })
})

describe('other rules', () => {
  it('accepts a bastion with SSH from a private range', () => {
    const config = validateClusterFile(stringify(minimal('production', {bastion: {enabled: true}, access: {api: ['10.0.0.0/8'], ssh: ['10.1.0.0/16']}})), 'p.yaml')
    expect(config.access.ssh).toEqual(['10.1.0.0/16'])
  })

  it('accepts OpenSearch with an https endpoint, and rejects a plain http one', () => {
    const logging = (endpoint: string) => minimal('production', {addons: {logging: {destination: 'opensearch', endpoint}}})
    expect(validateClusterFile(stringify(logging('https://logs.acme.de')), 'p.yaml').addons.logging.endpoint).toBe('https://logs.acme.de')
    expect(rejection(stringify(logging('http://logs.acme.de'))).details?.issues?.[0]).toMatchObject({path: 'spec.addons.logging.endpoint', message: expect.stringContaining('https')})
  })

  it('accepts a KMS key ARN in eu-central-1', () => {
    const arn = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'
    expect(validateClusterFile(stringify(minimal('production', {stateStore: {bucket: 'acme-kops-state', kmsKeyId: arn}})), 'p.yaml').stateStore.kmsKeyId).toBe(arn)
  })

  it('checks node group zones against the default zones when spec.zones is left out', () => {
    const groups = [{name: 'edge', instanceType: 'm7i.large', minSize: 1, maxSize: 2, zones: ['eu-central-1b']}]
    expect(validateClusterFile(stringify(minimal('production', {nodeGroups: groups})), 'p.yaml').nodeGroups[0]?.zones).toEqual(['eu-central-1b'])
    const outside = rejection(stringify(minimal('sandbox', {nodeGroups: groups})))
    expect(outside.details?.issues?.[0]).toMatchObject({path: 'spec.nodeGroups[0].zones[0]', message: expect.stringContaining('eu-central-1a')})
  })

  it('accepts Kubernetes 1.31 and 1.37, rejects 1.30 and 1.38', () => {
    for (const v of ['1.31.0', '1.37.1']) expect(() => validateClusterFile(stringify(minimal('production', {kubernetesVersion: v})), 'p.yaml')).not.toThrow()
    for (const v of ['1.30.9', '1.38.0']) expect(rejection(stringify(minimal('production', {kubernetesVersion: v}))).details?.issues?.[0]?.path).toBe('spec.kubernetesVersion')
  })
})

describe('parseDuration', () => {
  it.each([
    ['72h', 72 * 3_600_000],
    ['1h30m', 90 * 60_000],
    ['3d', 72 * 3_600_000],
    ['90s', 90_000],
    ['1d2h3m4s', ((26 * 60 + 3) * 60 + 4) * 1000],
  ])('%s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it.each(['', '72', '30m1h', '1h1h', '1.5h', '3 days', 'h'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined()
  })
})

