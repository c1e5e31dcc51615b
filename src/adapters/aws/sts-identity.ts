// Placeholder so the composition root type-checks; replaced by the real adapter.
import type {Identity} from '../../ports.js'

export const StsIdentity = class {
  constructor(..._args: unknown[]) {
    throw new Error('StsIdentity is not implemented yet')
  }
} as unknown as new (...args: unknown[]) => Identity
