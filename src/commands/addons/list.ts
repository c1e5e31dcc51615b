import {BaseCommand} from '../../base-command.js'
import {createDeps} from '../../deps.js'
import {clusterFileFlag} from '../../flags.js'
import {listAddons, loadAddons, type AddonListEntry} from '../../services/addons.js'
import {loadClusterFile} from '../../services/load-cluster-file.js'

export default class AddonsList extends BaseCommand {
  static override description = 'List the addons `addons install` would install on this cluster: version, namespace, images, enabled'
  static override examples = ['<%= config.bin %> addons list -f clusters/prod.yaml', '<%= config.bin %> addons list -f clusters/prod.yaml --json']

  static override flags = {file: clusterFileFlag}

  async run(): Promise<{cluster: string; kubernetesVersion: string; addons: AddonListEntry[]}> {
    const {flags} = await this.parse(AddonsList)
    const deps = createDeps({interactive: this.interactive})
    const {config} = await loadClusterFile(deps.files, flags.file)
    const addons = listAddons(config, await loadAddons(deps.packageFiles))
    for (const a of addons) this.log(`${a.enabled ? 'enabled ' : 'disabled'}  ${a.name.padEnd(20)} ${a.version.padEnd(10)} ${a.namespace.padEnd(12)} ${a.images.join(', ')}`)
    return {cluster: config.name, kubernetesVersion: config.kubernetesVersion, addons}
  }
}
