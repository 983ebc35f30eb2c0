import * as z from 'zod/mini';
import type { ClientConfig } from '../client-config.js';
import { NacosError } from '../errors.js';
import { leveledLogger, type Logger } from '../logger.js';
import { createStorage } from '../storage/memory.js';
import { Transport } from '../transport/http.js';
import { atLeast, dataIdSchema, DEFAULT_GROUP, fn, groupSchema, isStandardSchema, maxChars, oneOf, parseOrThrow, signalSchema } from '../validation.js';
import type { ConfigKey } from './model.js';
import type { OwnWrites } from '../util/own-writes.js';
import { ReadPath } from './read-path.js';
import { missingParser, parseContent, parserFor, resolveFormat, validateWith, type ConfigFormat, type InferOutput, type StandardSchemaV1 } from './typed.js';

export { DEFAULT_GROUP } from '../validation.js';
export type { ConfigFormat, ConfigParser, InferOutput, StandardSchemaV1 } from './typed.js';

/** The fields every call about one config takes. */
export const keyFields = {
  dataId: dataIdSchema,
  group: z.optional(groupSchema),
  signal: signalSchema,
};

/** The fields of typed reads and watches. */
export const typedFields = {
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

/** Parameters of {@link NacosConfigReader.getConfig}. */
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

/**
 * Typed reads: parse the content (`format`, else the server's type, else the dataId's extension) and validate it.
 * JSON and properties are built in; YAML needs the parser from `nacos-edge/yaml` (`ClientConfigBuilder.parsers`).
 */
export interface TypedConfigOptions<S extends StandardSchemaV1 | undefined = undefined> {
  schema?: S;
  format?: ConfigFormat;
}

/**
 * Reads configs, on any Nacos generation over HTTP: the small core for apps that only read (a Worker serving
 * config-driven responses). {@link NacosConfigService} is the whole config service (writes, listeners, `watch`,
 * `tick`) and extends this class. Create one with {@link NacosConfigReader.createConfigReader}; nothing runs until
 * you call it.
 */
export class NacosConfigReader {
  /** @internal */
  protected readonly clientConfig: ClientConfig;
  /** @internal */
  protected readonly log: Logger;
  /** @internal */
  protected readonly transport: Transport;
  /** @internal */
  protected readonly reads: ReadPath;
  /** @internal */
  protected closed = false;

  /** `ownWrites`: a client that writes waits in its reads for its own writes to show. */
  protected constructor(config: ClientConfig, ownWrites?: OwnWrites<string>) {
    this.clientConfig = config;
    this.log = leveledLogger(config.logger, config.logLevel);
    this.transport = new Transport(config, this.log);
    this.reads = new ReadPath(this.transport, config.storage ?? createStorage(), this.log, ownWrites, config.configFilters);
  }

  /** Creates a config reader. Sends nothing; the first request happens on the first call. */
  static async createConfigReader(config: ClientConfig): Promise<NacosConfigReader> {
    return new NacosConfigReader(config);
  }

  /** @internal */
  protected key(dataId: string, group: string | undefined): ConfigKey {
    return { dataId, group: group ?? DEFAULT_GROUP, tenant: this.clientConfig.namespaceId };
  }

  /** @internal */
  protected assertOpen(): void {
    if (this.closed) throw new NacosError('ABORTED', 'the config service has been shut down');
  }

  /** @internal Throws before any request when an explicit format has no parser. */
  protected assertParser(format: ConfigFormat | undefined, what: string): void {
    if (format !== undefined && !parserFor(format, this.clientConfig.parsers)) throw missingParser(format, what);
  }

  /**
   * Reads a config: a failover entry (operator override) wins; otherwise the servers are asked in
   * order, and the answer is kept as a snapshot; when no server answers, the snapshot is returned.
   * With `schema` and/or `format`, the content is parsed and validated (typed read).
   *
   * @returns the content, or `''` when the config does not exist (typed reads throw `NOT_FOUND` instead).
   * @throws NacosError `UNAVAILABLE` when no server answers and there is no snapshot; `AUTH` on 403;
   *   `INVALID_CONTENT` when a typed read does not parse or validate; `UNSUPPORTED` for a format without a parser.
   */
  getConfig(params: GetConfigParams & { schema?: undefined; format?: undefined }): Promise<string>;
  getConfig<S extends StandardSchemaV1>(params: GetConfigParams & TypedConfigOptions<S> & { schema: S }): Promise<InferOutput<S>>;
  getConfig(params: GetConfigParams & TypedConfigOptions & { format: ConfigFormat }): Promise<unknown>;
  async getConfig(params: GetConfigParams & { schema?: StandardSchemaV1 | undefined; format?: ConfigFormat | undefined }): Promise<unknown> {
    const p = parseOrThrow(getSchema, params, 'getConfig');
    this.assertParser(p.format, 'getConfig');
    this.assertOpen();
    const key = this.key(p.dataId, p.group);
    const read = await this.reads.read(key, p.signal, p.tag, p.cache, p.snapshot ?? true);
    if (p.schema === undefined && p.format === undefined) return read.content;
    const what = `getConfig ${key.group}/${key.dataId}`;
    if (!read.found) throw new NacosError('NOT_FOUND', `${what}: the config does not exist`);
    return this.typed(read.content, p.format, read.type, key.dataId, p.schema, what);
  }

  /** @internal Parses and validates typed content. */
  protected typed(content: string, format: ConfigFormat | undefined, serverType: string | undefined, dataId: string, schema: StandardSchemaV1 | undefined, what: string): Promise<unknown> | unknown {
    const parsed = parseContent(content, resolveFormat(format, serverType, dataId), what, this.clientConfig.parsers);
    return schema ? validateWith(schema, parsed, what) : parsed;
  }

  /** Stops every request in flight; later calls fail with `ABORTED`. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.transport.close();
  }
}
