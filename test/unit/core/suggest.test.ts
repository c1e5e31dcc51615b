import {describe, expect, it} from 'vitest'

import {closestMatch} from '../../../src/core/suggest.js'

const IDS = ['cluster', 'cluster:create', 'cluster:list', 'cluster:reap', 'doctor', 'addons', 'addons:install', 'namespaces', 'namespaces:bootstrap', 'sandbox', 'config']
const FLAGS = ['--file', '-f', '--dry-run', '--yes', '-y', '--kubeconfig', '--kops', '--profile', '--json', '--verbose']

describe('closestMatch', () => {
  it.each([
    ['clustr', IDS, 'cluster'],
    ['cluster:creat', IDS, 'cluster:create'],
    ['clustr:create', IDS, 'cluster:create'],
    ['namespace', IDS, 'namespaces'],
    ['docter', IDS, 'doctor'],
    ['--fiel', FLAGS, '--file'],
    ['--dryrun', FLAGS, '--dry-run'],
    ['--kubeconf', FLAGS, '--kubeconfig'],
    ['--profil', FLAGS, '--profile'],
  ])('%s → %s', (typed, candidates, expected) => {
    expect(closestMatch(typed, candidates)).toBe(expected)
  })

  it.each([
    ['frobnicate', IDS],
    ['x', IDS],
    ['--wait', FLAGS],
    ['--kube-context', FLAGS],
  ])('%s: nothing close enough to be a typo', (typed, candidates) => {
    expect(closestMatch(typed, candidates)).toBeUndefined()
  })

  it('a prefix counts only when it is unambiguous', () => {
    expect(closestMatch('--kubec', ['--kubeconfig', '--kops'])).toBe('--kubeconfig')
    expect(closestMatch('--k', ['--kubeconfig', '--kops'])).toBeUndefined()
  })
})
