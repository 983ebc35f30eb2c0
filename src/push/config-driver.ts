// Drives a client's watched configs over a push source, for every adapter alike: listen to what the client watches
// with the md5 it has, read what the server says differs or changed, and after every new connection listen to
// everything again (the server forgot it) so that a change made while disconnected is found by its md5. A full
// re-listen every few minutes catches a push the server never sent. Deliveries stay once per md5: the host's.
import { isNacosError, messageOf } from '../errors.js';
import { configId, type ConfigKey } from '../config/model.js';
import { backoffMs, sleep } from '../util/time.js';
import type { ConfigPushDriver, ConfigPushHost } from './port.js';
import { driverLife, startOrFallBack, type FallBackOptions } from './source.js';

/** A push source of config changes: a gRPC connection's listens, or the bridge's watch stream. */
export interface ConfigSource {
  /** The first connection, or the error that kept the source from making one (the host then falls back to HTTP). */
  start(): Promise<void>;
  /** Follows `entries` on the server, each with the md5 the client has (`''`: none); resolves the keys whose md5 differs. */
  listen(entries: readonly { key: ConfigKey; md5: string }[], signal: AbortSignal): Promise<ConfigKey[]>;
  /** Stops following `keys`. */
  unlisten(keys: readonly ConfigKey[], signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** What a source tells its driver. */
export interface ConfigSourceEvents {
  /** The server says `key` changed. */
  changed(key: ConfigKey): void;
  /** A connection was made (the first, or anew): the server knows none of this client's listens. */
  connected(): void;
}

/** How often everything is listened to again although nothing seemed to change (Java's SDK: 3 min). */
export const FULL_RESYNC_MS = 180_000;

/**
 * How long changes of the watched set are gathered before the listens follow them: adding 10,000 listeners is then
 * a few listen requests, not 10,000 (each a pass over every watched key). A change meanwhile is not lost: the listen
 * sends the md5 the client read, and the server names the keys whose md5 differs.
 */
export const LISTEN_COALESCE_MS = 50;

/** A driver's timings: the full re-listen (default {@link FULL_RESYNC_MS}) and the retry of push after a fall-back. */
export interface DriverOptions extends FallBackOptions {
  resyncMs?: number;
}

/**
 * A driver of `host`'s watched configs over the sources `open` makes (one; another after a fall-back, to try push
 * again). `name` is for log lines (`gRPC`, `bridge`).
 */
export function configDriver(host: ConfigPushHost, name: string, open: (events: ConfigSourceEvents) => ConfigSource, options: DriverOptions = {}): ConfigPushDriver {
  const { log } = host.context;
  const life = driverLife(host.context);
  /** What the current connection follows, by configId. */
  const listened = new Map<string, ConfigKey>();
  /** Every step runs after the one before: a listen never races a re-listen, a read never an older read. */
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = (step: () => Promise<unknown>) => {
    queue = queue.then(step).catch((error: unknown) => {
      if (!life.signal.aborted) log.debug(`${name} config sync step failed: ${messageOf(error)}`);
    });
    return queue;
  };
  let failures = 0;
  let fellBack = false;
  let readFailures = 0;
  /**
   * Reads changed configs, in the queue. A read that fails (a server hiccup, a KMS a filter needs) is tried again after
   * a backoff, outside the queue meanwhile: a config that cannot be read must not hold back the pushes of the others.
   */
  const read = (keys: readonly ConfigKey[]): Promise<void> =>
    host.refresh(keys, life.signal).then(
      () => void (readFailures = 0),
      (error: unknown) => {
        if (life.signal.aborted) return;
        if (++readFailures === 1) log.warn(`${name}: reading ${keys.length} changed config(s) failed; trying again with backoff: ${messageOf(error)}`);
        void sleep(backoffMs(readFailures), life.signal).then(
          () => enqueue(() => read(keys)),
          () => undefined,
        );
      },
    );
  const startResync = () => setInterval(() => void sync(true), options.resyncMs ?? FULL_RESYNC_MS);
  let resync = startResync();
  /** The gathering of watched-set changes in progress (see LISTEN_COALESCE_MS). */
  let gathering: ReturnType<typeof setTimeout> | undefined;
  const stopTimers = () => {
    clearInterval(resync);
    clearTimeout(gathering);
  };

  /** Brings the server's listens in line with what the host watches; `all`: listen to everything again. */
  const sync = (all: boolean) =>
    enqueue(async () => {
      for (;;) {
        if (life.signal.aborted || fellBack) return;
        const watched = [...host.watched.values()];
        const ids = new Set(watched.map((w) => configId(w.key)));
        const stale = [...listened].filter(([id]) => !ids.has(id)).map(([, key]) => key);
        const fresh = all ? watched : watched.filter((w) => !listened.has(configId(w.key)));
        try {
          if (stale.length > 0) {
            await source.unlisten(stale, life.signal);
            for (const key of stale) listened.delete(configId(key));
          }
          if (fresh.length > 0) {
            const differ = await source.listen(
              fresh.map((w) => ({ key: w.key, md5: w.md5 ?? '' })),
              life.signal,
            );
            for (const w of fresh) listened.set(configId(w.key), w.key);
            if (differ.length > 0) await read(differ);
          }
          if (failures > 0) log.info(`${name} config listening recovered after ${failures} failed attempt(s)`);
          failures = 0;
          return;
        } catch (error) {
          if (life.signal.aborted) return;
          if (isNacosError(error, 'UNSUPPORTED')) {
            // The source will not follow this many configs (a bridge's per-session limit): retrying would resend the
            // same refused listen forever while no change is pushed, so HTTP follows them all from now on.
            log.warn(`${name} push cannot follow every watched config, following config changes over HTTP instead: ${messageOf(error)}`);
            fellBack = true;
            stopTimers();
            host.fallBack();
            return;
          }
          if (++failures === 1) log.warn(`${name} config listening failed; retrying with backoff: ${messageOf(error)}`);
          await sleep(backoffMs(failures), life.signal).catch(() => undefined);
          all = true;
        }
      }
    });

  const events: ConfigSourceEvents = {
    changed: (key) => {
      // A hint: the read finds what is there now, and delivers only a new md5.
      void enqueue(() => read([key]));
    },
    connected: () => {
      listened.clear();
      void sync(true);
    },
  };
  let source!: ConfigSource;
  startOrFallBack(() => (source = open(events)), life, log, {
    name,
    warning: `${name} push unavailable, following config changes over HTTP instead`,
    retryMs: options.fallBackRetryMs,
    fallBack: () => {
      fellBack = true;
      stopTimers();
      host.fallBack();
    },
    resume: () => {
      // The host stops polling; listening to everything with the md5s it has finds what changed meanwhile.
      fellBack = false;
      host.resume();
      resync = startResync();
      listened.clear();
      void sync(true);
    },
  });
  return {
    watchedChanged() {
      gathering ??= setTimeout(() => {
        gathering = undefined;
        void sync(false);
      }, LISTEN_COALESCE_MS);
    },
    async close() {
      stopTimers();
      life.end();
      await source.close();
      await queue;
    },
  };
}
