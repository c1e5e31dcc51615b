import {auditPrefix, legacyLockKey} from '../aws/lock.js'
import {legacyKopsmithRecordsPrefix} from '../naming.js'
import {clusterMetadataKey, legacyClusterMetadataKey} from '../sandbox/metadata.js'

/**
 * kopsmith's records moved out of kops' cluster folder (`CLUSTER/kopsmith/…`, which made `kops
 * delete cluster` refuse: "refusing to delete: unknown file found") to `kopsmith/CLUSTER/…`
 * (naming.ts). A mutating run moves what an earlier version left behind; this says where each old
 * key goes. Only what kopsmith wrote there moves: metadata.json and audit/*.json. The old lock is
 * never moved (it is checked and retired by the operation that holds the new one), and anything
 * else is left where it is for a person to look at — kops' refusal then names it.
 */
export function migratedRecordKey(cluster: string, legacyKey: string): string | undefined {
  const legacy = legacyKopsmithRecordsPrefix(cluster)
  if (!legacyKey.startsWith(legacy) || legacyKey === legacyLockKey(cluster)) return undefined
  if (legacyKey === legacyClusterMetadataKey(cluster)) return clusterMetadataKey(cluster)
  const rest = legacyKey.slice(legacy.length)
  if (/^audit\/[^/]+\.json$/.test(rest)) return `${auditPrefix(cluster)}${rest.slice('audit/'.length)}`
  return undefined
}
