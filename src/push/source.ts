// What every driver does with its source: its work runs under a lifetime of its own within the client's, and when
// the first connection cannot be made, the host is handed back to HTTP and nothing of the driver stays behind.
import { isNacosError, messageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PushContext } from './port.js';

/** A driver's lifetime: ended by `end()` (its close or its fall-back) or by the client's shutdown. */
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
 * Starts `source`. When its first connection cannot be made, `warning` is logged with the reason, `fallBack` runs
 * (the driver hands its host to HTTP), the driver's lifetime ends and the source closes.
 */
export function startOrFallBack(source: { start(): Promise<void>; close(): Promise<void> }, life: DriverLife, log: Logger, warning: string, fallBack: () => void): void {
  void source.start().catch((error: unknown) => {
    if (life.signal.aborted || isNacosError(error, 'ABORTED')) return;
    log.warn(`${warning}: ${messageOf(error)}`);
    fallBack();
    life.end();
    void source.close();
  });
}
