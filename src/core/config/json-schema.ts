import {z} from 'zod'

import {clusterFileSchema} from './schema.js'

export const CLUSTER_SCHEMA_ID = 'https://kopsmith.dev/schema/cluster.schema.json'

/** The JSON Schema for editors and CI, generated from the same zod definition that validates. */
export function clusterFileJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(clusterFileSchema, {io: 'input', target: 'draft-2020-12'}) as Record<string, unknown>
  return {...schema, $id: CLUSTER_SCHEMA_ID, title: 'kopsmith Cluster (kopsmith/v1alpha1)'}
}
