import type {ClusterConfig} from '../core/config/types.js'
import {UsageError} from '../core/errors.js'
import type {UserFiles} from '../ports.js'
import {loadClusterFile} from './load-cluster-file.js'

export interface ClusterTarget {
  name: string
  bucket: string
  /** The cluster file, when the cluster was named by one. */
  config?: ClusterConfig
  /** How the user named it, for messages. */
  how: string
}

/**
 * The cluster a lifecycle command acts on: from `-f FILE`, or from `--name NAME` with the S3 state
 * store (`--state s3://BUCKET` / KOPS_STATE_STORE). The lock and audit records live in that bucket,
 * so a command that changes the cluster cannot run without one; `cluster validate` names its
 * cluster the same way.
 */
export async function resolveClusterTarget(
  files: UserFiles,
  now: Date,
  input: {file?: string; name?: string; bucket?: string; verb: string},
): Promise<ClusterTarget> {
  if (input.file) {
    const {config} = await loadClusterFile(files, input.file, {now})
    return {name: config.name, bucket: config.stateStore.bucket, config, how: `-f ${input.file}`}
  }
  if (!input.name) {
    throw new UsageError(`name the cluster to ${input.verb}: -f FILE, or --name NAME with --state s3://BUCKET`, {
      suggestions: [`kopsmith cluster ${input.verb} -f clusters/<name>.yaml`],
    })
  }
  if (!input.bucket) {
    throw new UsageError(`--name ${input.name} needs the S3 state store (the lock and audit records live there): --state s3://BUCKET or KOPS_STATE_STORE`)
  }
  return {name: input.name, bucket: input.bucket, how: `--name ${input.name} --state s3://${input.bucket}`}
}
