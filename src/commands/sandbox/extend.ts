import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../base-command.js'
import {UsageError} from '../../core/errors.js'
import {createDeps} from '../../deps.js'
import {awsProfileFlag, clusterNameArg, kopsBinaryFlag, kopsTimeoutFlag, s3StateFlag} from '../../flags.js'
import {extendSandbox, type SandboxExtendResult} from '../../services/sandbox-extend.js'

export default class SandboxExtend extends BaseCommand {
  static override description = `Give a sandbox more time before \`cluster reap\` deletes it

The new expiry is the later of now and the current expiry, plus --ttl — at most 14 days from now (a longer request is capped, and the output says so). Updates kopsmith's record (metadata.json), the kopsmith.dev/expires-at label of the stored kops spec (AWS tags follow at the next \`kops update cluster\`), and the cluster file when -f is given. Holds the cluster lock and writes an audit record. Anything that is not a sandbox is refused (exit 9).`

  static override examples = [
    '<%= config.bin %> sandbox extend alice.sandbox.k8s.acme.de --ttl 24h --state s3://acme-kops-state',
    '<%= config.bin %> sandbox extend alice.sandbox.k8s.acme.de --ttl 2d -f clusters/alice.sandbox.k8s.acme.de.yaml',
  ]

  static override args = {
    name: clusterNameArg({description: 'Sandbox cluster name, e.g. alice.sandbox.k8s.acme.de', required: true}),
  }

  static override flags = {
    ttl: Flags.string({description: 'How much longer, e.g. 24h, 2d (the result is capped at 14 days from now)', required: true, helpValue: 'DURATION'}),
    state: s3StateFlag({description: 'kops state store on S3 (default: the bucket of -f FILE)'}),
    file: Flags.string({char: 'f', description: 'The sandbox cluster file: its spec.expiresAt is updated too', helpValue: 'FILE'}),
    kops: kopsBinaryFlag,
    'kops-timeout': kopsTimeoutFlag,
    profile: awsProfileFlag,
  }

  async run(): Promise<SandboxExtendResult> {
    const {args, flags} = await this.parse(SandboxExtend)
    const deps = createDeps({interactive: this.interactive, awsProfile: flags.profile, kopsBinary: flags.kops, kopsTimeouts: flags['kops-timeout']})
    const bucket = flags.state ?? (flags.file ? await this.bucketOfFile(deps, flags.file) : undefined)
    if (!bucket) throw new UsageError('no S3 state store given', {suggestions: ['Pass --state s3://BUCKET or set KOPS_STATE_STORE', 'Or pass the sandbox cluster file with -f FILE']})
    const ctx = await deps.operationContext({warn: (m) => this.addWarning(m)})
    const kops = (await deps.kops()).withStateStore(`s3://${bucket}`, {logFile: deps.workspace.runLogPath(args.name, 'extend')})
    return extendSandbox(ctx, {kops, files: deps.files, log: (line) => this.log(line)}, {
      name: args.name,
      bucket,
      ttl: flags.ttl,
      ...(flags.file ? {file: flags.file} : {}),
      command: ['kopsmith', 'sandbox', 'extend', ...this.argv],
    })
  }

  private async bucketOfFile(deps: ReturnType<typeof createDeps>, file: string): Promise<string> {
    const {loadClusterFile} = await import('../../services/load-cluster-file.js')
    return (await loadClusterFile(deps.files, file)).config.stateStore.bucket
  }
}
