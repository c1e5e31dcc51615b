import {describe, expect, it} from 'vitest'

import {bucketOfStateStore} from '../../../../src/core/naming.js'

import {validateClusterFile} from '../../../../src/core/config/validate.js'
import {
  SCHEMA_MODELINE,
  setClusterFileExpiry,
  buildSandboxClusterFile,
  defaultSandboxKubernetesVersion,
  ownerFromCallerArn,
  renderSandboxClusterFile,
  sandboxClusterName,
} from '../../../../src/core/sandbox/cluster-file.js'
import {SANDBOX_SIZES, SANDBOX_SIZE_NAMES} from '../../../../src/core/sandbox/sizes.js'

const zone = 'sandbox.k8s.acme.de'

describe('sandboxClusterName', () => {
  it.each([
    ['alice', 'alice.sandbox.k8s.acme.de'],
    ['alice-test', 'alice-test.sandbox.k8s.acme.de'],
    ['alice.sandbox.k8s.acme.de', 'alice.sandbox.k8s.acme.de'],
    ['alice.sandbox.k8s.acme.de.', 'alice.sandbox.k8s.acme.de'],
    ['team1.alice', 'team1.alice.sandbox.k8s.acme.de'],
  ])('%s → %s', (input, name) => {
    expect(sandboxClusterName(input, zone)).toEqual({ok: true, name})
  })

  it.each([
    ['', 'required'],
    ['Alice', 'not a DNS label'],
    ['alice_test', 'not a DNS label'],
    ['-alice', 'not a DNS label'],
    ['alice-', 'not a DNS label'],
    ['a'.repeat(64), 'not a DNS label'],
    [zone, 'below the zone'],
  ])('refuses %j (%s)', (input, problem) => {
    const verdict = sandboxClusterName(input, zone)
    expect(verdict.ok).toBe(false)
    if (!verdict.ok) expect(verdict.problem).toContain(problem)
  })
})

describe('ownerFromCallerArn', () => {
  it.each([
    ['arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Dev_1/Alice@Acme.de', 'alice@acme.de'],
    ['arn:aws:iam::123456789012:user/bob@acme.de', 'bob@acme.de'],
    ['arn:aws:iam::123456789012:user/ci-bot', undefined],
    ['arn:aws:sts::123456789012:assumed-role/platform/i-0abc', undefined],
  ])('%s → %s', (arn, owner) => {
    expect(ownerFromCallerArn(arn)).toBe(owner)
  })
})

describe('the sandbox cluster file', () => {
  it('defaults to a Kubernetes version kopsmith accepts', () => {
    expect(defaultSandboxKubernetesVersion()).toMatch(/^1\.\d+\.\d+$/)
  })

  it.each(SANDBOX_SIZE_NAMES)('size %s renders a file that validates, with the modeline, the sandbox profile and the expiry', (size) => {
    const data = buildSandboxClusterFile({
      name: 'alice.sandbox.k8s.acme.de', zone, bucket: 'acme-kops-state', owner: 'alice@acme.de', size,
      ttl: '72h', expiresAt: '2026-05-04T10:00:00Z', kubernetesVersion: defaultSandboxKubernetesVersion(), apiAccess: ['10.0.0.0/8'],
    })
    const text = renderSandboxClusterFile(data, size, '2026-05-01T10:00:00Z')
    expect(text.split('\n')[0]).toBe(SCHEMA_MODELINE)
    expect(text).toContain('expiresAt: "2026-05-04T10:00:00Z"')
    const config = validateClusterFile(text, 'clusters/alice.sandbox.k8s.acme.de.yaml', {now: new Date('2026-05-01T10:00:00Z')})
    expect(config).toMatchObject({
      name: 'alice.sandbox.k8s.acme.de',
      profile: 'sandbox',
      protected: false,
      ttl: '72h',
      expiresAt: '2026-05-04T10:00:00Z',
      owner: 'alice@acme.de',
      controlPlane: {instanceType: SANDBOX_SIZES[size].controlPlane, count: 1},
    })
    expect(config.nodeGroups).toEqual([expect.objectContaining({instanceType: SANDBOX_SIZES[size].nodes.instanceType, minSize: SANDBOX_SIZES[size].nodes.minSize, spot: true})])
  })
})

describe('setClusterFileExpiry', () => {
  const file = 'spec:\n  owner: a@acme.de   # me\n  access: {api: [10.0.0.0/8]}\n  expiresAt: 2026-05-01T00:00:00Z # old\n'

  it('replaces the value in place, leaving comments and flow style alone', () => {
    expect(setClusterFileExpiry(file, '2026-05-02T00:00:00Z')).toBe(file.replace('2026-05-01T00:00:00Z', '"2026-05-02T00:00:00Z"'))
  })

  it('adds expiresAt when the file has none', () => {
    const out = setClusterFileExpiry('spec:\n  ttl: 72h\n', '2026-05-02T00:00:00Z')
    expect(out).toBe('spec:\n  ttl: 72h\n  expiresAt: "2026-05-02T00:00:00Z"\n')
  })
})

describe('bucketOfStateStore', () => {
  it.each([
    ['s3://acme-kops-state', 'acme-kops-state'],
    ['s3://acme-kops-state/', 'acme-kops-state'],
    ['acme-kops-state', 'acme-kops-state'],
    ['s3://acme-kops-state/prefix', undefined],
    ['file:///tmp/state', undefined],
    [undefined, undefined],
  ])('%s → %s', (url, bucket) => {
    expect(bucketOfStateStore(url)).toBe(bucket)
  })
})
