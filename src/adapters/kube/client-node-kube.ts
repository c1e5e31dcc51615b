// Placeholder so the composition root type-checks; replaced by the real adapter.
import type {Kube} from '../../ports.js'

export const ClientNodeKube = class {
  constructor(..._args: unknown[]) {
    throw new Error('ClientNodeKube is not implemented yet')
  }
} as unknown as new (...args: unknown[]) => Kube
