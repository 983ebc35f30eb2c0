/**
 * Runs `task` for each item, at most `concurrency` at once, starting them in order; resolves when every started
 * task has settled, and rejects with the first task's error. Once `signal` aborts, no further task starts.
 */
export async function eachBounded<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
