import {z} from 'zod'

/** `addons/<name>/addon.yaml`: what an addon is, which images it runs, where, and how we judge it healthy. */
const MINOR = /^1\.\d+$/

export const addonImageSchema = z
  .object({
    repository: z.string().min(1),
    tag: z.string().min(1).optional(),
    /** For addons whose version follows the cluster (cluster-autoscaler): tag per Kubernetes minor. */
    tagByKubernetesMinor: z.record(z.string().regex(MINOR), z.string().min(1)).optional(),
  })
  .strict()
  .refine((i) => (i.tag === undefined) !== (i.tagByKubernetesMinor === undefined), {message: 'give exactly one of tag and tagByKubernetesMinor'})

export const addonMetadataSchema = z
  .object({
    apiVersion: z.literal('kopsmith/v1alpha1'),
    kind: z.literal('Addon'),
    name: z.string().regex(/^[a-z0-9-]+$/),
    description: z.string(),
    /** The addon's version, or `kubernetes-minor` when it is the image tag chosen by the cluster's minor. */
    version: z.string().min(1),
    namespace: z.string().min(1),
    kubernetes: z.object({min: z.string().regex(MINOR), max: z.string().regex(MINOR)}).strict(),
    followsKubernetesMinor: z.boolean().default(false),
    images: z.record(z.string(), addonImageSchema),
    dependencies: z.array(z.string()).default([]),
    /**
     * The Gateway API release the addon ships: `directory` (inside the addon) holds upstream's release
     * files byte for byte — CRDs, the safe-upgrades ValidatingAdmissionPolicy, the LICENSE — applied
     * as they are, without template substitution or our labels.
     */
    gatewayApi: z
      .object({bundleVersion: z.string().regex(/^v\d+\.\d+\.\d+$/), channel: z.enum(['standard', 'experimental']), directory: z.string().regex(/^[a-z0-9-]+$/)})
      .strict()
      .optional(),
    healthChecks: z.array(z.object({kind: z.enum(['Deployment', 'DaemonSet', 'StatefulSet']), namespace: z.string(), name: z.string()}).strict()),
    manifests: z.array(z.string().regex(/^[a-z0-9-]+\.yaml$/)).min(1),
    securityExceptions: z
      .array(z.object({container: z.string(), relaxed: z.array(z.string()).min(1), kept: z.array(z.string()).optional(), reason: z.string().min(20)}).strict())
      .default([]),
    notes: z.string().optional(),
  })
  .strict()

export type AddonMetadata = z.output<typeof addonMetadataSchema>

/** An addon as shipped: its metadata, its manifest templates and its upstream bundle files (file name → text). */
export interface AddonData {
  metadata: AddonMetadata
  templates: Array<{file: string; text: string}>
  /** The `gatewayApi.directory` files ending in `.yaml`, sorted; empty without a bundle. */
  bundle?: Array<{file: string; text: string}>
}
