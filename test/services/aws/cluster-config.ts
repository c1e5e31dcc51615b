import {readFileSync} from 'node:fs'

import {validateClusterFile} from '../../../src/core/config/validate.js'
import type {ClusterConfig} from '../../../src/core/config/types.js'
import {ROOT} from '../../helpers/cli.js'

export interface ConfigOverrides {
  name?: string
  bucket?: string
  discoveryBucket?: string
  kmsKeyId?: string | null
  zone?: string
  dnsType?: 'public' | 'private'
}

/** The production example, validated like a real cluster file, with the AWS-facing fields overridden. */
export function clusterConfig(overrides: ConfigOverrides = {}): ClusterConfig {
  const base = validateClusterFile(readFileSync(`${ROOT}examples/production.yaml`, 'utf8'), 'examples/production.yaml')
  const zone = overrides.zone ?? base.dns.zone
  const bucket = overrides.bucket ?? base.stateStore.bucket
  return {
    ...base,
    name: overrides.name ?? `prod.${zone}`,
    stateStore: {
      bucket,
      kmsKeyId: overrides.kmsKeyId === undefined ? base.stateStore.kmsKeyId : overrides.kmsKeyId,
      discoveryBucket: overrides.discoveryBucket ?? `${bucket}-oidc`,
    },
    dns: {zone, type: overrides.dnsType ?? base.dns.type},
  }
}
