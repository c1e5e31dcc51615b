import {describe, expect, it} from 'vitest'

import {decideBundleObject, isAppliedAction, summarizeBundle} from '../../../../src/core/addons/bundle.js'
import type {KubeObject} from '../../../../src/ports.js'

const crd = (version?: string, channel?: string): KubeObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: {
    name: 'gateways.gateway.networking.k8s.io',
    annotations: {
      ...(version ? {'gateway.networking.k8s.io/bundle-version': version} : {}),
      ...(channel ? {'gateway.networking.k8s.io/channel': channel} : {}),
    },
  },
})

const ours = crd('v1.6.1', 'standard')

describe('Gateway API bundle decisions: installed when missing or older, never downgraded', () => {
  it.each([
    ['missing', undefined, 'install', 'installed v1.6.1'],
    ['older patch', crd('v1.6.0', 'standard'), 'upgrade', 'upgraded v1.6.0→v1.6.1'],
    ['older minor (the reduced v1.3.0 CRDs of earlier kopsmith versions)', crd('v1.3.0', 'standard'), 'upgrade', 'upgraded v1.3.0→v1.6.1'],
    ['older release candidate', crd('v1.6.1-rc.1', 'standard'), 'upgrade', 'upgraded v1.6.1-rc.1→v1.6.1'],
    ['no release annotation (hand-written)', crd(undefined, undefined), 'upgrade', 'upgraded (no version)→v1.6.1'],
    ['same release', crd('v1.6.1', 'standard'), 'unchanged', 'unchanged v1.6.1'],
    ['newer patch', crd('v1.6.2', 'standard'), 'keep-newer', 'kept newer v1.6.2'],
    ['newer minor, compared as versions not strings', crd('v1.10.0', 'standard'), 'keep-newer', 'kept newer v1.10.0'],
    ['experimental channel, older', crd('v1.5.0', 'experimental'), 'keep-channel', 'kept experimental channel v1.5.0; kopsmith ships standard v1.6.1'],
    ['experimental channel, same release', crd('v1.6.1', 'experimental'), 'keep-channel', 'kept experimental channel v1.6.1; kopsmith ships standard v1.6.1'],
  ] as const)('%s → %s', (_, live, action, summary) => {
    const decision = decideBundleObject(ours, live)
    expect(decision).toMatchObject({action, summary, version: 'v1.6.1', ref: {kind: 'CustomResourceDefinition', name: 'gateways.gateway.networking.k8s.io'}})
  })

  it('applies only what it installs, upgrades or already matches', () => {
    expect(['install', 'upgrade', 'unchanged'].every((a) => isAppliedAction(a as never))).toBe(true)
    expect(isAppliedAction('keep-newer')).toBe(false)
    expect(isAppliedAction('keep-channel')).toBe(false)
  })

  it('summarizes a bundle in one line, counting alike decisions', () => {
    const decisions = [
      decideBundleObject(ours, undefined),
      decideBundleObject(ours, undefined),
      decideBundleObject(ours, crd('v1.4.0', 'standard')),
      decideBundleObject(ours, crd('v1.7.0', 'standard')),
    ]
    expect(summarizeBundle(decisions)).toBe('2 installed v1.6.1, 1 upgraded v1.4.0→v1.6.1, 1 kept newer v1.7.0')
  })
})
