import * as z from 'zod/mini';
import type { ClientConfig } from '../client-config.js';
import { abortError, isNacosError, NacosError } from '../errors.js';
import { leveledLogger, type Logger } from '../logger.js';
import { createStorage } from '../storage/memory.js';
import { storageKey, type StoragePort } from '../storage/port.js';
import { decodeConfigSnapshot, encodeConfigSnapshot, SnapshotWriter, type ConfigSnapshot } from '../storage/records.js';
import { Transport } from '../transport/http.js';
import { configMd5Async } from '../util/crypto.js';
import { OwnWrites } from '../util/own-writes.js';
import { anySignal, backoffMs, jitter, sleep } from '../util/time.js';
import { atLeast, dataIdSchema, fn, groupSchema, isStandardSchema, matches, maxChars, oneOf, parseOrThrow, signalSchema } from '../validation.js';
import { WatchedConfig, type ConfigListener } from './listeners.js';
import { longPoll, readConfig, readConfigDiscovering, type ConfigKey, type ConfigRead } from './protocol.js';
import type { PublishConfigParams, RemoveConfigParams } from './write.js';
import type { ConfigFormat, InferOutput, StandardSchemaV1 } from './typed.js';

export type { ConfigListener } from './listeners.js';
export type { PublishConfigParams, RemoveConfigParams } from './write.js';
export type { ConfigFormat, InferOutput, StandardSchemaV1 } from './typed.js';

/** The default group when none is given. */
export const DEFAULT_GROUP = 'DEFAULT_GROUP';

/** How long key additions are gathered before a held long poll is re-issued to include them. */
const RESTART_COALESCE_MS = 50;
/** The storage keys of a config are kept for this many configs (encoding them is on every read's path). */
const MAX_CACHED_KEYS = 10_000;

interface StorageKeys {
  readonly snapshot: string;
  readonly failover: string;
}

const keyFields = {
  dataId: dataIdSchema,
  group: z.optional(groupSchema),
  signal: signalSchema,
};

const typedFields = {
  schema: z.optional(z.custom<StandardSchemaV1>(isStandardSchema, 'must be a Standard Schema (zod, valibot, arktype, …)')),
  format: z.optional(oneOf(['json', 'yaml', 'properties', 'text'])),
};
const tagField = { tag: z.optional(z.string().check(maxChars(16))) };
const cacheField = {
  cache: z.optional(
    z.strictObject({
      freshMs: z.number().check(atLeast(0)),
      staleMs: z.optional(z.number().check(atLeast(0))),
      waitUntil: z.optional(fn<(promise: Promise<unknown>) => void>()),
    }),
  ),
};
const getSchema = z.strictObject({ ...keyFields, ...tagField, ...typedFields, ...cacheField, snapshot: z.optional(z.boolean()) });

const listenerArgsSchema = z.object({
  dataId: dataIdSchema,
  group: groupSchema,
  listener: fn<ConfigListener>('must be a function (tenant, dataId, group, content) => void'),
});

const listenOptionsSchema = z.optional(z.strictObject({ emitInitial: z.optional(z.boolean()), signal: signalSchema }));

const watchSchema = z.strictObject({ ...keyFields, ...typedFields, emitInitial: z.optional(z.boolean()) });

/** Parameters of {@link NacosConfigService.getConfig}. */
export interface GetConfigParams {
  dataId: string;
  /** Default `DEFAULT_GROUP`. */
  group?: string;
  /** Read the tag (gray) variant; tagged reads neither use nor write the snapshot. */
  tag?: string;
  signal?: AbortSignal;
  /**
   * Serve from the snapshot without a server round trip (Workers with a KV snapshot): a snapshot younger
   * than `freshMs` is returned as is; one younger than `freshMs + staleMs` is returned and refreshed from
   * the server in the background (handed to `waitUntil`, e.g. `ctx.waitUntil.bind(ctx)`); older ones are
   * read from the server. The trade-off: a change can take up to `freshMs + staleMs` (plus KV's own
   * propagation, up to 60 s) to be seen.
   */
  cache?: { freshMs: number; staleMs?: number; waitUntil?: (promise: Promise<unknown>) => void };
  /** Fall back to the snapshot when no server answers (default true). */
  snapshot?: boolean;
}

