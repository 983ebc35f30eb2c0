/**
 * The callbacks waiting on each signal, called by one abort listener however many waiters share it: a loop's signal,
 * or a caller's passed to 100 calls, would otherwise pile up a listener per request, sleep and shared wait, and Node
 * warns of a leak past 10 (seen in the soak: 200 heartbeats waiting on one probe). The listener goes with the last
 * waiter: Deno keeps a process alive while an `AbortSignal.timeout` has one.
 */
const waiters = new WeakMap<AbortSignal, Set<() => void>>();

/** The one listener, on every signal that has waiters (`this`): an abort happens once, so its set goes and each waiter runs. */
function fire(this: AbortSignal): void {
  const set = waiters.get(this)!;
  waiters.delete(this);
  for (const waiter of set) waiter();
}

/** Calls `callback` once when `signal` aborts (callers check `signal.aborted` first); returns the undo. */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let set = waiters.get(signal);
  if (!set) {
    waiters.set(signal, (set = new Set()));
    signal.addEventListener('abort', fire);
  }
  const mine = set.add(callback);
  return () => void (mine.delete(callback) && !mine.size && waiters.delete(signal) && signal.removeEventListener('abort', fire));
}
