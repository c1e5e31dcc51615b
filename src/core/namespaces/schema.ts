import {z} from 'zod'

import {ADDON_IDENTITIES} from '../addons/identities.js'
import {cidrSchema} from '../config/cidr-schema.js'

/**
 * The namespaces file (`apiVersion: kopsmith/v1alpha1`, `kind: NamespaceSet`, DESIGN.md). Strict
 * like the cluster file: unknown keys are errors, reported with path and line:column (exit 3).
 */

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/
const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/

/** Namespaces kopsmith never hands to an application team. */
export const RESERVED_NAMESPACES: readonly string[] = [
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
  ...new Set(Object.values(ADDON_IDENTITIES).map((i) => i.namespace)),
]

const quantity = (example: string) =>
  z
    .union([z.string(), z.number()])
    .transform((v) => String(v))
    .pipe(z.string().regex(QUANTITY, {message: `expected a Kubernetes quantity such as ${example}`}))

const port = z.number().int().min(1).max(65535)

export const namespaceEntrySchema = z
  .object({
    name: z
      .string()
      .regex(DNS_1123_LABEL, {message: 'expected a DNS label (lowercase letters, digits, hyphens; at most 63 characters)'})
      .refine((n) => !RESERVED_NAMESPACES.includes(n) && !n.startsWith('kube-'), {message: 'this namespace is reserved for the cluster or its addons'})
      .describe('Namespace name'),
    team: z
      .string()
      .min(1)
      // system:authenticated, system:serviceaccounts … are everyone, or machines: never a team.
      .refine((t) => !t.startsWith('system:'), {message: 'system: groups are Kubernetes\' own (system:authenticated is everyone who logs in); name the team\'s own group'})
      .describe('Group bound to the `edit` ClusterRole in this namespace'),
    quota: z
      .object({cpu: quantity('"8"'), memory: quantity('16Gi'), pods: z.number().int().positive()})
      .strict()
      .describe('ResourceQuota: total requests and limits of CPU and memory, and the pod count'),
    limits: z
      .object({cpu: quantity('250m'), memory: quantity('256Mi')})
      .strict()
      .describe('LimitRange default requests and limits per container'),
    ingress: z.boolean().default(false).describe("Allow traffic from the ingress controller's namespace"),
    egress: z
      .array(z.object({cidr: cidrSchema, ports: z.array(port).min(1)}).strict())
      .default([])
      .describe('Egress allowed beyond DNS (TCP to these CIDRs and ports)'),
    deployer: z.boolean().default(false).describe('ServiceAccount `deployer` with a Role for CI deploys'),
  })
  .strict()

export const namespaceSetSchema = z
  .object({
    apiVersion: z.literal('kopsmith/v1alpha1'),
    kind: z.literal('NamespaceSet'),
    namespaces: z.array(namespaceEntrySchema).min(1),
  })
  .strict()
  .superRefine((set, ctx) => {
    const seen = new Map<string, number>()
    set.namespaces.forEach((ns, i) => {
      const first = seen.get(ns.name)
      if (first !== undefined) ctx.addIssue({code: 'custom', path: ['namespaces', i, 'name'], message: `duplicate namespace "${ns.name}" (also namespaces[${first}])`})
      else seen.set(ns.name, i)
    })
  })

export type NamespaceSet = z.output<typeof namespaceSetSchema>
export type NamespaceEntry = NamespaceSet['namespaces'][number]
