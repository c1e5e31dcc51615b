import {ADDON_IDENTITIES} from '../addons/identities.js'

/**
 * The namespaces file's rules beyond its shape, in one place for the zod schema (schema.ts, which
 * explains every problem) and the check of the validator precompiled at build time (fast-check.ts,
 * which loads no zod on the way of a valid file).
 */

export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/
export const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/

/** Namespaces kopsmith never hands to an application team. */
export const RESERVED_NAMESPACES: readonly string[] = [
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
  ...new Set(Object.values(ADDON_IDENTITIES).map((i) => i.namespace)),
]

export function isReservedNamespace(name: string): boolean {
  return RESERVED_NAMESPACES.includes(name) || name.startsWith('kube-')
}

/** system:authenticated, system:serviceaccounts … are everyone, or machines: never a team. */
export function isSystemGroup(team: string): boolean {
  return team.startsWith('system:')
}

/** A quantity as the file may write it (`4` or `"4"`), as the manifests carry it: a string. */
export function quantityText(value: string | number): string {
  return String(value)
}

/** Each namespace listed a second time, with the index of its first entry. */
export function duplicateNamespaces(names: readonly string[]): Array<{index: number; name: string; first: number}> {
  const seen = new Map<string, number>()
  const duplicates: Array<{index: number; name: string; first: number}> = []
  names.forEach((name, index) => {
    const first = seen.get(name)
    if (first !== undefined) duplicates.push({index, name, first})
    else seen.set(name, index)
  })
  return duplicates
}
