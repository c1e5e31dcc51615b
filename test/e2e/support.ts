import {inject} from 'vitest'

/**
 * The real Kubernetes API server of this run: the vitest global setup starts one
 * (../shared/kube/up.sh, Kubernetes v1.20.2) unless KOPSMITH_E2E_KUBECONFIG names one. There is no
 * skipping: without a server the e2e suite fails.
 */
export function e2eKubeconfig(): string {
  const path = inject('kubeconfig') || process.env.KOPSMITH_E2E_KUBECONFIG
  if (!path) {
    throw new Error('No Kubernetes API server for the e2e suite: the vitest global setup starts one with ../shared/kube/up.sh unless KOPSMITH_E2E_KUBECONFIG is set')
  }
  return path
}

/**
 * One API server serves the whole run (and other test files at the same time): every test names
 * what it creates with a prefix of its own, e.g. `e2e-ssa-k3x9a-`, and removes it at the end.
 */
export function uniquePrefix(topic: string): string {
  return `e2e-${topic}-${Date.now().toString(36).slice(-5)}${Math.random().toString(36).slice(2, 5)}`
}
