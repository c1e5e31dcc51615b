/**
 * Replaces what lies between two marker lines of a docs page (the markers included) with a
 * generated block that starts and ends with the same markers. Generated tables in docs/ stay
 * byte-for-byte what the code says; tests compare and `UPDATE_GOLDEN=1` rewrites.
 */
export function withGeneratedBlock(page: string, start: string, end: string, block: string): string {
  const from = page.indexOf(start)
  const to = page.indexOf(end)
  if (from < 0 || to < from) throw new Error(`the page has no ${start} … ${end} markers`)
  return page.slice(0, from) + block + page.slice(to + end.length)
}
