import {describe, expect, it} from 'vitest'

import {bucketOfStateStore, clusterNameProblem} from '../../../src/core/naming.js'

describe('clusterNameProblem', () => {
  it.each(['prod.k8s.acme.de', 'alice.sandbox.k8s.acme.de', 'a', `${'a'.repeat(63)}.de`])('accepts %s', (name) => {
    expect(clusterNameProblem(name)).toBeUndefined()
  })

  it.each(['../../x', '$(id)', 'Prod.k8s.acme.de', 'a/b', '', '.', 'a..b', '-a.de', 'a-.de', 'a b', `${'a'.repeat(64)}.de`, `${'a.'.repeat(127)}de`])('refuses %j', (name) => {
    expect(clusterNameProblem(name)).toMatch(/lowercase DNS name/)
  })
})

describe('bucketOfStateStore', () => {
  it.each([
    ['s3://../etc', undefined],
    ['s3://a..b', undefined],
    ['s3://192.168.0.1', undefined],
    ['s3://xn--bucket', undefined],
    ['s3://acme.kops.state', 'acme.kops.state'],
  ])('%s → %s', (url, bucket) => {
    expect(bucketOfStateStore(url)).toBe(bucket)
  })
})
