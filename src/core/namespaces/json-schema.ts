import {z} from 'zod'

import {namespaceSetSchema} from './schema.js'

/**
 * The namespaces file's shape as JSON Schema (as written: quantities may be numbers or strings),
 * generated from the zod definition; `npm run build` precompiles it into a validator (fast-check.ts).
 */
export function namespaceSetJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(namespaceSetSchema, {io: 'input', target: 'draft-2020-12'}) as Record<string, unknown>
}
