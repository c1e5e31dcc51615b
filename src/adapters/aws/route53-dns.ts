// Placeholder so the composition root type-checks; replaced by the real adapter.
import type {Dns} from '../../ports.js'

export const Route53Dns = class {
  constructor(..._args: unknown[]) {
    throw new Error('Route53Dns is not implemented yet')
  }
} as unknown as new (...args: unknown[]) => Dns
