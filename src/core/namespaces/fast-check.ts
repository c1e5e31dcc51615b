import {duplicateNamespaces, isReservedNamespace, isSystemGroup, QUANTITY, quantityText} from './rules.js'
import type {PrecompiledValidator} from '../precompiled-validator.js'
import type {NamespaceSet} from './schema.js'

interface WrittenEntry {
  name: string
  team: string
  quota: {cpu: string | number; memory: string | number; pods: number}
  limits: {cpu: string | number; memory: string | number}
}

/**
 * The namespaces file as zod would return it, without zod: the precompiled validator checks the
 * shape and fills the defaults, then the rules JSON Schema cannot say (rules.ts: quantities,
 * reserved namespaces, system: groups, duplicates) are checked here. Undefined when anything is
 * wrong: zod then explains every problem, with its path and position. Never accepts what zod
 * refuses (test/unit/core/namespaces/fast-check.test.ts compares both on every fixture).
 */
export function checkNamespaceSetFast(data: unknown, validate: PrecompiledValidator): NamespaceSet | undefined {
  // The validator fills defaults in place; the data as read stays as written.
  const value = structuredClone(data)
  if (!validate(value)) return undefined
  const entries = (value as {namespaces: WrittenEntry[]}).namespaces
  for (const entry of entries) {
    if (isReservedNamespace(entry.name) || isSystemGroup(entry.team)) return undefined
    for (const box of [entry.quota, entry.limits]) {
      box.cpu = quantityText(box.cpu)
      box.memory = quantityText(box.memory)
      if (!QUANTITY.test(box.cpu) || !QUANTITY.test(box.memory)) return undefined
    }
  }
  if (duplicateNamespaces(entries.map((e) => e.name)).length > 0) return undefined
  return value as NamespaceSet
}
