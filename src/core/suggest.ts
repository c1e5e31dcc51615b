import levenshtein from 'fast-levenshtein'

/**
 * The candidate a typo most likely meant (`clustr` → `cluster`, `--fiel` → `--file`), or undefined
 * when nothing is close enough to be a typo. Edit distance (the measure oclif's not-found plugin
 * uses) up to a third of the typed length, at least 2; a unique candidate the typed text starts
 * is also a match (`--kube` → `--kubeconfig`).
 */
export function closestMatch(typed: string, candidates: readonly string[]): string | undefined {
  const unique = [...new Set(candidates)].filter((c) => c !== typed)
  const ranked = unique.map((c) => ({c, d: levenshtein.get(typed, c)})).sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
  const best = ranked[0]
  if (best && best.d <= Math.max(2, Math.floor(typed.length / 3))) return best.c
  const prefixed = unique.filter((c) => c.startsWith(typed))
  return typed.length >= 3 && prefixed.length === 1 ? prefixed[0] : undefined
}
