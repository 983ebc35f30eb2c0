/**
 * Logging port. Any console-compatible object works (`console`, pino, a Workers `console`).
 * nacos-edge never passes passwords, tokens, secret keys or signatures to it.
 *
 * @module
 */

/** The four methods nacos-edge calls; `console` satisfies it. */
export interface Logger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

/** Minimum level that is passed to the logger. `silent` passes nothing. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Wraps `target` so that messages below `level` are dropped and every message carries a `[nacos-edge]` prefix. */
export function leveledLogger(target: Logger, level: LogLevel): Logger {
  const min = RANK[level];
  const emit =
    (method: keyof Logger, rank: number) =>
    (message: string, ...details: unknown[]): void => {
      if (rank < min) return;
      try {
        target[method](`[nacos-edge] ${message}`, ...details);
      } catch {
        // A broken logger must never break the client.
      }
    };
  return {
    debug: emit('debug', RANK.debug),
    info: emit('info', RANK.info),
    warn: emit('warn', RANK.warn),
    error: emit('error', RANK.error),
  };
}
