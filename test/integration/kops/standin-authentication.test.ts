import {spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {beforeEach, describe, expect, it} from 'vitest'
import YAML from 'yaml'

import {goldenCase, renderCase} from '../../golden/cases.js'
import {STANDIN, tempDir} from './standin.js'

/**
 * kops' rules for spec.authentication.aws (pkg/apis/kops/validation/aws.go), as the stand-in
 * enforces them on create -f / replace -f, and the spec kopsmith renders passing them.
 */
describe('kops stand-in: AWS IAM authenticator validation', () => {
  let dir: string
  let store: string
  const kops = (args: string[]) => {
    const r = spawnSync(STANDIN, args, {env: {PATH: process.env.PATH, HOME: dir, KOPS_STATE_STORE: store}, encoding: 'utf8'})
    return {code: r.status, stdout: r.stdout, stderr: r.stderr}
  }
  const write = (text: string) => {
    const path = join(dir, `objects-${Math.random().toString(36).slice(2)}.yaml`)
    writeFileSync(path, text)
    return path
  }

  beforeEach(() => {
    dir = tempDir()
    store = pathToFileURL(join(dir, 'state')).href
  })

  it('accepts the production example as rendered (identity mappings in CRD mode), by create and by replace', async () => {
    const {manifest} = await renderCase(goldenCase('production'))
    const created = kops(['create', '-f', write(manifest)])
    expect(created.stderr).toBe('')
    expect(created.code).toBe(0)
    expect(kops(['replace', '-f', write(manifest)]).code).toBe(0)
  })

  it('refuses inline identity mappings without the CRD backend, and an ARN that is no role or user', async () => {
    const {cluster} = await renderCase(goldenCase('production'))
    const aws = (cluster.spec.authentication as {aws: Record<string, unknown>}).aws
    const noCrd = {...cluster, spec: {...cluster.spec, authentication: {aws: {...aws, backendMode: 'MountedFile'}}}}
    const r = kops(['create', '-f', write(YAML.stringify(noCrd))])
    expect(r.code).toBe(1)
    expect(r.stderr.trim()).toBe('Error: error creating cluster: spec.authentication.aws.backendMode: Forbidden: backendMode must be CRD if identityMappings is set')

    const badArns = {...cluster, spec: {...cluster.spec, authentication: {aws: {...aws, identityMappings: [{arn: 'arn:aws:iam::123456789012:group/devs', username: 'x', groups: ['g']}, {arn: 'devs', username: 'y', groups: ['g']}]}}}}
    const r2 = kops(['create', '-f', write(YAML.stringify(badArns))])
    expect(r2.code).toBe(1)
    expect(r2.stderr.trim()).toBe(
      'Error: error creating cluster: [spec.authentication.aws.identityMappings[0].arn: Invalid value: "arn:aws:iam::123456789012:group/devs": arn must be a valid IAM Role or User ARN such as arn:aws:iam::123456789012:role/KopsExampleRole, ' +
        'spec.authentication.aws.identityMappings[1].arn: Invalid value: "devs": arn must be a valid IAM Role or User ARN such as arn:aws:iam::123456789012:role/KopsExampleRole]',
    )
  })

  it('says "replacing" when replace -f refuses an existing cluster\'s new spec', async () => {
    const {cluster, manifest} = await renderCase(goldenCase('production'))
    expect(kops(['create', '-f', write(manifest)]).code).toBe(0)
    const aws = (cluster.spec.authentication as {aws: Record<string, unknown>}).aws
    const r = kops(['replace', '-f', write(YAML.stringify({...cluster, spec: {...cluster.spec, authentication: {aws: {...aws, backendMode: ''}}}}))])
    expect(r.code).toBe(1)
    expect(r.stderr.trim()).toBe('Error: error replacing cluster: spec.authentication.aws.backendMode: Forbidden: backendMode must be CRD if identityMappings is set')
  })
})