/** Typed reads: parse the content (`format`, else the server's type, else the dataId's extension) and validate it. */
export interface TypedConfigOptions<S extends StandardSchemaV1 | undefined = undefined> {
  schema?: S;
  format?: ConfigFormat;
}
/** Parameters of {@link NacosConfigService.watch}. */
export interface WatchParams<S extends StandardSchemaV1 | undefined = undefined> extends TypedConfigOptions<S> {
  dataId: string;
  group?: string;
  signal?: AbortSignal;
  /** Yield the current content first (default true). */
  emitInitial?: boolean;
}

/** One value yielded by {@link NacosConfigService.watch}. */
export interface ConfigChange<T = string> {
  /** New content; `''` when the config was deleted. */
  content: string;
  /** Server md5 of the content; `''` when deleted. */
  md5: string;
  /** `initial` for the content current when watching started, `change` afterwards. */
  source: 'initial' | 'change';
  /** Typed watches: the parsed, validated value (`undefined` when the config was deleted). Untyped: the content. */
  value: T | undefined;
}

/** Result of one {@link NacosConfigService.tick} pass. */
export interface TickResult {
  /** Watched configs compared with the server. */
  checked: number;
  /** Configs whose content changed (listeners were called). */
  changed: number;
}

/** Writes (publish, remove) are a chunk of their own: read-only apps, the common case on the edge, never load it. */
const loadWrite = () => import('./write.js');

const idOf = (key: ConfigKey) => `${key.tenant}\x02${key.group}\x02${key.dataId}`;

/**
 * Config service: read, publish, remove and listen to configs on any Nacos generation over HTTP.
 * Create it with {@link NacosConfigService.createConfigService}; nothing runs until you call it.
 */
export class NacosConfigService {
  readonly #config: ClientConfig;
  readonly #log: Logger;
  readonly #transport: Transport;
  readonly #storage: StoragePort;
  readonly #watched = new Map<string, WatchedConfig>();
  /** Watched ids in insertion order; long-poll batch i covers [i*batch, (i+1)*batch). */
  readonly #order: string[] = [];
  readonly #loops = new Map<number, Promise<void>>();
  readonly #restarts = new Map<number, AbortController>();
  readonly #pendingRestarts = new Map<number, ReturnType<typeof setTimeout>>();
  readonly #storageKeys = new Map<string, StorageKeys>();
  readonly #snapshots: SnapshotWriter;
  /** This client's own publishes and removals, until reads show them: the md5 expected, `''` for removed. */
  readonly #ownWrites: OwnWrites<string>;
  /** Background work outside the polling loops (reading back own writes), awaited by shutdown. */
  readonly #background = new Set<Promise<void>>();
  #failures = 0;
  #closed = false;

  private constructor(config: ClientConfig) {
    this.#config = config;
    this.#log = leveledLogger(config.logger, config.logLevel);
    this.#transport = new Transport(config, this.#log);
    this.#storage = config.storage ?? createStorage();
    this.#snapshots = new SnapshotWriter(this.#storage);
    this.#ownWrites = new OwnWrites(config.readYourWritesMs);
  }

  /** Creates a config service. Sends nothing; the first request happens on the first call. */
  static async createConfigService(config: ClientConfig): Promise<NacosConfigService> {
    return new NacosConfigService(config);
  }

