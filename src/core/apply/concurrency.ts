/**
 * Runs `fn` over `items` with at most `limit` calls in flight. Every item runs even when some fail
 * (so all conflicts of a phase are reported together), unless `stopOnError(error)` says a failure
 * makes the rest pointless; then nothing new starts. Results keep the input order.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  stopOnError: (error: unknown) => boolean = () => true,
): Promise<Array<{ok: true; value: R} | {ok: false; error: unknown}>> {
  const results: Array<{ok: true; value: R} | {ok: false; error: unknown}> = new Array(items.length)
  let next = 0
  let stopped = false
  const worker = async () => {
    while (!stopped && next < items.length) {
      const index = next++
      try {
        results[index] = {ok: true, value: await fn(items[index] as T, index)}
      } catch (error) {
        results[index] = {ok: false, error}
        if (stopOnError(error)) stopped = true
      }
    }
  }
  await Promise.all(Array.from({length: Math.max(1, Math.min(limit, items.length))}, worker))
  return results.filter((r) => r !== undefined)
}
