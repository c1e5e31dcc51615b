import {parseDuration} from '../config/duration.js'
import type {ClusterConfig} from '../config/types.js'

/**
 * The expiry a sandbox gets when it is created at `now`: its stamped `expiresAt`, else now + ttl
 * (second precision, UTC). Undefined for production. Services call this with their clock and pass
 * the result to the renderer, which never reads a clock itself.
 */
export function sandboxExpiresAt(config: ClusterConfig, now: Date): string | undefined {
  if (config.profile !== 'sandbox') return undefined
  if (config.expiresAt) return config.expiresAt
  const ttlMs = config.ttl ? parseDuration(config.ttl) : undefined
  if (ttlMs === undefined) return undefined
  return new Date(Math.floor((now.getTime() + ttlMs) / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}
