import {z} from 'zod'

import {cidrSchema} from '../config/cidr-schema.js'
import {DNS_1123_LABEL, duplicateNamespaces, isReservedNamespace, isSystemGroup, QUANTITY, quantityText} from './rules.js'

/**
 * The namespaces file (`apiVersion: kopsmith/v1alpha1`, `kind: NamespaceSet`, DESIGN.md). Strict
 * like the cluster file: unknown keys are errors, reported with path and line:column (exit 3).
 */

const quantity = (example: string) =>
  z
    .union([z.string(), z.number()])
    .transform(quantityText)
    .pipe(z.string().regex(QUANTITY, {message: `expected a Kubernetes quantity such as ${example}`}))

const port = z.number().int().min(1).max(65535)

export const namespaceEntrySchema = z
  .object({
    name: z
      .string()
      .regex(DNS_1123_LABEL, {message: 'expected a DNS label (lowercase letters, digits, hyphens; at most 63 characters)'})
      .refine((n) => !isReservedNamespace(n), {message: 'this namespace is reserved for the cluster or its addons'})
      .describe('Namespace name'),
    team: z
      .string()
      .min(1)
      .refine((t) => !isSystemGroup(t), {message: 'system: groups are Kubernetes\' own (system:authenticated is everyone who logs in); name the team\'s own group'})
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
    for (const d of duplicateNamespaces(set.namespaces.map((ns) => ns.name))) {
      ctx.addIssue({code: 'custom', path: ['namespaces', d.index, 'name'], message: `duplicate namespace "${d.name}" (also namespaces[${d.first}])`})
    }
  })

export type NamespaceSet = z.output<typeof namespaceSetSchema>
export type NamespaceEntry = NamespaceSet['namespaces'][number]
