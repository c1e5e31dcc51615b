import {describe, expect, it} from 'vitest'

import {
  chooseRolloutMethod,
  durationSeconds,
  planUpgradePath,
  resolveTargetVersion,
  rolloutActions,
  setClusterVersion,
  storedKubernetesVersion,
} from '../../../../src/core/kops/upgrade-path.js'

describe('planUpgradePath', () => {
  it('goes 1.33 → 1.35 in two hops, the intermediate on the stable channel patch', () => {
    expect(planUpgradePath('1.33.13', '1.35.7', '1.35.2')).toEqual({
      ok: true,
      hops: [
        {from: '1.33.13', to: '1.34.10'},
        {from: '1.34.10', to: '1.35.7'},
      ],
    })
  })

  it('never skips a minor: a target three minors ahead is three hops', () => {
    const path = planUpgradePath('1.32.1', '1.35.7', '1.35.2')
    expect(path.ok && path.hops.map((h) => h.to)).toEqual(['1.33.13', '1.34.10', '1.35.7'])
  })

  it('upgrades a patch within the minor in one hop', () => {
    expect(planUpgradePath('1.35.2', '1.35.7', '1.35.2')).toEqual({ok: true, hops: [{from: '1.35.2', to: '1.35.7'}]})
  })

  it('has nothing to do when the versions are equal', () => {
    expect(planUpgradePath('1.35.7', 'v1.35.7', '1.35.2')).toEqual({ok: true, hops: []})
  })

  it.each([
    ['1.35.7', '1.34.10'],
    ['1.35.7', '1.35.2'],
  ])('refuses the downgrade %s → %s', (current, target) => {
    const path = planUpgradePath(current, target, '1.35.2')
    expect(path.ok).toBe(false)
    expect(!path.ok && path.reason).toBe('downgrade')
  })

  it('refuses a target beyond what the kops binary supports, naming its range', () => {
    const path = planUpgradePath('1.35.7', '1.36.3', '1.35.2')
    expect(path.ok).toBe(false)
    if (path.ok) return
    expect(path.reason).toBe('beyond-kops')
    expect(path.message).toContain('kops 1.35.2 supports Kubernetes 1.29–1.35')
    expect(path.message).toContain('needs kops 1.36 or newer')
  })

  it('refuses to skip minors the kops binary can no longer drive (1.29 with kops 1.36)', () => {
    const path = planUpgradePath('1.29.5', '1.31.14', '1.36.2')
    expect(path.ok).toBe(false)
    if (path.ok) return
    expect(path.reason).toBe('below-kops')
    expect(path.message).toContain('1.30')
    expect(path.message).toContain('never skips a minor')
  })

  it('refuses the path when only its first hop is below the binary (1.30 → 1.33 with kops 1.37)', () => {
    const path = planUpgradePath('1.30.5', '1.33.13', '1.37.0')
    expect(path).toMatchObject({ok: false, reason: 'below-kops'})
    expect(!path.ok && path.suggestions[0]).toContain('--to 1.31.14')
  })

  it('refuses an intermediate minor without a known stable patch', () => {
    const path = planUpgradePath('1.29.5', '1.31.14', '1.31.3')
    expect(!path.ok && path.reason).toBe('unknown-patch')
    expect(!path.ok && path.message).toContain('1.30')
  })

  it('refuses an unknown kops release and malformed versions', () => {
    expect(planUpgradePath('1.33.1', '1.34.10', '1.25.0')).toMatchObject({ok: false, reason: 'unknown-kops'})
    expect(planUpgradePath('1.33', '1.34.10', '1.35.2')).toMatchObject({ok: false, reason: 'invalid-version'})
  })
})

describe('resolveTargetVersion', () => {
  it.each([
    ['1.35.7', '1.35.7'],
    ['v1.34.2', '1.34.2'],
    ['1.36', '1.36.3'],
    ['1.30', undefined],
    ['latest', undefined],
  ])('%s → %s', (input, out) => {
    expect(resolveTargetVersion(input)).toBe(out)
  })
})

describe('chooseRolloutMethod / rolloutActions', () => {
  it.each([
    ['1.35.2', '15m', 'reconcile'],
    ['1.31.0', '900s', 'reconcile'],
    ['1.35.2', '30m', 'staged'],
    ['1.30.4', '15m', 'legacy'],
  ] as const)('kops %s with drain timeout %s → %s', (kops, drain, method) => {
    expect(chooseRolloutMethod(kops, drain)).toBe(method)
  })

  it('rolls the control plane before the nodes in both spelled-out sequences', () => {
    for (const method of ['staged', 'legacy'] as const) {
      const rolls = rolloutActions(method, '30m').filter((a) => a.kind === 'rolling-update')
      expect(rolls.map((a) => a.kind === 'rolling-update' && a.roles)).toEqual([
        ['control-plane', 'apiserver'],
        ['node', 'bastion'],
      ])
      expect(rolls.every((a) => a.kind === 'rolling-update' && a.drainTimeout === '30m')).toBe(true)
    }
    expect(rolloutActions('staged', '30m')[0]).toEqual({kind: 'update', roles: ['control-plane', 'apiserver']})
    expect(rolloutActions('reconcile', '15m')).toEqual([{kind: 'reconcile'}])
  })

  it.each([
    ['15m', 900],
    ['1h30m', 5400],
    ['90s', 90],
    ['', Number.NaN],
    ['15 minutes', Number.NaN],
  ])('durationSeconds(%j) = %s', (text, seconds) => {
    expect(durationSeconds(text)).toBe(seconds)
  })
})

describe('setClusterVersion', () => {
  it('changes only the version and the surge, and leaves the stored object untouched', () => {
    const stored = {apiVersion: 'kops.k8s.io/v1alpha2', kind: 'Cluster', metadata: {name: 'x'}, spec: {kubernetesVersion: '1.33.13', configBase: 's3://b/x', subnets: [{name: 'a'}]}}
    const next = setClusterVersion(stored, '1.34.10', 1)
    expect(next).toEqual({...stored, spec: {...stored.spec, kubernetesVersion: '1.34.10', rollingUpdate: {maxSurge: 1}}})
    expect(stored.spec.kubernetesVersion).toBe('1.33.13')
    expect(storedKubernetesVersion(next)).toBe('1.34.10')
    expect(storedKubernetesVersion({spec: {kubernetesVersion: 'v1.30.1'}})).toBe('1.30.1')
    expect(storedKubernetesVersion({})).toBeUndefined()
  })
})
