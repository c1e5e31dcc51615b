// Placeholder so the composition root type-checks; replaced by the real adapter.
import type {Prompter} from '../ports.js'

export const InquirerPrompter = class {
  constructor(..._args: unknown[]) {
    throw new Error('InquirerPrompter is not implemented yet')
  }
} as unknown as new (...args: unknown[]) => Prompter
