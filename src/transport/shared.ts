import { abortError } from '../errors.js';
import { onAbort } from '../util/abort.js';

/**
 * Waits for shared work (a login, a probe, a server-list refresh that runs under the client's lifetime) on behalf
 * of one caller: the caller's signal ends the wait for that caller alone, and the work goes on for the others.
 */
export function awaitShared<T>(work: Promise<T>, signal: AbortSignal | undefined, what?: string): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    // The work goes on without this caller: its failure is for the others to see, not an unhandled rejection here.
    work.catch(() => undefined);
    return Promise.reject(abortError(signal, what));
  }
  return new Promise<T>((resolve, reject) => {
    const undo = onAbort(signal, () => reject(abortError(signal, what)));
    work.then(
      (value) => {
        undo();
        resolve(value);
      },
      (error: unknown) => {
        undo();
        reject(error);
      },
    );
  });
}
