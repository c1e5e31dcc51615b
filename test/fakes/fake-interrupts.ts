import type {Interrupts} from '../../src/ports.js'

/** Ctrl-C as the interrupt port delivers it: `press()` calls what is registered now. */
export class FakeInterrupts implements Interrupts {
  readonly handlers = new Set<() => void>()
  onInterrupt(handler: () => void): () => void {
    this.handlers.add(handler)
    return () => this.handlers.delete(handler)
  }

  press(): void {
    for (const h of this.handlers) h()
  }
}
