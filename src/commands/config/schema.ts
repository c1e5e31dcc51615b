import {BaseCommand} from '../../base-command.js'
import {clusterFileJsonSchema} from '../../core/config/json-schema.js'

export default class ConfigSchema extends BaseCommand {
  static override description = 'Print the JSON Schema of the cluster file, for editors and CI linters'
  static override examples = ['<%= config.bin %> config schema > schema/cluster.schema.json']

  async run(): Promise<Record<string, unknown>> {
    await this.parse(ConfigSchema)
    const schema = clusterFileJsonSchema()
    if (!this.jsonEnabled()) this.log(JSON.stringify(schema, null, 2))
    return schema
  }
}
