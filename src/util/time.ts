import { abortError } from '../errors.js';
import { onAbort } from './abort.js';

/** Resolves after `ms`, or rejects with an ABORTED NacosError as soon as `signal` aborts. Leaves no timer behind. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const timer = setTimeout(() => {
      undo?.();
      resolve();
    }, ms);
    const undo = signal
      ? onAbort(signal, () => {
          clearTimeout(timer);
          reject(abortError(signal));
        })
      : undefined;
  });
}

/** `ms` ± 10 % (uniform), so many clients started together do not poll in lockstep. Never negative for `ms` ≥ 0. */
export function jitter(ms: number): number {
  return Math.round(ms * (0.9 + Math.random() * 0.2));
}

/**
 * Exponential backoff with full jitter: attempt 1 → up to 1 s, doubling, capped at `maxMs`. The 10 s cap bounds how
 * long a client stays behind after an outage ends (measured in test/chaos: back within 10 s), at ~0.1 attempts per
 * second and server while it lasts.
 */
export function backoffMs(attempt: number, baseMs = 1000, maxMs = 10_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/**
 * A signal that aborts when any of `signals` does (undefined ones skipped), and `release` to let it go when the
 * operation ends. Not AbortSignal.any: on Node 20 every composite stays referenced by a long-lived source until that
 * source aborts (~1.2 kB a call), and a sync loop makes one per round (the soak grew by ~4 MB a minute).
 */
export function anySignal(...signals: (AbortSignal | undefined)[]): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const undo = signals.map((s) => s && (s.aborted ? controller.abort(s.reason) : onAbort(s, () => controller.abort(s.reason))));
  return { signal: controller.signal, release: () => undo.forEach((u) => u?.()) };
}
