/**
 * A kopsmith process that exits while a kops call runs (as when a third Ctrl-C quits at once):
 * starts `kops update cluster` through the wrapper, prints `running` once kops runs, and exits 3
 * when told to on stdin. Nothing kops started may outlive it.
 *
 *   node --import tsx test/integration/kops/kops-exit.ts STATE_STORE
 */
import {ExecaKops} from '../../../src/adapters/kops/execa-kops.js'

const [store] = process.argv.slice(2)
if (!store) throw new Error('usage: kops-exit.ts STATE_STORE')
const kops = new ExecaKops({binary: process.env.KOPSMITH_KOPS, env: process.env}).withStateStore(store)
kops.updateCluster('dev.k8s.acme.de', {yes: true, onOutput: () => {}}).catch(() => {})
process.stdin.once('data', () => process.exit(3))
setTimeout(() => process.stdout.write('running\n'), 1500)
