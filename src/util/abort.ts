/**
 * The callbacks waiting on each signal. One abort listener per signal, however many waiters share it: a loop's
 * signal, or a caller's passed to 100 calls, would otherwise pile up a listener per request, sleep and shared wait,
 * and Node warns of a leak past 10 (seen in the soak: 200 heartbeats waiting on one probe).
 */
const waiters = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `callback` once when `signal` aborts (callers check `signal.aborted` first); returns the undo. */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let set = waiters.get(signal);
  if (!set) {
    const created = new Set<() => void>();
    set = created;
    waiters.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        waiters.delete(signal);
        for (const waiter of created) waiter();
        created.clear();
      },
      { once: true },
    );
  }
  set.add(callback);
  const mine = set;
  return () => void mine.delete(callback);
}
