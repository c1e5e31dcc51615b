import {listedCluster, type ListedCluster} from '../core/cluster-listing.js'
import {mapLimit} from '../core/apply/concurrency.js'
import {kopsClusterConfigKey} from '../core/naming.js'
import type {StateStore} from '../ports.js'
import {parseStored} from './audit-cluster.js'
import {readClusterMetadata} from './cluster-metadata.js'

export type {ListedCluster} from '../core/cluster-listing.js'

export interface ListClustersResult {
  stateStore: string
  clusters: ListedCluster[]
}

/**
 * `cluster list`: the clusters in an S3 state store, read straight from the bucket (no kops needed).
 * A cluster is a top-level folder holding a `config` object, as kops' own listing has it
 * (vfsclientset `listNames`); other folders (kopsmith's records among them) are not clusters.
 * Each row combines the stored Cluster object with kopsmith's record (owner, profile, expiry).
 */
export async function listClusters(store: StateStore, input: {bucket: string; now: Date}): Promise<ListClustersResult> {
  const {bucket} = input
  const folders = (await store.listKeys(bucket, '', {delimiter: '/'})).filter((k) => k.endsWith('/')).map((k) => k.slice(0, -1))
  const rows = await mapLimit(folders, 8, async (name) => {
    const config = await store.getObject(bucket, kopsClusterConfigKey(name))
    if (!config) return undefined
    const record = await readClusterMetadata(store, bucket, name)
    return listedCluster(name, parseStored(config.body, bucket, kopsClusterConfigKey(name)), record, input.now)
  })
  const clusters: ListedCluster[] = []
  for (const row of rows) {
    if (!row.ok) throw row.error
    if (row.value) clusters.push(row.value)
  }
  return {stateStore: `s3://${bucket}`, clusters: clusters.sort((a, b) => a.name.localeCompare(b.name))}
}
