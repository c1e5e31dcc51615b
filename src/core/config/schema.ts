import {z} from 'zod'

import {BUCKET_NAME, DNS_1123_SUBDOMAIN} from '../naming.js'
import {cidrSchema} from './cidr-schema.js'
import {GERMAN_REGIONS, HARDENING_IDS, type HardeningId} from './constants.js'

/**
 * The cluster file (`apiVersion: kopsmith/v1alpha1`, `kind: Cluster`) as written by users.
 * Optional fields are filled by the profile defaults in `defaults.ts`; every object is strict so
 * unknown keys are errors. The JSON Schema (`kopsmith config schema`) is generated from this
 * definition, so descriptions here are what editors show.
 */

export {GERMAN_REGIONS, HARDENING_IDS, type HardeningId}

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/
// A key id, a multi-Region key id, an alias name, or the ARN of a key or an alias.
const KMS_KEY = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|alias\/[A-Za-z0-9/_-]+|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+)$/
const K8S_VERSION = /^1\.(\d+)\.(\d+)$/
// Units largest first, each at most once: 3d, 72h, 1h30m, 90s (parsed by duration.ts).
const DURATION = /^(?=\d)(\d+d)?(\d+h)?(\d+m)?(\d+s)?$/
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/
const ZONE = /^[a-z]{2}-[a-z]+-\d[a-z]$/
const WINDOW = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(-(Mon|Tue|Wed|Thu|Fri|Sat|Sun))? ([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d [A-Za-z_]+(\/[A-Za-z_+-]+)*$/
// kops writes the user name into the IAMIdentityMapping manifest unquoted: it must read back as
// the same YAML string (no leading `{`, no `: ` or ` #`).
const IAM_USERNAME = /^[A-Za-z0-9][-A-Za-z0-9_.:@{}]*$/
// Host (no user info) and optional port and path; query and fragment are refused in check.ts with
// the API server's reasons. A regex, not z.url(), so the JSON Schema says the same.
const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]+(:\d+)?(\/\S*)?$/
// An IAM role in the aws partition (eu-central-1). Role paths are checked in check.ts, with a reason.
const IAM_ROLE_ARN = /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/


const cidrList = z.array(cidrSchema)

export const durationSchema = z
  .string()
  .regex(DURATION, {message: 'expected a duration such as 72h, 90m, 1h30m or 3d'})

const zoneSchema = z.string().regex(ZONE, {message: 'expected an availability zone such as eu-central-1a'})

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
          .describe('Cluster name: a fully-qualified name under spec.dns.zone, e.g. prod.k8s.acme.de'),
      })
      .strict(),
    spec: z
      .object({
        profile: z.enum(['production', 'sandbox']).describe('Picks the defaults: production (HA, protected) or sandbox (small, expiring)'),
        // Any string here: a region outside Germany is a refusal (exit 9), not a typo (exit 3).
        region: z.string().meta({description: 'AWS region; only eu-central-1 (Frankfurt) is accepted, so data stays in Germany', examples: ['eu-central-1']}),
        zones: z.array(zoneSchema).min(1).optional()
          .describe('Availability zones in the region; production needs an odd number, at least 3 (default a, b, c); sandbox default a'),
        kubernetesVersion: z
          .string()
          .regex(K8S_VERSION, {message: 'expected a full Kubernetes version such as 1.35.7 (no "v" prefix)'})
          .describe('Kubernetes version, e.g. 1.35.7; the kops binary in use must support it'),
        stateStore: z
          .object({
            bucket: z.string().regex(BUCKET_NAME, {message: 'expected an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)'})
              .describe('S3 bucket holding the kops state; created and hardened in eu-central-1 when missing'),
            kmsKeyId: z.string().regex(KMS_KEY, {message: 'expected a KMS key id, alias/NAME, or a key or alias ARN'}).nullable().optional()
              .describe('KMS key for SSE-KMS on the state bucket and etcd volumes; null means SSE-S3'),
            discoveryBucket: z.string().regex(BUCKET_NAME, {message: 'expected an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)'}).optional()
              .describe('Public-read bucket for the IRSA OIDC discovery documents; default: <bucket>-oidc'),
          })
          .strict(),
        dns: z
          .object({
            zone: z.string().regex(DNS_1123_SUBDOMAIN, {message: 'expected a DNS zone name such as k8s.acme.de'})
              .describe('Route53 hosted zone the cluster name lives under'),
            type: z.enum(['public', 'private']).default('private').describe('public or private Route53 hosted zone'),
          })
          .strict(),
        network: z
          .object({
            cidr: cidrSchema.default('10.20.0.0/16').describe('VPC CIDR: private (RFC 1918), /16 to /20; subnets per zone are derived from it'),
            cni: z.enum(['cilium', 'calico']).default('cilium').describe('CNI; both enforce NetworkPolicy'),
          })
          .strict()
          .optional(),
        access: z
          .object({
            api: cidrList.min(1, {message: 'expected at least one CIDR allowed to reach the API'})
              .describe('CIDRs allowed to reach the Kubernetes API; never 0.0.0.0/0'),
            ssh: cidrList.default([]).describe('CIDRs allowed to SSH to the bastion; empty means no SSH at all; needs bastion.enabled'),
          })
          .strict(),
        bastion: z.object({enabled: z.boolean().default(false)}).strict().optional().describe('SSH goes only through a bastion'),
        controlPlane: z
          .object({
            instanceType: z.string().regex(INSTANCE_TYPE, {message: 'expected an EC2 instance type such as m7i.large'}).optional()
              .describe('Default m7i.large (production) or t3.medium (sandbox)'),
          })
          .strict()
          .optional()
          .describe('One control plane per zone in production, one in a sandbox'),
        nodeGroups: z
          .array(
            z
              .object({
                name: z.string().regex(DNS_1123_LABEL, {message: 'expected a DNS label (lowercase letters, digits, hyphens)'}),
                instanceType: z.string().regex(INSTANCE_TYPE, {message: 'expected an EC2 instance type such as m7i.xlarge'}),
                minSize: z.number().int().min(0),
                maxSize: z.number().int().min(1),
                spot: z.boolean().default(false),
                zones: z.array(zoneSchema).min(1).optional().describe('A subset of spec.zones; default: all of them'),
              })
              .strict(),
          )
          .min(1)
          .optional()
          .describe('Worker node groups; default: one group "general" sized by the profile'),
        addons: z
          .object({
            ingress: z.object({enabled: z.boolean().default(true)}).strict().optional().describe('Traefik behind an internal NLB'),
            clusterAutoscaler: z.object({enabled: z.boolean().default(true)}).strict().optional(),
            logging: z
              .object({
                enabled: z.boolean().default(true),
                destination: z.enum(['cloudwatch', 'opensearch']).default('cloudwatch'),
                // No zod default: the profile decides (production 30, sandbox 7), see defaults.ts.
                retentionDays: z.number().int().positive().optional().describe('Log retention; default 30 (production) or 7 (sandbox)'),
                endpoint: z.url({protocol: /^https$/, message: 'expected an https URL such as https://logs.example.eu-central-1.es.amazonaws.com'}).optional()
                  .describe('OpenSearch endpoint; required when destination is opensearch'),
              })
              .strict()
              .optional()
              .describe('Fluent Bit shipping container logs'),
          })
          .strict()
          .optional(),
        authentication: z
          .object({
            aws: z
              .object({
                mappings: z
                  .array(
                    z
                      .object({
                        roleARN: z.string().regex(IAM_ROLE_ARN, {message: 'expected an IAM role ARN such as arn:aws:iam::123456789012:role/payments-devs'})
                          .describe('IAM role whose sessions may log in (the role, not an assumed-role session ARN)'),
                        groups: z.array(z.string().min(1)).min(1).describe('Kubernetes groups the role\'s sessions are in, e.g. a team group of the namespaces file'),
                        username: z.string().regex(IAM_USERNAME, {message: 'expected a user name of letters, digits and -_.:@, with {{SessionName}} or {{AccountID}} inside it, e.g. iam:{{SessionName}}'}).optional()
                          .describe('Kubernetes user name; may use {{SessionName}} and {{AccountID}}; default iam:{{SessionName}}'),
                      })
                      .strict(),
                  )
                  .optional()
                  .describe('IAM roles mapped to Kubernetes groups (aws-iam-authenticator identity mappings); default none'),
              })
              .strict()
              .optional()
              .describe('AWS IAM authentication: sessions of the listed IAM roles log in with aws-iam-authenticator tokens'),
            oidc: z
              .object({
                issuerURL: z.string().regex(HTTPS_URL, {message: 'expected an https URL such as https://login.acme.de/realms/acme'})
                  .describe('OpenID Connect issuer; the API server fetches its discovery document'),
                clientID: z.string().min(1).describe('Client ID the ID tokens are issued for (their audience)'),
                usernameClaim: z.string().min(1).optional().describe('Claim that names the user; default sub'),
                usernamePrefix: z.string().describe('Prepended to every user name, e.g. "oidc:"; required, so no token can name a system: user'),
                groupsClaim: z.string().min(1).optional().describe('Claim that lists the user\'s groups; default groups'),
                groupsPrefix: z.string().describe('Prepended to every group, e.g. "oidc:"; required, so no token can claim a system: group'),
              })
              .strict()
              .optional()
              .describe('OpenID Connect: ID tokens of a company identity provider'),
          })
          .strict()
          .nullable()
          .optional()
          .describe('Who can log in besides kops\' admin certificates; default: AWS IAM without mappings (production), none (sandbox); null for none'),
        namespaces: z.object({file: z.string().min(1)}).strict().optional().describe('Namespaces file to bootstrap after the cluster is healthy'),
        owner: z.string().regex(EMAIL, {message: 'expected an e-mail address'}).describe('Who answers for this cluster'),
        protected: z.boolean().optional().describe('Refuse deletion; default true (production) or false (sandbox)'),
        ttl: durationSchema.nullable().optional().describe('Sandbox only: lifetime, default 72h, at most 14 days; not allowed in production'),
        expiresAt: z.iso.datetime({offset: true, message: 'expected an RFC 3339 date-time such as 2026-05-01T12:00:00Z'}).optional()
          .describe('Sandbox only: absolute expiry, written by kopsmith from ttl'),
        upgrade: z
          .object({
            maxSurge: z.number().int().min(0).default(1),
            drainTimeout: durationSchema.default('15m'),
            window: z.string().regex(WINDOW, {message: 'expected a window such as "Sat 02:00-06:00 Europe/Berlin"'}).nullable().optional()
              .describe('Maintenance window for scheduled upgrades: days, start-end, IANA time zone; null means any time'),
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
