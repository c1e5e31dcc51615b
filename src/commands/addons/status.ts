import {BaseCommand} from '../../base-command.js'
import {createDeps} from '../../deps.js'
import {clusterFileFlag, contextFlag, kubeconfigFlag} from '../../flags.js'
import {addonsStatus, type AddonStatus} from '../../services/addons.js'
import {loadClusterFile} from '../../services/load-cluster-file.js'

export default class AddonsStatus extends BaseCommand {
  static override description = 'Show whether each addon is installed, runs the expected version and finished rolling out'
  static override examples = ['<%= config.bin %> addons status -f clusters/prod.yaml', '<%= config.bin %> addons status -f clusters/prod.yaml --json']

  static override flags = {
    file: clusterFileFlag,
    kubeconfig: kubeconfigFlag,
    context: contextFlag,
  }

  async run(): Promise<{cluster: string; healthy: boolean; addons: AddonStatus[]}> {
    const {flags} = await this.parse(AddonsStatus)
    const deps = createDeps({interactive: this.interactive})
    const {config} = await loadClusterFile(deps.files, flags.file)
    const addons = await addonsStatus(deps, {config, kubeconfig: flags.kubeconfig, context: flags.context})
    for (const a of addons) {
      const state = !a.enabled ? 'disabled' : !a.installed ? 'missing' : !a.healthy ? 'rolling out' : a.upToDate ? 'healthy' : 'outdated'
      this.log(`${a.name.padEnd(20)} ${a.expectedVersion.padEnd(10)} ${state}`)
      for (const w of a.workloads) this.log(`  ${w.kind} ${w.namespace}/${w.name}: ${w.message}`)
    }
    return {cluster: config.name, healthy: addons.every((a) => !a.enabled || (a.healthy && a.upToDate)), addons}
  }
}
