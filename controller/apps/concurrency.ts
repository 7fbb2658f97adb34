/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

type Settled<T, R> = { item: T; ok: true; value: R } | { item: T; ok: false; error: unknown };

/** Like mapLimit, but collects failures instead of stopping at the first. */
export function settleLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<Settled<T, R>[]> {
  return mapLimit(items, limit, async (item): Promise<Settled<T, R>> => {
    try {
      return { item, ok: true, value: await fn(item) };
    } catch (error) {
      return { item, ok: false, error };
    }
  });
}
