// Placeholder so the composition root type-checks; replaced by the real adapter.
import type {Kops} from '../../ports.js'

export const ExecaKops = class {
  constructor(..._args: unknown[]) {
    throw new Error('ExecaKops is not implemented yet')
  }
} as unknown as new (...args: unknown[]) => Kops
