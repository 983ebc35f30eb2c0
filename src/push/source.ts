// What every driver does with its source: its work runs under a lifetime of its own within the client's. When the
// first connection cannot be made, the host is handed to HTTP, and push is tried again now and then with a new source
// until one connects; the host is then handed back to push.
import { isNacosError, messageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import { sleep } from '../util/time.js';
import type { PushContext } from './port.js';

/** A driver's lifetime: ended by `end()` (its close) or by the client's shutdown. */
export interface DriverLife {
  readonly signal: AbortSignal;
  end(): void;
}

export function driverLife(context: PushContext): DriverLife {
  const stop = new AbortController();
  const life = context.scope(stop.signal);
  return {
    signal: life.signal,
    end: () => {
      stop.abort();
      life.release();
    },
  };
}

/**
 * How long after a fall-back push is tried again: 30 s, doubling to at most 5 min. A blocked port or a server without
 * gRPC costs a refused connection that often; a start in an outage gets push back soon after it ends.
 */
export const PUSH_RETRY_MS = 30_000;
export const PUSH_RETRY_MAX_MS = 300_000;

/** A driver's option for its fall-back. */
export interface FallBackOptions {
  /** How long after falling back to HTTP push is tried again, doubling up to 5 min. Default 30,000 ms. */
  fallBackRetryMs?: number;
}

/** What a driver does when its source cannot serve, and when a new source does again. */
export interface FallBack {
  /** The adapter's name, for log lines (`gRPC`, `bridge`). */
  readonly name: string;
  /** Logged once, with the reason, when the first connection cannot be made. */
  readonly warning: string;
  /** The first wait before push is tried again (default {@link PUSH_RETRY_MS}). */
  readonly retryMs: number | undefined;
  /** The host follows over HTTP from now on (until `resume`). */
  fallBack(): void;
  /** A new source connected after a fall-back: the host is handed back to push. */
  resume(): void;
}

/**
 * Starts the source `open` makes (the driver keeps it: its calls go to the newest). When its first connection cannot be made, the warning is
 * logged, the host falls back to HTTP and the source closes; a new one is tried after `retryMs`, then at doubling
 * intervals up to {@link PUSH_RETRY_MAX_MS}, until one connects (`resume`) or the driver's lifetime ends.
 */
export function startOrFallBack(open: () => { start(): Promise<void>; close(): Promise<void> }, life: DriverLife, log: Logger, f: FallBack): void {
  void (async () => {
    for (let attempt = 0; ; attempt++) {
      const source = open();
      // Only the start's own failure closes this source: a logger or a hand-back that throws must not.
      const failure = await source.start().then(
        () => undefined,
        (error: unknown) => ({ error }),
      );
      if (!failure) {
        if (life.signal.aborted) return void source.close();
        if (attempt > 0) {
          log.info(`${f.name} push connected after the fall-back to HTTP; pushes are used again`);
          f.resume();
        }
        return;
      }
      const { error } = failure;
      void source.close();
      if (life.signal.aborted || isNacosError(error, 'ABORTED')) return;
      if (attempt === 0) {
        log.warn(`${f.warning}: ${messageOf(error)}`);
        f.fallBack();
      } else log.debug(`${f.name} push still unavailable: ${messageOf(error)}`);
      const wait = Math.min(PUSH_RETRY_MAX_MS, (f.retryMs ?? PUSH_RETRY_MS) * 2 ** attempt);
      if (!(await sleep(wait, life.signal).then(() => true, () => false))) return;
    }
  })();
}
