import type { ClientConfig } from '../client-config.js';
import { abortError, isNacosError, messageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import { PROBE_QUERY, type Transport } from '../transport/http.js';
import { eachBounded } from '../util/pool.js';
import { onAbort } from '../util/abort.js';
import { backoffMs, jitter, sleep } from '../util/time.js';
import { WatchedConfig, type ConfigListener } from './listeners.js';
import { longPoll } from './long-poll.js';
import { configId, type ConfigKey } from './model.js';
import type { ReadPath } from './read-path.js';
import type { ConfigPushDriver } from '../push/port.js';

/** How long key additions are gathered before a held long poll is re-issued to include them. */
const RESTART_COALESCE_MS = 50;
/**
 * How often a held long poll's server is checked. A server that goes silent (a dead link, a hung process) would
 * otherwise hold the poll, and every change, for up to the poll's timeout (40 s by default); a read through the
 * usual rotation finds it within this plus one request timeout and the poll moves on (test/chaos).
 */
const HELD_POLL_CHECK_MS = 5000;

/** Result of one {@link ConfigSync.tick} pass. */
export interface TickResult {
  /** Watched configs compared with the server. */
  checked: number;
  /** Configs whose content changed (listeners were called). */
  changed: number;
}

/**
 * Keeps the watched configs in step with the servers and their listeners fed: one loop per batch of keys (a held
 * v1 long poll of up to `longPollBatchSize` keys, or md5 polling on servers without an HTTP listener), the same
 * passes run once by `tick()` for hosts without timers. It knows nothing of the public API's parameters.
 */
export class ConfigSync {
  readonly #config: ClientConfig;
  readonly #transport: Transport;
  readonly #reader: ReadPath;
  readonly #log: Logger;
  readonly #watched = new Map<string, WatchedConfig>();
  /** Watched ids in insertion order; batch i covers [i*batch, (i+1)*batch). */
  readonly #order: string[] = [];
  readonly #loops = new Map<number, Promise<void>>();
  readonly #restarts = new Map<number, AbortController>();
  readonly #pendingRestarts = new Map<number, ReturnType<typeof setTimeout>>();
  #failures = 0;
  #closed = false;
  /** The push adapter's driver: made with the first listener (undefined until then), false without one. */
  #push: ConfigPushDriver | false | undefined;
  /** While push has fallen back: every batch is polled over HTTP, until push serves again and this aborts. */
  #polling: AbortController | undefined;

  constructor(config: ClientConfig, transport: Transport, reader: ReadPath, log: Logger) {
    this.#config = config;
    this.#transport = transport;
    this.#reader = reader;
    this.#log = log;
  }

  /**
   * Registers `listener`: reads the config first when it is not in step yet (a failed read because no server
   * answered is not fatal: the loop brings the content once one does), then delivers and starts or widens polling.
   */
  async addListener(key: ConfigKey, listener: ConfigListener, emitInitial: boolean, signal: AbortSignal | undefined): Promise<void> {
    const id = configId(key);
    let entry = this.#watched.get(id);
    if (!entry) {
      entry = new WatchedConfig(key, this.#log);
      this.#watched.set(id, entry);
      this.#order.push(id);
    }
    if (entry.md5 === undefined) {
      try {
        // Another caller may sync it meanwhile; update() delivers only what listeners have not seen.
        await entry.sync(() => this.#reader.fromServer(key, signal), true);
      } catch (error) {
        if (!isNacosError(error, 'UNAVAILABLE')) {
          if (entry.size === 0) this.#unwatch(id);
          throw error;
        }
        this.#log.warn(`addListener ${key.group}/${key.dataId}: no server answered; the listener gets the content once one does`);
      }
    }
    if (!entry.add(listener, emitInitial)) return;
    if (!this.#config.backgroundSync) return;
    // The push driver, made with the first listener, gets the watched configs and the read that delivers.
    this.#push ??=
      this.#config.push?.config?.({
        context: this.#transport,
        watched: this.#watched,
        refresh: (keys, signal) => this.#refresh(keys, signal),
        fallBack: () => {
          // The driver cannot serve: every batch is polled over HTTP until it can again.
          this.#polling = new AbortController();
          for (let i = 0; i < this.#order.length; i += this.#config.longPollBatchSize) this.#onKeysChanged(i);
        },
        // Push serves again: the polls end.
        resume: () => (this.#polling = void this.#polling?.abort()),
      }) || false;
    if (this.#push) this.#push.watchedChanged();
    this.#onKeysChanged(this.#order.indexOf(id));
  }

  /** Unregisters `listener`; the last one of a key stops polling for it. */
  removeListener(key: ConfigKey, listener: ConfigListener): void {
    const id = configId(key);
    const entry = this.#watched.get(id);
    if (!entry || !entry.remove(listener)) return;
    if (entry.size === 0) this.#unwatch(id);
  }

  /** The watched config `key`, when some listener follows it. */
  watched(key: ConfigKey): WatchedConfig | undefined {
    return this.#watched.get(configId(key));
  }

  /**
   * One bounded pass over every watched config, without timers (Workers): one No-Hangup long poll per batch on v1
   * servers, given at most `maxWaitMs` (a server that holds it anyway means "nothing changed"); md5 polling on 3.2+.
   */
  async tick(signal: AbortSignal, maxWaitMs: number): Promise<TickResult> {
    const entries = [...this.#watched.values()];
    if (entries.length === 0) return { checked: 0, changed: 0 };
    const { generation } = await this.#transport.preferredGeneration(signal);
    let changed = 0;
    if (generation === 'v1') {
      const size = this.#config.longPollBatchSize;
      for (let i = 0; i < entries.length; i += size) changed += await this.#longPollPass(entries.slice(i, i + size), true, signal, maxWaitMs);
    } else {
      changed = await this.#refresh(entries.map((e) => e.key), signal);
    }
    return { checked: entries.length, changed };
  }

  /** Stops every loop; resolves once they have exited. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#push) await this.#push.close();
    for (const timer of this.#pendingRestarts.values()) clearTimeout(timer);
    this.#pendingRestarts.clear();
    await Promise.allSettled(this.#loops.values());
    this.#watched.clear();
    this.#order.length = 0;
  }

  #unwatch(id: string): void {
    const index = this.#order.indexOf(id);
    this.#watched.delete(id);
    if (this.#push) this.#push.watchedChanged();
    if (index < 0) return;
    this.#order.splice(index, 1);
    // Every batch from `index` on has shifted: re-issue their polls (loops past the end exit by themselves).
    for (const [batch, restart] of this.#restarts) if ((batch + 1) * this.#config.longPollBatchSize > index) restart.abort();
  }

  /** Starts the loop of the batch holding position `index`, or restarts its poll so the new key is included. */
  #onKeysChanged(index: number): void {
    // Pushed (and not fallen back): the driver follows the keys.
    if (this.#closed || index < 0 || (this.#push && !this.#polling)) return;
    const batch = Math.floor(index / this.#config.longPollBatchSize);
    if (this.#loops.has(batch)) {
      // md5 polling reads every watched key each round: a new key (read once by addListener) joins the next round
      // without disturbing this one. Only a held long poll must be re-issued to cover it.
      if (this.#transport.knownPreferredGeneration() === 'v3') return;
      // Re-issue the held poll so it covers the new key. A burst of addListener calls (thousands of keys)
      // is coalesced into one re-issue per RESTART_COALESCE_MS instead of one per key.
      if (this.#pendingRestarts.has(batch)) return;
      const timer = setTimeout(() => {
        this.#pendingRestarts.delete(batch);
        this.#restarts.get(batch)?.abort();
      }, RESTART_COALESCE_MS);
      this.#pendingRestarts.set(batch, timer);
      return;
    }
    const loop = this.#runBatch(batch).finally(() => {
      this.#loops.delete(batch);
      this.#restarts.delete(batch);
      // Keys may have arrived while this loop was exiting.
      if (!this.#closed && batch * this.#config.longPollBatchSize < this.#order.length) this.#onKeysChanged(batch * this.#config.longPollBatchSize);
    });
    this.#loops.set(batch, loop);
  }

  #batchEntries(batch: number): WatchedConfig[] {
    const size = this.#config.longPollBatchSize;
    return this.#order
      .slice(batch * size, (batch + 1) * size)
      .map((id) => this.#watched.get(id))
      .filter((entry) => entry !== undefined);
  }

  /** The loop of one batch of keys: long poll on v1 servers, md5 polling on servers without an HTTP listener. */
  async #runBatch(batch: number): Promise<void> {
    const life = this.#transport.scope(this.#polling?.signal);
    try {
      await this.#batchLoop(batch, life.signal);
    } finally {
      life.release();
    }
  }

  async #batchLoop(batch: number, closed: AbortSignal): Promise<void> {
    while (!closed.aborted) {
      const entries = this.#batchEntries(batch);
      if (entries.length === 0) return;
      const restart = new AbortController();
      this.#restarts.set(batch, restart);
      // The round's signal: a restart or the loop's end aborts it (one waiter on the loop's signal, let go each round).
      const release = onAbort(closed, () => restart.abort(closed.reason));
      const signal = restart.signal;
      try {
        const { generation } = await this.#transport.preferredGeneration(signal);
        if (generation === 'v1') {
          // Held until something changes; answered at once while some key has not been read yet. Meanwhile a light
          // read through the usual rotation checks the servers: when the preferred one no longer answers, the next one
          // that does becomes preferred, and the held poll is re-issued there. A failed check changes nothing (the
          // poll's own timeout and this loop's backoff take over).
          const check = setInterval(() => {
            const holding = this.#transport.servers.ordered()[0];
            this.#transport.request({ method: 'GET', path: '/v1/cs/configs', query: PROBE_QUERY, signal }).then(
              ({ server }) => server !== holding && restart.abort(),
              () => undefined,
            );
          }, HELD_POLL_CHECK_MS);
          try {
            await this.#longPollPass(entries, entries.some((e) => e.md5 === undefined), signal);
          } finally {
            clearInterval(check);
          }
        } else {
          // Keys read by addListener are in step already: poll after the interval, at once only for unsynced ones.
          if (entries.every((e) => e.md5 !== undefined)) await sleep(jitter(this.#config.pollIntervalMs), signal);
          await this.#refresh(this.#batchEntries(batch).map((e) => e.key), signal);
        }
        if (this.#failures > 0) this.#log.info(`config sync back after ${this.#failures} failed attempt(s)`);
        this.#failures = 0;
      } catch (error) {
        if (closed.aborted) return;
        if (signal.aborted) continue;
        // The first failure is a warning; the ones after it while the outage lasts, debug lines.
        this.#log[++this.#failures === 1 ? 'warn' : 'debug'](`config sync failed (attempt ${this.#failures}), backing off: ${messageOf(error)}`);
        try {
          await sleep(backoffMs(this.#failures), signal);
        } catch {
          if (closed.aborted) return;
        }
      } finally {
        release();
      }
    }
  }

  /**
   * One v1 long poll over `entries` and the reads it calls for; returns how many changed. `maxWaitMs` (tick) bounds
   * how long a server that holds a No-Hangup poll anyway (r-nacos) is waited for: then nothing changed.
   */
  async #longPollPass(entries: readonly WatchedConfig[], noHangup: boolean, signal: AbortSignal, maxWaitMs?: number): Promise<number> {
    const wait = maxWaitMs === undefined ? undefined : AbortSignal.timeout(maxWaitMs);
    let keys: ConfigKey[];
    try {
      keys = await longPoll(this.#transport, entries.map((e) => ({ key: e.key, md5: e.md5 ?? '' })), {
        tenant: this.#config.namespaceId,
        holdMs: this.#config.longPollTimeoutMs,
        noHangup,
        // AbortSignal.any only here, in tick: its sources live one pass (see anySignal for why not elsewhere).
        signal: wait ? AbortSignal.any([signal, wait]) : signal,
      });
    } catch (error) {
      if (!wait?.aborted || signal.aborted) throw error;
      keys = [];
    }
    for (const e of entries) e.md5 ??= '';
    // This client's own writes the server has not applied yet are not in the poll's answer: read them too (the
    // read waits for the write to show).
    const named = new Set(keys.map(configId));
    const own = entries.filter((e) => !named.has(configId(e.key)) && this.#reader.hasPendingWrite(e.key)).map((e) => e.key);
    return this.#refresh([...keys, ...own], signal);
  }

  /**
   * Reads each of `keys` that is still watched, at most `pollConcurrency` at once, and hands new content to its
   * listeners: the long poll's changed keys, every key in md5 polling, a push driver's hints. Returns how many changed.
   */
  async #refresh(keys: readonly ConfigKey[], signal: AbortSignal): Promise<number> {
    let changed = 0;
    let failure: unknown;
    await eachBounded(
      keys,
      this.#config.pollConcurrency,
      async (key) => {
        const entry = this.#watched.get(configId(key));
        try {
          if (entry && (await entry.sync(() => this.#reader.fromServer(key, signal)))) changed++;
        } catch (error) {
          // One key that cannot be read (its KMS is down, say) must not hold back the others: they are all read, and
          // then the pass fails, so the caller backs off and that key is tried again.
          failure ??= error;
        }
      },
      signal,
    );
    if (signal.aborted) throw abortError(signal);
    if (failure) throw failure;
    return changed;
  }
}
