import {spawn} from 'node:child_process'

import {CreateBucketCommand} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, it} from 'vitest'

import type {AwsClients} from '../../../src/adapters/aws/clients.js'
import {S3StateStore} from '../../../src/adapters/aws/s3-state-store.js'
import {auditPrefix, type AuditRecord, lockKey, type LockRecord} from '../../../src/core/aws/lock.js'
import {ROOT} from '../../helpers/cli.js'
import {motoClients, motoEnv, uniqueBucket} from '../../helpers/moto.js'

let clients: AwsClients
let store: S3StateStore

beforeAll(() => {
  clients = motoClients()
  store = new S3StateStore(clients)
})

const CLUSTER = 'prod.k8s.acme.de'

/** Starts the sleeper, waits until it holds the lock and works, sends `signal`, resolves with its exit. */
function interruptRunning(bucket: string, signal: NodeJS.Signals, whileRunning: () => Promise<void>): Promise<{code: number | null; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}test/integration/aws/locked-sleeper.ts`, bucket, CLUSTER], {
      cwd: ROOT,
      env: {...process.env, ...motoEnv()},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    const killer = setTimeout(() => child.kill('SIGKILL'), 45_000)
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.stdout.on('data', (d: Buffer) => {
      if (!d.toString().includes('working')) return
      whileRunning().then(() => child.kill(signal), (error: unknown) => {
        child.kill('SIGKILL')
        reject(error)
      })
    })
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(killer)
      resolve({code, stderr})
    })
  })
}

describe('Ctrl-C and SIGTERM reach a running operation (real process, real S3 adapter on moto)', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: exits 130, the lock is gone and the audit record says interrupted`, async () => {
      const bucket = uniqueBucket('sig')
      await clients.s3.send(new CreateBucketCommand({Bucket: bucket, CreateBucketConfiguration: {LocationConstraint: 'eu-central-1'}}))
      let held: LockRecord | undefined
      const {code, stderr} = await interruptRunning(bucket, signal, async () => {
        held = JSON.parse((await store.getObject(bucket, lockKey(CLUSTER)))!.body) as LockRecord
      })
      expect(held).toMatchObject({operation: 'create', owner: expect.stringMatching(/^arn:aws:/)})
      expect(held!.pid).toBeGreaterThan(0)
      expect(code, stderr).toBe(130)
      expect(stderr).toContain('the lock was released')
      expect(await store.getObject(bucket, lockKey(CLUSTER))).toBeUndefined()
      const keys = await store.listKeys(bucket, auditPrefix(CLUSTER))
      expect(keys).toHaveLength(1)
      const audit = JSON.parse((await store.getObject(bucket, keys[0]!))!.body) as AuditRecord
      expect(audit).toMatchObject({outcome: 'interrupted', exitCode: 130, operation: 'create', cluster: CLUSTER, lock: {released: true}, error: {code: 'interrupted'}})
    })
  }
})
