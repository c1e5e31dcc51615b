/**
 * A process with kopsmith's signal handling (adapters/interrupts.ts), for tests: with `operation`
 * it registers a stop handler that never finishes (a cleanup that hangs), prints `stopping` when
 * asked to stop; without, nothing is registered. Prints `ready`, then waits.
 *
 *   node --import tsx test/integration/interrupts/signal-target.ts [operation] [--json]
 */
import {installInterruptHandling, onInterrupt} from '../../../src/adapters/interrupts.js'

installInterruptHandling()
if (process.argv.includes('operation')) {
  onInterrupt({handler: () => process.stdout.write('stopping\n'), quitHint: () => 'the lock stays; break it: kopsmith cluster unlock --name x --state s3://b --force'})
}
process.stdout.write('ready\n')
setInterval(() => {}, 60_000)
