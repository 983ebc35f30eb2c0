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

/** The levels by rank, lowest first; the first four are the Logger's methods. */
const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/** Wraps `target` so that messages below `level` are dropped and every message carries a `[nacos-edge]` prefix. */
export function leveledLogger(target: Logger, level: LogLevel): Logger {
  const min = LEVELS.indexOf(level);
  const logger = {} as Logger;
  (LEVELS.slice(0, 4) as (keyof Logger)[]).forEach((method, rank) => {
    logger[method] = (message: string, ...details: unknown[]): void => {
      if (rank < min) return;
      try {
        target[method](`[nacos-edge] ${message}`, ...details);
      } catch {
        // A broken logger must never break the client.
      }
    };
  });
  return logger;
}
