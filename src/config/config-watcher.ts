import * as z from 'zod/mini';
import type { ClientConfig } from '../client-config.js';
import { messageOf } from '../errors.js';
import { onAbort } from '../util/abort.js';
import type { OwnWrites } from '../util/own-writes.js';
import { DEFAULT_GROUP, fn, groupSchema, dataIdSchema, parseOrThrow, signalSchema } from '../validation.js';
import { keyFields, NacosConfigReader, typedFields, type TypedConfigOptions } from './config-reader.js';
import type { ConfigListener } from './listeners.js';
import { ConfigSync, type TickResult } from './sync.js';
import type { ConfigFormat, InferOutput, StandardSchemaV1 } from './typed.js';

export type { ConfigChangeInfo, ConfigListener } from './listeners.js';
export type { TickResult } from './sync.js';

// strictObject like every other schema (the object is built here, so strict changes nothing): z.object is one more
// zod function in the bundle.
const listenerArgsSchema = z.strictObject({
  dataId: dataIdSchema,
  group: groupSchema,
  listener: fn<ConfigListener>('must be a function (tenant, dataId, group, content) => void'),
});

const listenOptionsSchema = z.optional(z.strictObject({ emitInitial: z.optional(z.boolean()), signal: signalSchema }));

const watchSchema = z.strictObject({ ...keyFields, ...typedFields, emitInitial: z.optional(z.boolean()) });

/** Parameters of {@link NacosConfigWatcher.watch}. */
export interface WatchParams<S extends StandardSchemaV1 | undefined = undefined> extends TypedConfigOptions<S> {
  dataId: string;
  group?: string;
  signal?: AbortSignal;
  /** Yield the current content first (default true). */
  emitInitial?: boolean;
}

/** One value yielded by {@link NacosConfigWatcher.watch}. */
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

/**
 * Reads configs and follows their changes: listeners, `watch()` and `tick()`, on any Nacos generation over HTTP
 * (long polling on 1.x–3.1, md5 polling on 3.2+). {@link NacosConfigService} extends it with writes; an app that only
 * reads ships less with {@link NacosConfigReader}, which this class extends. Create one with
 * {@link NacosConfigWatcher.createConfigWatcher}; nothing runs until you call it.
 */
export class NacosConfigWatcher extends NacosConfigReader {
  /** @internal Declared: set by the constructor, with no class-field definition emitted before. */
  protected declare readonly sync: ConfigSync;

  /** `ownWrites`: a client that writes waits in its reads and deliveries for its own writes to show. */
  protected constructor(config: ClientConfig, ownWrites?: OwnWrites<string>) {
    super(config, ownWrites);
    this.sync = new ConfigSync(config, this.transport, this.reads, this.log);
  }

  /** Creates a config watcher. Sends nothing; the first request happens on the first call. */
  static async createConfigWatcher(config: ClientConfig): Promise<NacosConfigWatcher> {
    return new NacosConfigWatcher(config);
  }

  /**
   * Calls `listener` whenever the config changes. When the config exists, the listener is first
   * called with the current content (`emitInitial: false` turns that off). A deleted config calls
   * it with `''`. Listeners are isolated: one that throws or hangs delays nobody else.
   */
  async addListener(dataId: string, group: string, listener: ConfigListener, options?: { emitInitial?: boolean; signal?: AbortSignal }): Promise<void> {
    parseOrThrow(listenerArgsSchema, { dataId, group, listener }, 'addListener');
    const o = parseOrThrow(listenOptionsSchema, options, 'addListener options') ?? {};
    this.assertOpen();
    await this.sync.addListener(this.key(dataId, group), listener, o.emitInitial ?? true, o.signal);
  }

  /** Stops calling `listener` for the config. The last listener removed stops the polling for it. */
  async removeListener(dataId: string, group: string, listener: ConfigListener): Promise<void> {
    parseOrThrow(listenerArgsSchema, { dataId, group, listener }, 'removeListener');
    this.sync.removeListener(this.key(dataId, group), listener);
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
    this.assertParser(p.format, 'watch');
    const group = p.group ?? DEFAULT_GROUP;
    const typed = p.schema !== undefined || p.format !== undefined;
    const what = `watch ${group}/${p.dataId}`;
    // The newest change not yet taken by the loop: a consumer slower than the changes gets the latest state, not a
    // growing backlog. Each change carries the md5 and type that came with its content.
    let waiting: { content: string; md5: string; type: string | undefined; source: 'initial' | 'change' } | undefined;
    let wake: (() => void) | undefined;
    const emitInitial = p.emitInitial ?? true;
    let first = emitInitial;
    const listener: ConfigListener = (_tenant, _dataId, _group, content, change) => {
      waiting = { content, md5: change.md5, type: change.type, source: first ? 'initial' : 'change' };
      first = false;
      wake?.();
    };
    const scope = this.transport.scope(p.signal);
    const stop = scope.signal;
    const unfollow = onAbort(stop, () => wake?.());
    try {
      await this.addListener(p.dataId, group, listener, { emitInitial, ...(p.signal && { signal: p.signal }) });
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
        // Untyped: the content. Typed: the parsed, validated value; undefined for a deleted config (md5 '').
        let value: unknown = next.content;
        if (typed) {
          try {
            value = next.md5 === '' ? undefined : await this.typed(next.content, p.format, next.type, p.dataId, p.schema, what);
          } catch (error) {
            this.log.warn(`${what}: ignoring an invalid change; the last valid value stays (${messageOf(error)})`);
            continue;
          }
        }
        yield { content: next.content, md5: next.md5, source: next.source, value };
      }
    } finally {
      unfollow();
      scope.release();
      if (!this.closed) await this.removeListener(p.dataId, group, listener);
    }
  }

  /**
   * One bounded sync pass without background timers, for Workers (Cron Triggers, Durable Object alarms)
   * and `backgroundSync(false)`: compares every watched config with the server once and calls listeners.
   * On v1 servers that is one No-Hangup long poll per 3,000 keys; a server that holds it anyway is given
   * at most `maxWaitMs` (default 5000) before the pass counts it as "nothing changed".
   */
  async tick(options: { signal?: AbortSignal; maxWaitMs?: number } = {}): Promise<TickResult> {
    this.assertOpen();
    const scope = this.transport.scope(options.signal);
    try {
      return await this.sync.tick(scope.signal, options.maxWaitMs ?? 5000);
    } finally {
      scope.release();
    }
  }

  /** Stops every loop and in-flight request; resolves once the loops have exited. */
  override async shutdown(): Promise<void> {
    if (this.closed) return;
    await super.shutdown();
    await this.sync.close();
  }
}
