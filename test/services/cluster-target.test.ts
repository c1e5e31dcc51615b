import {describe, expect, it} from 'vitest'

import {FsUserFiles} from '../../src/adapters/fs-user-files.js'
import {UsageError} from '../../src/core/errors.js'
import {resolveClusterTarget} from '../../src/services/cluster-target.js'
import {ROOT} from '../helpers/cli.js'

const files = new FsUserFiles(ROOT)
const now = new Date('2026-11-26T12:00:00Z')

describe('resolveClusterTarget', () => {
  it('takes name, bucket and config from -f FILE', async () => {
    const t = await resolveClusterTarget(files, now, {file: 'examples/production.yaml', verb: 'delete'})
    expect(t).toMatchObject({name: 'prod.k8s.acme.de', bucket: 'acme-kops-state', how: '-f examples/production.yaml'})
    expect(t.config?.protected).toBe(true)
  })

  it('takes --name with the S3 bucket, without a config', async () => {
    expect(await resolveClusterTarget(files, now, {name: 'x.k8s.acme.de', bucket: 'b-c-d', verb: 'unlock'})).toEqual({
      name: 'x.k8s.acme.de',
      bucket: 'b-c-d',
      how: '--name x.k8s.acme.de --state s3://b-c-d',
    })
  })

  it.each([
    [{verb: 'delete'}, 'name the cluster to delete: -f FILE, or --name NAME with --state s3://BUCKET'],
    [{verb: 'delete', name: 'x.k8s.acme.de'}, '--name x.k8s.acme.de needs the S3 state store'],
  ])('refuses %j with a usage error (exit 2)', async (input, message) => {
    const error = await resolveClusterTarget(files, now, input).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).message).toContain(message)
  })
})
