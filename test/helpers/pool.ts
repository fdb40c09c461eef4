// A worker pool for tests and benches: runs `fn` over `items`, at most `limit` at once, taking
// items in order.
//
// On the first error no new item is started; the calls already running are awaited, then that
// first error is thrown. So nothing is left running once the pool has settled.

/** Runs `fn` over `items` with at most `limit` in flight; throws the first error after the in-flight calls settle. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}