  get #namespace(): string {
    return this.#config.namespaceId;
  }

  #key(dataId: string, group: string | undefined): ConfigKey {
    return { dataId, group: group ?? DEFAULT_GROUP, tenant: this.#namespace };
  }

  #assertOpen(): void {
    if (this.#closed) throw new NacosError('ABORTED', 'the config service has been shut down');
  }

  /**
   * Reads a config: a failover entry (operator override) wins; otherwise the servers are asked in
   * order, and the answer is kept as a snapshot; when no server answers, the snapshot is returned.
   * With `schema` and/or `format`, the content is parsed and validated (typed read).
   *
   * @returns the content, or `''` when the config does not exist (typed reads throw `NOT_FOUND` instead).
   * @throws NacosError `UNAVAILABLE` when no server answers and there is no snapshot; `AUTH` on 403;
   *   `INVALID_CONTENT` when a typed read does not parse or validate.
   */
  getConfig(params: GetConfigParams & { schema?: undefined; format?: undefined }): Promise<string>;
  getConfig<S extends StandardSchemaV1>(params: GetConfigParams & TypedConfigOptions<S> & { schema: S }): Promise<InferOutput<S>>;
  getConfig(params: GetConfigParams & TypedConfigOptions & { format: ConfigFormat }): Promise<unknown>;
  async getConfig(params: GetConfigParams & { schema?: StandardSchemaV1 | undefined; format?: ConfigFormat | undefined }): Promise<unknown> {
    const p = parseOrThrow(getSchema, params, 'getConfig');
    this.#assertOpen();
    const key = this.#key(p.dataId, p.group);
    const read = await this.#readWithFallbacks(key, p.signal, p.tag, p.cache, p.snapshot ?? true);
    if (p.schema === undefined && p.format === undefined) return read.content;
    const what = `getConfig ${key.group}/${key.dataId}`;
    if (!read.found) throw new NacosError('NOT_FOUND', `${what}: the config does not exist`);
    return this.#typed(read.content, p.format, read.type, key.dataId, p.schema, what);
  }

  /** Parses and validates typed content; the parsers load on the first typed read, so untyped apps never ship them. */
  async #typed(content: string, format: ConfigFormat | undefined, serverType: string | undefined, dataId: string, schema: StandardSchemaV1 | undefined, what: string): Promise<unknown> {
    const typed = await import('./typed.js');
    const parsed = await typed.parseContent(content, typed.resolveFormat(format, serverType, dataId), what);
    return schema ? typed.validateWith(schema, parsed, what) : parsed;
  }

  async #readWithFallbacks(
    key: ConfigKey,
    signal: AbortSignal | undefined,
    tag: string | undefined,
    cache?: { freshMs: number; staleMs?: number | undefined; waitUntil?: ((promise: Promise<unknown>) => void) | undefined },
    useSnapshot = true,
  ): Promise<{ found: boolean; content: string; type: string | undefined }> {
    const failover = await this.#storageGet(this.#keysOf(key).failover);
    if (failover !== undefined) {
      this.#log.debug(`getConfig ${key.group}/${key.dataId}: served from the failover entry`);
      return { found: true, content: failover, type: undefined };
    }
    if (cache && tag === undefined) {
      const snapshot = await this.#snapshot(key);
      const age = snapshot ? Date.now() - snapshot.savedAt : Infinity;
      if (snapshot && age <= cache.freshMs + (cache.staleMs ?? 0)) {
        if (age > cache.freshMs) {
          const refresh = this.#readFromServer(key, undefined).catch((error: unknown) => {
            this.#log.warn(`background refresh of ${key.group}/${key.dataId} failed: ${error instanceof Error ? error.message : String(error)}`);
          });
          cache.waitUntil?.(refresh);
        }
        return { found: true, content: snapshot.content, type: snapshot.type };
      }
    }
    try {
      return await this.#readFromServer(key, signal, tag);
    } catch (error) {
      if (!isNacosError(error, 'UNAVAILABLE') || tag !== undefined || !useSnapshot) throw error;
      const snapshot = await this.#snapshot(key);
      if (snapshot === undefined) throw error;
      this.#log.warn(`getConfig ${key.group}/${key.dataId}: no server answered; serving the snapshot (${error.message})`);
      return { found: true, content: snapshot.content, type: snapshot.type };
    }
  }

  /** The snapshot of `key`, or undefined when there is none or it is damaged (logged). */
  async #snapshot(key: ConfigKey): Promise<ConfigSnapshot | undefined> {
    const text = await this.#storageGet(this.#keysOf(key).snapshot);
    if (text === undefined) return undefined;
    try {
      return await decodeConfigSnapshot(text);
    } catch (error) {
      this.#log.warn(`ignoring the snapshot of ${key.group}/${key.dataId}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  /**
   * Creates or overwrites a config. With `casMd5`, only when the server's md5 still matches
   * (a lost race throws `CAS_CONFLICT`).
   *
   * @returns true
   */
  async publishConfig(params: PublishConfigParams): Promise<true> {
    const write = await loadWrite();
    const p = parseOrThrow(write.publishSchema, params, 'publishConfig');
    this.#assertOpen();
    const key = this.#key(p.dataId, p.group);
    const { generation } = await this.#transport.preferredGeneration(p.signal);
    await write.writeConfig(this.#transport, generation, key, p, p.signal);
    // A tagged (gray) or beta publish leaves the main content as it was.
    if (p.tag === undefined && p.betaIps === undefined) {
      this.#ownWrites.expect(idOf(key), await configMd5Async(p.content));
      this.#deliverOwnWrite(key);
    }
    return true;
  }

  /** Deletes a config; deleting an absent config succeeds. */
  async removeConfig(params: RemoveConfigParams): Promise<true> {
    const write = await loadWrite();
    const p = parseOrThrow(write.removeSchema, params, 'removeConfig');
    this.#assertOpen();
    const key = this.#key(p.dataId, p.group);
    const { generation } = await this.#transport.preferredGeneration(p.signal);
    await write.deleteConfig(this.#transport, generation, key, { signal: p.signal, tag: p.tag });
    if (p.tag === undefined) {
      this.#ownWrites.expect(idOf(key), '');
      this.#deliverOwnWrite(key);
    }
    return true;
  }

  /**
   * Brings this client's own write of a watched config to its listeners as soon as the servers show it, instead
   * of at the server's notification: 2.x can miss a change that lands in the few ms in which it registers a new
   * long poll (the listener then hears of it up to 30 s late), and md5 polling finds it only at its next round.
   * Runs under the client's lifetime, not the caller's; only with background sync (Workers tick instead).
   */
  #deliverOwnWrite(key: ConfigKey): void {
    const entry = this.#watched.get(idOf(key));
    if (!entry || !this.#config.backgroundSync || this.#closed) return;
    const scope = this.#transport.scope();
    const done = entry
      .sync(() => this.#readFromServer(key, scope.signal))
      .then(
        () => undefined,
        (error: unknown) => {
          if (!scope.signal.aborted) this.#log.debug(`reading back our write of ${key.group}/${key.dataId} failed; the listener loop will bring it (${error instanceof Error ? error.message : String(error)})`);
        },
      )
      .finally(() => {
        scope.release();
        this.#background.delete(done);
      });
    this.#background.add(done);
  }

  /**
   * Calls `listener` whenever the config changes. When the config exists, the listener is first
   * called with the current content (`emitInitial: false` turns that off). A deleted config calls
   * it with `''`. Listeners are isolated: one that throws or hangs delays nobody else.
   */
  async addListener(dataId: string, group: string, listener: ConfigListener, options?: { emitInitial?: boolean; signal?: AbortSignal }): Promise<void> {
    parseOrThrow(listenerArgsSchema, { dataId, group, listener }, 'addListener');
    const o = parseOrThrow(listenOptionsSchema, options, 'addListener options') ?? {};
    this.#assertOpen();
    const key = this.#key(dataId, group);
    const id = idOf(key);
    let entry = this.#watched.get(id);
    if (!entry) {
      entry = new WatchedConfig(key, this.#log);
      this.#watched.set(id, entry);
      this.#order.push(id);
    }
    if (entry.md5 === undefined) {
      try {
        // Another caller may sync it meanwhile; update() delivers only what listeners have not seen.
        await entry.sync(() => this.#readFromServer(key, o.signal));
      } catch (error) {
        if (!isNacosError(error, 'UNAVAILABLE')) {
          if (entry.size === 0) this.#unwatch(id);
          throw error;
        }
        this.#log.warn(`addListener ${key.group}/${key.dataId}: no server answered; the listener will get the content once one does`);
      }
    }
    if (!entry.add(listener, o.emitInitial ?? true)) return;
    if (this.#config.backgroundSync) this.#onKeysChanged(this.#order.indexOf(id));
  }

  /** Stops calling `listener` for the config. The last listener removed stops the polling for it. */
  async removeListener(dataId: string, group: string, listener: ConfigListener): Promise<void> {
    parseOrThrow(listenerArgsSchema, { dataId, group, listener }, 'removeListener');
    const id = idOf(this.#key(dataId, group));
    const entry = this.#watched.get(id);
    if (!entry || !entry.remove(listener)) return;
    if (entry.size === 0) this.#unwatch(id);
  }

  /**
   * Watches a config as an async iterator. Ends when `signal` aborts, when the loop is left, or on
   * shutdown. With `schema`/`format`, each change is parsed and validated; an invalid change is
   * logged and skipped, so the last valid value stays current.
   *
   * @example
   * for await (const { value } of config.watch({ dataId: 'app.json', schema: AppConfig, signal })) apply(value);
   */
  watch(params: WatchParams & { schema?: undefined; format?: undefined }): AsyncGenerator<ConfigChange<string>, void, undefined>;
  watch<S extends StandardSchemaV1>(params: WatchParams<S> & { schema: S }): AsyncGenerator<ConfigChange<InferOutput<S>>, void, undefined>;
  watch(params: WatchParams & { format: ConfigFormat }): AsyncGenerator<ConfigChange<unknown>, void, undefined>;
  async *watch(params: Omit<WatchParams, 'schema' | 'format'> & { schema?: StandardSchemaV1 | undefined; format?: ConfigFormat | undefined }): AsyncGenerator<ConfigChange<unknown>, void, undefined> {
    const p = parseOrThrow(watchSchema, params, 'watch');
    const group = p.group ?? DEFAULT_GROUP;
    const typed = p.schema !== undefined || p.format !== undefined;
    const what = `watch ${group}/${p.dataId}`;
    // The newest change not yet taken by the loop: a consumer slower than the changes gets the latest state, not a
    // growing backlog. Each change carries the md5 and type that came with its content.
    let waiting: { content: string; md5: string; type: string | undefined; source: 'initial' | 'change' } | undefined;
    let wake: (() => void) | undefined;
    let first = p.emitInitial ?? true;
    const listener: ConfigListener = (_tenant, _dataId, _group, content, change) => {
      waiting = { content, md5: change.md5, type: change.type, source: first ? 'initial' : 'change' };
      first = false;
      wake?.();
    };
    const scope = this.#transport.scope(p.signal);
    const stop = scope.signal;
    const onStop = () => wake?.();
    stop.addEventListener('abort', onStop, { once: true });
    try {
      await this.addListener(p.dataId, group, listener, { emitInitial: p.emitInitial ?? true, ...(p.signal ? { signal: p.signal } : {}) });
      // Without a current value to emit (absent config), the first delivery is a change.
      if (waiting === undefined) first = false;
      while (!stop.aborted) {
        const next = waiting;
        waiting = undefined;
        if (!next) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        if (!typed) {
          yield { content: next.content, md5: next.md5, source: next.source, value: next.content };
          continue;
        }
        if (next.md5 === '') {
          yield { content: '', md5: '', source: next.source, value: undefined };
          continue;
        }
        let value: unknown;
        try {
          value = await this.#typed(next.content, p.format, next.type, p.dataId, p.schema, what);
        } catch (error) {
          this.#log.warn(`${what}: ignoring an invalid change; the last valid value stays current (${error instanceof Error ? error.message : String(error)})`);
          continue;
        }
        yield { content: next.content, md5: next.md5, source: next.source, value };
      }
    } finally {
      stop.removeEventListener('abort', onStop);
      scope.release();
      if (!this.#closed) await this.removeListener(p.dataId, group, listener);
    }
  }

  /**
   * One bounded sync pass without background timers, for Workers (Cron Triggers, Durable Object alarms)
   * and `backgroundSync(false)`: compares every watched config with the server once and calls listeners.
   * On v1 servers that is one No-Hangup long poll per 3,000 keys; a server that holds it anyway is given
   * at most `maxWaitMs` (default 5000) before the pass counts it as "nothing changed".
   */
  async tick(options: { signal?: AbortSignal; maxWaitMs?: number } = {}): Promise<TickResult> {
    this.#assertOpen();
    const scope = this.#transport.scope(options.signal);
    try {
      return await this.#tickOnce(scope.signal, options.maxWaitMs ?? 5000);
    } finally {
      scope.release();
    }
  }

  async #tickOnce(signal: AbortSignal, maxWaitMs: number): Promise<TickResult> {
    const entries = [...this.#watched.values()];
    if (entries.length === 0) return { checked: 0, changed: 0 };
    const { generation } = await this.#transport.preferredGeneration(signal);
    let changed = 0;
    if (generation === 'v1') {
      const batch = this.#config.longPollBatchSize;
      for (let i = 0; i < entries.length; i += batch) {
        const slice = entries.slice(i, i + batch);
        // No-Hangup makes the server answer at once. Servers that hold the poll anyway (r-nacos) still
        // answer at once when something differs, so waiting longer than maxWaitMs only means "no change".
        const wait = AbortSignal.timeout(maxWaitMs);
        let keys: ConfigKey[];
        try {
          keys = await longPoll(this.#transport, slice.map((e) => ({ key: e.key, md5: e.md5 ?? '' })), {
            tenant: this.#namespace,
            holdMs: this.#config.longPollTimeoutMs,
            noHangup: true,
            signal: anySignal(signal, wait),
          });
        } catch (error) {
          if (!wait.aborted || signal.aborted) throw error;
          keys = [];
        }
        for (const e of slice) e.md5 ??= '';
        // This client's own writes the server has not applied yet are not in the poll's answer: read them too
        // (the read waits for the write to show).
        const own = slice.filter((e) => this.#ownWrites.peek(idOf(e.key)) !== undefined && !keys.some((k) => idOf(k) === idOf(e.key)));
        changed += await this.#refresh([...keys, ...own.map((e) => e.key)], signal);
      }
    } else {
      changed = await this.#pollMd5(entries, signal);
    }
    return { checked: entries.length, changed };
  }

  /** Stops every loop and in-flight request; resolves once the loops have exited. */
  async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#pendingRestarts.values()) clearTimeout(timer);
    this.#pendingRestarts.clear();
    this.#transport.close();
    await Promise.allSettled([...this.#loops.values(), ...this.#background]);
    this.#watched.clear();
    this.#order.length = 0;
  }

  // -------------------------------------------------------------------------------------------
  // internals

  #keysOf(key: ConfigKey): StorageKeys {
    const id = idOf(key);
    let keys = this.#storageKeys.get(id);
    if (!keys) {
      if (this.#storageKeys.size >= MAX_CACHED_KEYS) this.#storageKeys.clear();
      keys = {
        snapshot: storageKey('snapshot', 'config', key.tenant, key.group, key.dataId),
        failover: storageKey('failover', 'config', key.tenant, key.group, key.dataId),
      };
      this.#storageKeys.set(id, keys);
    }
    return keys;
  }

  async #storageGet(key: string): Promise<string | undefined> {
    try {
      return await this.#storage.get(key);
    } catch (error) {
      this.#log.warn(`storage read of ${key} failed; ignoring it`, error);
      return undefined;
    }
  }

  /**
   * Reads from the servers and keeps the snapshot in step (written when found, removed when absent). After this
   * client's own write of the config, the read waits (OwnWrites) until the servers show it.
   */
  async #readFromServer(key: ConfigKey, signal: AbortSignal | undefined, tag?: string): Promise<ConfigRead> {
    const once = () => {
      // Until the preferred server's generation is known, the read itself finds it out (no separate probe).
      const known = this.#transport.knownPreferredGeneration();
      return known ? readConfig(this.#transport, known, key, { signal, tag }) : readConfigDiscovering(this.#transport, key, { signal, tag });
    };
    if (tag !== undefined) return once();
    const read = await this.#ownWrites.read(idOf(key), once, (r, md5) => r.md5 === md5, signal);
    await this.#keepSnapshot(key, read);
    return read;
  }

  /**
   * Keeps the snapshot in step with a server read: written when found, removed when absent, an unchanged one
   * rewritten at most once a second (SnapshotWriter; its savedAt drives `cache` freshness).
   */
  async #keepSnapshot(key: ConfigKey, read: ConfigRead): Promise<void> {
    const encode = read.found ? (savedAt: number) => encodeConfigSnapshot(read.content, read.md5, read.type, savedAt) : undefined;
    try {
      await this.#snapshots.write(this.#keysOf(key).snapshot, read.found ? read.md5 : '', encode);
    } catch (error) {
      this.#log.warn(`could not write the snapshot of ${key.group}/${key.dataId}`, error);
    }
  }

  #unwatch(id: string): void {
    const index = this.#order.indexOf(id);
    this.#watched.delete(id);
    if (index < 0) return;
    this.#order.splice(index, 1);
    // Every batch from `index` on has shifted: re-issue their polls (loops past the end exit by themselves).
    for (const [batch, restart] of this.#restarts) if ((batch + 1) * this.#config.longPollBatchSize > index) restart.abort();
  }

  /** Starts the loop of the batch holding position `index`, or restarts its poll so the new key is included. */
  #onKeysChanged(index: number): void {
    if (this.#closed || index < 0) return;
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
    return this.#order.slice(batch * size, (batch + 1) * size).flatMap((id) => {
      const entry = this.#watched.get(id);
      return entry ? [entry] : [];
    });
  }

  /** The loop of one batch of keys: long poll on v1 servers, md5 polling on servers without an HTTP listener. */
  async #runBatch(batch: number): Promise<void> {
    const life = this.#transport.scope();
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
      const signal = anySignal(closed, restart.signal);
      try {
        const { generation } = await this.#transport.preferredGeneration(signal);
        if (generation === 'v1') {
          const unsynced = entries.some((e) => e.md5 === undefined);
          const keys = await longPoll(this.#transport, entries.map((e) => ({ key: e.key, md5: e.md5 ?? '' })), {
            tenant: this.#namespace,
            holdMs: this.#config.longPollTimeoutMs,
            noHangup: unsynced,
            signal,
          });
          for (const e of entries) e.md5 ??= '';
          await this.#refresh(keys, signal);
        } else {
          // Keys read by addListener are in step already: poll after the interval, at once only for unsynced ones.
          if (entries.every((e) => e.md5 !== undefined)) await sleep(jitter(this.#config.pollIntervalMs), signal);
          await this.#pollMd5(this.#batchEntries(batch), signal);
        }
        this.#recovered();
      } catch (error) {
        if (closed.aborted) return;
        if (restart.signal.aborted) continue;
        this.#failed(error);
        try {
          await sleep(backoffMs(this.#failures), signal);
        } catch {
          if (closed.aborted) return;
        }
      }
    }
  }

  /** Reads each changed key and hands new content to its listeners. Returns how many changed. */
  async #refresh(keys: readonly ConfigKey[], signal: AbortSignal): Promise<number> {
    let changed = 0;
    for (const key of keys) {
      const entry = this.#watched.get(idOf(key));
      if (!entry) continue;
      if (await entry.sync(() => this.#readFromServer(key, signal))) changed++;
    }
    return changed;
  }

  /** md5 polling (3.2+): reads every entry with bounded concurrency and delivers what changed. */
  async #pollMd5(entries: readonly WatchedConfig[], signal: AbortSignal): Promise<number> {
    let next = 0;
    let changed = 0;
    const worker = async () => {
      while (next < entries.length) {
        if (signal.aborted) throw abortError(signal);
        const entry = entries[next++] as WatchedConfig;
        if (!this.#watched.has(idOf(entry.key))) continue;
        if (await entry.sync(() => this.#readFromServer(entry.key, signal))) changed++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#config.pollConcurrency, entries.length) }, worker));
    return changed;
  }

  #failed(error: unknown): void {
    this.#failures++;
    const message = error instanceof Error ? error.message : String(error);
    if (this.#failures === 1) this.#log.warn(`config sync failed; retrying with backoff (${message})`);
    else this.#log.debug(`config sync failed again (attempt ${this.#failures}): ${message}`);
  }

  #recovered(): void {
    if (this.#failures > 0) this.#log.info(`config sync recovered after ${this.#failures} failed attempt(s)`);
    this.#failures = 0;
  }
}
