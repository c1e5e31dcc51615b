import {z} from 'zod'

/**
 * The cluster file (`apiVersion: kopsmith/v1alpha1`, `kind: Cluster`) as written by users.
 * Optional fields are filled by the profile defaults in `defaults.ts`; every object is strict so
 * unknown keys are errors. The JSON Schema (`kopsmith config schema`) is generated from this
 * definition, so descriptions here are what editors show.
 */

export const GERMAN_REGIONS = ['eu-central-1'] as const
export const HARDENING_IDS = [
  'H01', 'H02', 'H03', 'H04', 'H05', 'H06', 'H07', 'H08', 'H09',
  'H10', 'H11', 'H12', 'H13', 'H14', 'H15', 'H16', 'H17', 'H18',
] as const
export type HardeningId = (typeof HARDENING_IDS)[number]

const DNS_1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/
const BUCKET_NAME = /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/
const K8S_VERSION = /^1\.(\d+)\.(\d+)$/
const DURATION = /^(\d+(h|m|s|d))+$/
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/
const ZONE = /^[a-z]{2}-[a-z]+-\d[a-z]$/
const WINDOW = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(-(Mon|Tue|Wed|Thu|Fri|Sat|Sun))? ([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d [A-Za-z_]+(\/[A-Za-z_+-]+)*$/

export const cidrSchema = z
  .string()
  .regex(IPV4_CIDR, {message: 'expected an IPv4 CIDR such as 10.0.0.0/8'})

const cidrList = z.array(cidrSchema)

export const durationSchema = z
  .string()
  .regex(DURATION, {message: 'expected a duration such as 72h, 90m or 1h30m'})

export const clusterFileSchema = z
  .object({
    $schema: z.string().optional().describe('Editor hint; ignored by kopsmith'),
    apiVersion: z.literal('kopsmith/v1alpha1'),
    kind: z.literal('Cluster'),
    metadata: z
      .object({
        name: z
          .string()
          .regex(DNS_1123_SUBDOMAIN, {message: 'expected a lowercase DNS name (RFC 1123), e.g. prod.k8s.acme.de'})
          .describe('Cluster name: a fully-qualified name under spec.dns.zone'),
      })
      .strict(),
    spec: z
      .object({
        profile: z.enum(['production', 'sandbox']).describe('Picks the defaults: production (HA, protected) or sandbox (small, expiring)'),
        region: z.string().describe('AWS region; only eu-central-1 (Frankfurt) is accepted'),
        zones: z.array(z.string().regex(ZONE, {message: 'expected an availability zone such as eu-central-1a'})).min(1).optional()
          .describe('Availability zones; default: a, b, c (production) or a (sandbox)'),
        kubernetesVersion: z.string().regex(K8S_VERSION, {message: 'expected a full Kubernetes version such as 1.35.7'}),
        stateStore: z
          .object({
            bucket: z.string().regex(BUCKET_NAME, {message: 'expected an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)'}),
            kmsKeyId: z.string().min(1).nullable().optional().describe('KMS key for SSE-KMS; null means SSE-S3'),
            discoveryBucket: z.string().regex(BUCKET_NAME, {message: 'expected an S3 bucket name'}).optional()
              .describe('Public-read bucket for the IRSA OIDC discovery documents; default: <bucket>-oidc'),
          })
          .strict(),
        dns: z
          .object({
            zone: z.string().regex(DNS_1123_SUBDOMAIN, {message: 'expected a DNS zone name such as k8s.acme.de'}),
            type: z.enum(['public', 'private']).default('private'),
          })
          .strict(),
        network: z
          .object({
            cidr: cidrSchema.default('10.20.0.0/16'),
            cni: z.enum(['cilium', 'calico']).default('cilium'),
          })
          .strict()
          .optional(),
        access: z
          .object({
            api: cidrList.min(1, {message: 'expected at least one CIDR allowed to reach the API'}),
            ssh: cidrList.default([]),
          })
          .strict(),
        bastion: z.object({enabled: z.boolean().default(false)}).strict().optional(),
        controlPlane: z
          .object({
            instanceType: z.string().regex(INSTANCE_TYPE, {message: 'expected an EC2 instance type such as m7i.large'}).optional(),
          })
          .strict()
          .optional(),
        nodeGroups: z
          .array(
            z
              .object({
                name: z.string().regex(DNS_1123_LABEL, {message: 'expected a DNS label (lowercase letters, digits, hyphens)'}),
                instanceType: z.string().regex(INSTANCE_TYPE, {message: 'expected an EC2 instance type such as m7i.xlarge'}),
                minSize: z.number().int().min(0),
                maxSize: z.number().int().min(1),
                spot: z.boolean().default(false),
                zones: z.array(z.string().regex(ZONE, {message: 'expected an availability zone such as eu-central-1a'})).min(1).optional(),
              })
              .strict(),
          )
          .min(1)
          .optional(),
        addons: z
          .object({
            ingress: z.object({enabled: z.boolean().default(true)}).strict().optional(),
            clusterAutoscaler: z.object({enabled: z.boolean().default(true)}).strict().optional(),
            logging: z
              .object({
                enabled: z.boolean().default(true),
                destination: z.enum(['cloudwatch', 'opensearch']).default('cloudwatch'),
                retentionDays: z.number().int().positive().default(30),
                endpoint: z.string().url().optional().describe('OpenSearch endpoint; required when destination is opensearch'),
              })
              .strict()
              .optional(),
          })
          .strict()
          .optional(),
        namespaces: z.object({file: z.string().min(1)}).strict().optional(),
        owner: z.string().regex(EMAIL, {message: 'expected an e-mail address'}),
        protected: z.boolean().optional(),
        ttl: durationSchema.nullable().optional().describe('Sandbox only: lifetime, default 72h, at most 14 days'),
        expiresAt: z.iso.datetime({offset: true}).optional().describe('Sandbox only: absolute expiry, written by kopsmith from ttl'),
        upgrade: z
          .object({
            maxSurge: z.number().int().min(0).default(1),
            drainTimeout: durationSchema.default('15m'),
            window: z.string().regex(WINDOW, {message: 'expected a window such as "Sat 02:00-06:00 Europe/Berlin"'}).nullable().optional(),
          })
          .strict()
          .optional(),
        waivers: z
          .array(
            z.object({
              id: z.enum(HARDENING_IDS),
              reason: z.string().min(10, {message: 'expected a written reason of at least 10 characters'}),
            }).strict(),
          )
          .optional()
          .describe('Hardening checks this cluster deliberately does not meet, each with a reason'),
      })
      .strict(),
  })
  .strict()

export type ClusterFileInput = z.input<typeof clusterFileSchema>
export type ClusterFile = z.output<typeof clusterFileSchema>
export type Profile = ClusterFile['spec']['profile']

export {K8S_VERSION}
