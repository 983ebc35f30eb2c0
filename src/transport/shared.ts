import { abortError } from '../errors.js';
import { onAbort } from '../util/abort.js';

/**
 * Waits for shared work (a login, a probe, a server-list refresh that runs under the client's lifetime) on behalf
 * of one caller: the caller's signal ends the wait for that caller alone, and the work goes on for the others.
 */
export function awaitShared<T>(work: Promise<T>, signal: AbortSignal | undefined, what?: string): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const fail = () => reject(abortError(signal, what));
    // The work is followed even for a caller that gave up already: its failure must not go unhandled. The abort
    // listener goes once the work settles (after the caller has its answer).
    const undo = signal.aborted ? (fail(), fail) : onAbort(signal, fail);
    work.then(resolve, reject);
    work.then(undo, undo);
  });
}
