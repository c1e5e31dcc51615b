import {DOCTOR_SUGGESTION, PreconditionError} from '../core/errors.js'
import {KOPS_SUPPORT, kopsSupports, minorOf} from '../core/kops/versions.js'
import type {Kops, KopsVersion} from '../ports.js'

export interface KopsPreflight {
  kops: KopsVersion
  /** kops accepts the version but warns about it (below its "deprecated" minor). */
  deprecated: boolean
  /** Human sentence for the deprecation, for the warnings of the --json envelope. */
  warning?: string
}

const INSTALL = 'https://kops.sigs.k8s.io/getting_started/install/'

/**
 * The kops binary in use must be able to drive `kubernetesVersion` (kops-contract.md, version
 * matrix; hardening check H18). Refuses with PreconditionError (exit 4) naming the range the binary
 * supports, before anything is touched.
 */
export async function checkKopsSupports(kops: Kops, kubernetesVersion: string, signal?: AbortSignal): Promise<KopsPreflight> {
  const version = await kops.version(signal ? {signal} : {})
  const verdict = kopsSupports(version.version, kubernetesVersion)
  const k8sMinor = minorOf(kubernetesVersion)
  if (verdict.ok) {
    const warning = verdict.deprecated
      ? `Kubernetes ${k8sMinor} is deprecated in kops ${version.minor} (it warns below ${verdict.support.deprecatedBelow}); plan an upgrade with \`kopsmith cluster upgrade\``
      : undefined
    return {kops: version, deprecated: verdict.deprecated, ...(warning ? {warning} : {})}
  }
  if (verdict.reason === 'unknown-kops') {
    const minors = Object.keys(KOPS_SUPPORT)
    throw new PreconditionError(`kops ${version.version} is not a release kopsmith knows (it supports kops ${minors[0]}–${minors.at(-1)})`, {
      suggestions: [`Install a supported kops (${INSTALL}) and pass it with --kops PATH or KOPSMITH_KOPS`, DOCTOR_SUGGESTION],
      details: {kops: version.version, kubernetesVersion},
    })
  }
  const s = verdict.support
  const range = `kops ${version.minor} supports Kubernetes ${s?.hardFloor}–${s?.max}`
  if (verdict.reason === 'kops-too-old') {
    throw new PreconditionError(`${range}; Kubernetes ${kubernetesVersion} needs kops ${k8sMinor} or newer (you have kops ${version.version})`, {
      suggestions: [`Install kops ${k8sMinor} or newer (${INSTALL}) and pass it with --kops PATH or KOPSMITH_KOPS`, DOCTOR_SUGGESTION],
      details: {kops: version.version, kubernetesVersion, supported: s},
    })
  }
  throw new PreconditionError(`${range}; Kubernetes ${kubernetesVersion} is too old for it (kops ${version.version} refuses it with "kubernetes upgrade is required")`, {
    suggestions: [
      `Upgrade the cluster with an older kops first (one whose range includes ${k8sMinor}), one minor at a time`,
      `Or set spec.kubernetesVersion to ${s?.hardFloor}.x or newer for a new cluster`,
      DOCTOR_SUGGESTION,
    ],
    details: {kops: version.version, kubernetesVersion, supported: s},
  })
}
