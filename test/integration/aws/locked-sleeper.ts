/**
 * A stand-in for a long mutating command: takes the cluster lock through the real composition
 * root (deps.operationContext → S3, STS, process signals), prints `working`, then sleeps until
 * interrupted. Exits with the code of the error it ends with, as the CLI would.
 *
 *   node --import tsx test/integration/aws/locked-sleeper.ts BUCKET CLUSTER
 */
import {isCliError} from '../../../src/core/errors.js'
import {createDeps} from '../../../src/deps.js'
import {runLockedOperation} from '../../../src/services/operation.js'

const [bucket, cluster] = process.argv.slice(2)
if (!bucket || !cluster) throw new Error('usage: locked-sleeper.ts BUCKET CLUSTER')
const deps = createDeps({interactive: false})
const ctx = await deps.operationContext({warn: (m) => process.stderr.write(`warning: ${m}\n`)})
try {
  await runLockedOperation(ctx, {bucket, cluster, operation: 'create', command: ['cluster', 'create', '--yes']}, async (signal) => {
    process.stdout.write('working\n')
    await deps.clock.sleep(60_000, signal)
  })
  process.exitCode = 0
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = isCliError(error) ? error.exitCode : 10
}
