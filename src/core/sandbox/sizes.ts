/**
 * The short list a new hire picks from. Small is the sandbox profile's own default
 * (PROFILE_DEFAULTS.sandbox); every instance type here has a price in
 * data/prices-eu-central-1.json (a unit test keeps the two in step). Nodes run on spot: a
 * sandbox can lose a node, and it costs a third.
 */
export const SANDBOX_SIZES = {
  small: {
    summary: 'try things out',
    controlPlane: 't3.medium',
    nodes: {instanceType: 't3.large', minSize: 1, maxSize: 3},
  },
  medium: {
    summary: 'a few services side by side',
    controlPlane: 't3.large',
    nodes: {instanceType: 't3.xlarge', minSize: 2, maxSize: 4},
  },
  large: {
    summary: 'load tests, production-like node types',
    controlPlane: 'm7i.large',
    nodes: {instanceType: 'm7i.xlarge', minSize: 2, maxSize: 6},
  },
} as const

export type SandboxSize = keyof typeof SANDBOX_SIZES
export const SANDBOX_SIZE_NAMES = Object.keys(SANDBOX_SIZES) as SandboxSize[]
export const SANDBOX_DEFAULT_SIZE: SandboxSize = 'small'
export const SANDBOX_NODE_GROUP = 'general'

export function isSandboxSize(value: string): value is SandboxSize {
  return Object.hasOwn(SANDBOX_SIZES, value)
}

/** One line for the size menu: `small — control plane t3.medium, 1–3 × t3.large spot nodes`. */
export function describeSize(size: SandboxSize): string {
  const s = SANDBOX_SIZES[size]
  return `${size} — control plane ${s.controlPlane}, ${s.nodes.minSize}–${s.nodes.maxSize} × ${s.nodes.instanceType} spot nodes (${s.summary})`
}
