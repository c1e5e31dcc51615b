import * as Args from '@oclif/core/args'

import {BaseCommand} from '../../base-command.js'
import type {Profile} from '../../core/config/schema.js'
import {createDeps} from '../../deps.js'
import {loadClusterFile} from '../../services/load-cluster-file.js'

export interface ConfigValidateResult {
  file: string
  valid: true
  name: string
  profile: Profile
  kubernetesVersion: string
  /** Field paths the file left out, filled by the profile and built-in defaults. */
  defaultsApplied: string[]
}

export default class ConfigValidate extends BaseCommand {
  static override description = `Check a cluster file, for CI linting

Reports every problem with its field path and line:column. Reads nothing remote. Exit 0 when valid, 3 when invalid, 9 when the region is outside Germany, 2 when the file is missing.`

  static override examples = [
    '<%= config.bin %> config validate examples/production.yaml',
    '<%= config.bin %> config validate clusters/prod.yaml --json',
  ]

  static override args = {
    file: Args.string({description: 'Cluster file (YAML) to check', required: true}),
  }

  async run(): Promise<ConfigValidateResult> {
    const {args} = await this.parse(ConfigValidate)
    const deps = createDeps({interactive: this.interactive})
    const {config, defaultsApplied} = await loadClusterFile(deps.files, args.file, {now: deps.clock.now()})
    this.log(`${args.file}: valid (cluster ${config.name}, profile ${config.profile}, K8s ${config.kubernetesVersion})`)
    return {file: args.file, valid: true, name: config.name, profile: config.profile, kubernetesVersion: config.kubernetesVersion, defaultsApplied}
  }
}
