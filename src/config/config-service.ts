import * as z from 'zod/mini';
import type { ClientConfig } from '../client-config.js';
import { NacosError } from '../errors.js';
import { leveledLogger, type Logger } from '../logger.js';
import { createStorage } from '../storage/memory.js';
import { Transport } from '../transport/http.js';
import { configMd5Async } from '../util/crypto.js';
import { atLeast, dataIdSchema, DEFAULT_GROUP, fn, groupSchema, isStandardSchema, maxChars, oneOf, parseOrThrow, signalSchema } from '../validation.js';
import type { ConfigListener } from './listeners.js';
import type { ConfigKey } from './protocol.js';
import { ConfigReader } from './reader.js';
import { ConfigSync, type TickResult } from './sync.js';
import type { PublishConfigParams, RemoveConfigParams } from './write.js';
import type { ConfigFormat, InferOutput, StandardSchemaV1 } from './typed.js';

export type { ConfigChangeInfo, ConfigListener } from './listeners.js';
export type { TickResult } from './sync.js';
export { DEFAULT_GROUP } from '../validation.js';
export type { PublishConfigParams, RemoveConfigParams } from './write.js';
export type { ConfigFormat, InferOutput, StandardSchemaV1 } from './typed.js';

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

/** Writes (publish, remove) are a chunk of their own: read-only apps, the common case on the edge, never load it. */
const loadWrite = () => import('./write.js');

/**
 * Config service: read, publish, remove and listen to configs on any Nacos generation over HTTP.
 * Create it with {@link NacosConfigService.createConfigService}; nothing runs until you call it.
 */
export class NacosConfigService {
  readonly #config: ClientConfig;
  readonly #log: Logger;
  readonly #transport: Transport;
  readonly #reader: ConfigReader;
  readonly #sync: ConfigSync;
  #closed = false;

  private constructor(config: ClientConfig) {
    this.#config = config;
    this.#log = leveledLogger(config.logger, config.logLevel);
    this.#transport = new Transport(config, this.#log);
    this.#reader = new ConfigReader(this.#transport, config.storage ?? createStorage(), this.#log, config.readYourWritesMs);
    this.#sync = new ConfigSync(config, this.#transport, this.#reader, this.#log);
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
    const read = await this.#reader.read(key, p.signal, p.tag, p.cache, p.snapshot ?? true);
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
      this.#reader.expectWrite(key, await configMd5Async(p.content));
      this.#sync.deliverOwnWrite(key);
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
      this.#reader.expectWrite(key, '');
      this.#sync.deliverOwnWrite(key);
    }
    return true;
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
    await this.#sync.addListener(this.#key(dataId, group), listener, o.emitInitial ?? true, o.signal);
  }

  /** Stops calling `listener` for the config. The last listener removed stops the polling for it. */
  async removeListener(dataId: string, group: string, listener: ConfigListener): Promise<void> {
    parseOrThrow(listenerArgsSchema, { dataId, group, listener }, 'removeListener');
    this.#sync.removeListener(this.#key(dataId, group), listener);
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
      return await this.#sync.tick(scope.signal, options.maxWaitMs ?? 5000);
    } finally {
      scope.release();
    }
  }

  /** Stops every loop and in-flight request; resolves once the loops have exited. */
  async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#transport.close();
    await this.#sync.close();
  }
}
