import {describe, expect, it} from 'vitest'

import {KOPS_TIMEOUT_DEFAULTS_MS, kopsStepOf, kopsTimeoutMs, parseKopsTimeouts} from '../../../../src/core/kops/timeouts.js'

describe('kops call deadlines', () => {
  it.each([
    [['version'], 'version'],
    [['get', 'clusters', '-o', 'json'], 'get'],
    [['get', 'secrets', 'encryptionconfig', '--name', 'x'], 'get'],
    [['create', '-f', 'k.yaml'], 'create'],
    [['create', 'secret', 'encryptionconfig', '--name', 'x', '-f', '-'], 'create-secret'],
    [['replace', '-f', 'k.yaml', '--force'], 'replace'],
    [['update', 'cluster', '--name', 'x', '--yes'], 'update'],
    [['validate', 'cluster', '--name', 'x', '-o', 'json'], 'validate'],
    [['export', 'kubeconfig', '--name', 'x'], 'export-kubeconfig'],
    [['rolling-update', 'cluster', '--name', 'x'], 'rolling-update'],
    [['reconcile', 'cluster', '--name', 'x', '--yes'], 'reconcile'],
    [['delete', 'cluster', '--name', 'x', '--yes'], 'delete'],
    [['toolbox', 'dump'], undefined],
  ])('%j is step %s', (argv, step) => expect(kopsStepOf(argv)).toBe(step))

  it('the user override wins, then what the caller asked for, then the default', () => {
    const argv = ['validate', 'cluster', '--name', 'x']
    expect(kopsTimeoutMs(argv, {})).toBe(KOPS_TIMEOUT_DEFAULTS_MS.validate)
    expect(kopsTimeoutMs(argv, {requested: 30_000})).toBe(30_000)
    expect(kopsTimeoutMs(argv, {requested: 30_000, overrides: {validate: 120_000}})).toBe(120_000)
    expect(kopsTimeoutMs(argv, {overrides: {update: 1}})).toBe(KOPS_TIMEOUT_DEFAULTS_MS.validate)
    expect(kopsTimeoutMs(['toolbox', 'dump'], {})).toBeUndefined()
  })

  it('every step has a default', () => {
    for (const ms of Object.values(KOPS_TIMEOUT_DEFAULTS_MS)) expect(ms).toBeGreaterThan(0)
  })

  it.each([
    ['update=45m', {ok: true, timeouts: {update: 45 * 60_000}}],
    [' update=45m , rolling-update=8h ', {ok: true, timeouts: {update: 45 * 60_000, 'rolling-update': 8 * 3_600_000}}],
    ['update', {ok: false, problem: '"update" is not STEP=DURATION (e.g. update=45m)'}],
    ['upgrade=1h', {ok: false, problem: expect.stringContaining('"upgrade" is not a kops step; steps: version, get, create')}],
    ['update=soon', {ok: false, problem: '"soon" (for update) is not a duration such as 90s, 15m or 2h'}],
    ['update=0s', {ok: false, problem: '"0s" (for update) is not a duration such as 90s, 15m or 2h'}],
    ['update=9999999999d', {ok: false, problem: '"9999999999d" (for update) is longer than 7d'}],
    ['', {ok: false, problem: 'no STEP=DURATION given (e.g. update=45m)'}],
  ])('parses %j', (text, verdict) => expect(parseKopsTimeouts(text)).toEqual(verdict))
})
