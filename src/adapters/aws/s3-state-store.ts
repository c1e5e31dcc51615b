// Placeholder so the composition root type-checks; replaced by the real adapter.
import type {StateStore} from '../../ports.js'

export const S3StateStore = class {
  constructor(..._args: unknown[]) {
    throw new Error('S3StateStore is not implemented yet')
  }
} as unknown as new (...args: unknown[]) => StateStore
