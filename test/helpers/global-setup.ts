import {spawn, type ChildProcess} from 'node:child_process'
import {createServer} from 'node:net'

import type {} from 'vitest'
import type {TestProject} from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    motoUrl: string
  }
}

/**
 * Starts one moto server for the whole run (S3, Route53, STS … on a free loopback port), unless
 * `.ci/run` already started one and exported KOPSMITH_TEST_MOTO_URL. It never skips: when moto
 * cannot start, the run fails, because the AWS adapter tests are not optional.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.KOPSMITH_TEST_MOTO_URL
  if (given) {
    await waitForMoto(given, 20_000)
    project.provide('motoUrl', given)
    return async () => {}
  }
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
  try {
    await waitForMoto(url, 30_000, child)
  } catch (error) {
    child.kill('SIGKILL')
    throw new Error(`moto server did not start on ${url}: ${(error as Error).message}\n${stderr}`, {cause: error})
  }
  project.provide('motoUrl', url)
  return async () => {
    child.kill('SIGTERM')
  }
}

async function waitForMoto(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`moto exited with ${child.exitCode}`)
    try {
      const res = await fetch(`${url}/moto-api/`)
      if (res.ok || res.status < 500) return
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('timed out waiting for moto')
    await new Promise((r) => setTimeout(r, 200))
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      const port = typeof address === 'object' && address ? address.port : 0
      srv.close(() => resolve(port))
    })
  })
}
