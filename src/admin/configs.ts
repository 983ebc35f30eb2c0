import * as z from 'zod/mini';
import { isNacosError, NacosError } from '../errors.js';
import { maxChars, namespaceSchema, nonEmpty, oneOf, parseOrThrow } from '../validation.js';
import { getBeta, stopBeta } from './config-beta.js';
import { historyEntry, historyPage, previousEntry, rollback } from './config-history.js';
import {
  asNumber,
  asObject,
  asString,
  callSchema,
  describeKey,
  iterateSchema,
  keyParams,
  keySchema,
  pagingSchema,
  publishFields,
  publishSchema,
  readPage,
  splitTags,
  tenantOf,
  historyRefSchema,
  type Json,
} from './config-shared.js';
import { pages } from './paging.js';
import { publish, remove } from './config-write.js';
import type { AdminContext } from './context.js';
import type { CallOptions, ConfigBeta, ConfigBetaPublish, ConfigDetail, ConfigKey, ConfigListener, ConfigPublish, ConfigQuery, ConfigSummary, HistoryEntry, HistoryRef, Page, PageOptions } from './model.js';

const querySchema = z.strictObject({
  namespaceId: z.optional(namespaceSchema),
  dataId: z.optional(z.string().check(maxChars(256))),
  group: z.optional(z.string().check(maxChars(128))),
  appName: z.optional(z.string().check(maxChars(128))),
  tags: z.optional(z.array(z.string().check(nonEmpty(), maxChars(64)))),
  content: z.optional(z.string().check(maxChars(1024))),
  mode: z.optional(oneOf(['exact', 'fuzzy'])),
});
const ipSchema = z.string().check(
  nonEmpty(),
  maxChars(64),
  z.refine((s) => /^[0-9A-Za-z.:_-]+$/.test(s), 'must be an IP address'),
);
const betaSchema = z.strictObject({ ...publishFields, betaIps: z.array(ipSchema).check(nonEmpty('must name at least one IP')) });
const keysSchema = z.array(keySchema).check(z.refine((keys) => keys.length <= 1000, 'must be at most 1000 configs'));
const DEFAULT_PAGE_SIZE = 20;
/** Deletes of deleteMany in flight at once: the servers' batch delete takes config ids, which the keys are not. */
const DELETE_CONCURRENCY = 4;

/**
 * Admin calls for configs: search, detail, publish with metadata and compare-and-swap, delete, history and rollback,
 * beta release, listeners. On 2.x they use the v1 config API (and the v2 open API for history and content search);
 * on 3.x `/v3/admin/cs/*`. The public namespace may be named `''` or `public` on both.
 */
export class AdminConfigs {
  readonly #context: AdminContext;

  constructor(context: AdminContext) {
    this.#context = context;
  }

  /**
   * One page of configs matching `query` (see {@link ConfigQuery} for exact and fuzzy terms). 2.x lists carry the
   * content; 3.x lists do not.
   */
  async searchPage(query: ConfigQuery = {}, options: PageOptions = {}): Promise<Page<ConfigSummary>> {
    const q = parseOrThrow(querySchema, query, 'configs.searchPage');
    const { pageNumber = 1, pageSize = DEFAULT_PAGE_SIZE, signal } = parseOrThrow(pagingSchema, options, 'configs.searchPage options');
    return this.#searchPage(q, pageNumber, pageSize, signal);
  }

  /** Every config matching `query`, page after page. */
  search(query: ConfigQuery = {}, options: { pageSize?: number; signal?: AbortSignal } = {}): AsyncIterable<ConfigSummary> {
    const q = parseOrThrow(querySchema, query, 'configs.search');
    const { pageSize = 100, signal } = parseOrThrow(iterateSchema, options, 'configs.search options');
    return pages((pageNumber) => this.#searchPage(q, pageNumber, pageSize, signal));
  }

  async #searchPage(query: z.infer<typeof querySchema>, pageNumber: number, pageSize: number, signal: AbortSignal | undefined): Promise<Page<ConfigSummary>> {
    const context = this.#context;
    const generation = await context.generation(signal);
    const fuzzy = query.mode ? query.mode === 'fuzzy' : [query.dataId, query.group, query.content].some((t) => t?.includes('*'));
    // Blur search matches `*` patterns (a term without one must match whole), so a fuzzy term without `*` is a substring.
    const term = (t: string | undefined) => (!t ? '' : fuzzy && !t.includes('*') ? `*${t}*` : t);
    const content = term(query.content);
    const tags = query.tags?.length ? query.tags.join(',') : undefined;
    const what = 'search configs';
    const common = { search: fuzzy ? 'blur' : 'accurate', dataId: term(query.dataId), appName: query.appName || undefined, pageNo: pageNumber, pageSize };
    let answer: unknown;
    if (generation === 'v3') {
      answer = await context.data({
        method: 'GET',
        path: '/v3/admin/cs/config/list',
        query: { ...common, groupName: term(query.group), namespaceId: tenantOf(generation, query.namespaceId), configTags: tags, configDetail: content || undefined },
        signal,
        what,
      });
    } else {
      const params = { ...common, group: term(query.group), tenant: tenantOf(generation, query.namespaceId), config_tags: tags };
      // The v1 search has no content term; the v2 open API's searchDetail (2.2+) has, and answers the same page.
      answer = await context.json(
        content
          ? { method: 'GET', path: '/v2/cs/config/searchDetail', query: { ...params, config_detail: content }, signal, what }
          : { method: 'GET', path: '/v1/cs/configs', query: params, signal, what },
      );
    }
    return readPage(answer, what, toSummary);
  }

  /** The config with its content and metadata; NOT_FOUND when absent. */
  async get(key: ConfigKey, options: CallOptions = {}): Promise<ConfigDetail> {
    const k = parseOrThrow(keySchema, key, 'configs.get');
    const { signal } = parseOrThrow(callSchema, options, 'configs.get options');
    const context = this.#context;
    const generation = await context.generation(signal);
    const what = `read config ${describeKey(k)}`;
    let answer: unknown;
    if (generation === 'v3') {
      answer = await context.data({ method: 'GET', path: '/v3/admin/cs/config', query: keyParams(generation, k), signal, what });
    } else {
      // 2.x answers an absent config with an empty 200.
      const body = await context.text({ method: 'GET', path: '/v1/cs/configs', query: { ...keyParams(generation, k), show: 'all' }, signal, what });
      if (body.trim() === '') throw new NacosError('NOT_FOUND', `${what}: no such config`);
      try {
        answer = JSON.parse(body);
      } catch (cause) {
        throw new NacosError('SERVER', `${what}: unexpected answer ${JSON.stringify(body.slice(0, 100))}`, { cause });
      }
    }
    if (answer === null || answer === undefined) throw new NacosError('NOT_FOUND', `${what}: no such config`);
    return toDetail(asObject(answer, what));
  }

  /**
   * Publishes the config with its metadata (type, description, tags, app name); with `casMd5` only while the config
   * still has that md5, else CAS_CONFLICT. Metadata not given is not kept: the servers store what a publish sends.
   */
  async publish(input: ConfigPublish, options: CallOptions = {}): Promise<void> {
    const p = parseOrThrow(publishSchema, input, 'configs.publish');
    const { signal } = parseOrThrow(callSchema, options, 'configs.publish options');
    await publish(this.#context, p, undefined, signal);
  }

  /** Deletes the config (its beta release stays; deleting an absent config succeeds). */
  async delete(key: ConfigKey, options: CallOptions = {}): Promise<void> {
    const k = parseOrThrow(keySchema, key, 'configs.delete');
    const { signal } = parseOrThrow(callSchema, options, 'configs.delete options');
    await remove(this.#context, k, signal);
  }

  /**
   * Deletes every config of `keys`, a few at a time (the servers' batch delete takes internal config ids). Every key
   * is validated before the first request; on a failure the rest are still tried and the first error is thrown.
   */
  async deleteMany(keys: ConfigKey[], options: CallOptions = {}): Promise<void> {
    const list = parseOrThrow(keysSchema, keys, 'configs.deleteMany');
    const { signal } = parseOrThrow(callSchema, options, 'configs.deleteMany options');
    const errors: unknown[] = [];
    let next = 0;
    const worker = async () => {
      while (next < list.length) {
        const key = list[next++]!;
        try {
          await remove(this.#context, key, signal);
        } catch (error) {
          errors.push(error);
          if (isNacosError(error, 'ABORTED')) return;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, list.length) }, worker));
    if (errors.length) throw errors[0];
  }

  /** One page of the config's history, newest first (list entries carry no content). */
  async historyPage(key: ConfigKey, options: PageOptions = {}): Promise<Page<HistoryEntry>> {
    const k = parseOrThrow(keySchema, key, 'configs.historyPage');
    const { pageNumber = 1, pageSize = DEFAULT_PAGE_SIZE, signal } = parseOrThrow(pagingSchema, options, 'configs.historyPage options');
    return historyPage(this.#context, k, pageNumber, pageSize, signal);
  }

  /** The config's whole history, newest first, page after page. */
  history(key: ConfigKey, options: { pageSize?: number; signal?: AbortSignal } = {}): AsyncIterable<HistoryEntry> {
    const k = parseOrThrow(keySchema, key, 'configs.history');
    const { pageSize = 100, signal } = parseOrThrow(iterateSchema, options, 'configs.history options');
    return pages((pageNumber) => historyPage(this.#context, k, pageNumber, pageSize, signal));
  }

  /**
   * One history entry with its content: for an insert the content published, for an update or delete the content
   * it replaced or removed. NOT_FOUND when the config has no entry `id`.
   */
  async historyEntry(ref: HistoryRef, options: CallOptions = {}): Promise<HistoryEntry> {
    const r = parseOrThrow(historyRefSchema, ref, 'configs.historyEntry');
    const { signal } = parseOrThrow(callSchema, options, 'configs.historyEntry options');
    return historyEntry(this.#context, r, signal);
  }

  /** The entry before entry `id` (the next older one), with its content; NOT_FOUND when there is none. */
  async previous(ref: HistoryRef, options: CallOptions = {}): Promise<HistoryEntry> {
    const r = parseOrThrow(historyRefSchema, ref, 'configs.previous');
    const { signal } = parseOrThrow(callSchema, options, 'configs.previous options');
    return previousEntry(this.#context, r, 100, signal);
  }

  /** Publishes history entry `id`'s content (and the type and metadata it had) again; a `D` entry re-creates the config. */
  async rollback(ref: HistoryRef, options: CallOptions = {}): Promise<void> {
    const r = parseOrThrow(historyRefSchema, ref, 'configs.rollback');
    const { signal } = parseOrThrow(callSchema, options, 'configs.rollback options');
    await rollback(this.#context, r, signal);
  }

  /** Publishes a beta release: `content` goes only to the clients at `betaIps` (others keep the formal content). */
  async publishBeta(input: ConfigBetaPublish, options: CallOptions = {}): Promise<void> {
    const { betaIps, ...p } = parseOrThrow(betaSchema, input, 'configs.publishBeta');
    const { signal } = parseOrThrow(callSchema, options, 'configs.publishBeta options');
    await publish(this.#context, p, betaIps, signal);
  }

  /** The config's beta release, or undefined when it has none. */
  async getBeta(key: ConfigKey, options: CallOptions = {}): Promise<ConfigBeta | undefined> {
    const k = parseOrThrow(keySchema, key, 'configs.getBeta');
    const { signal } = parseOrThrow(callSchema, options, 'configs.getBeta options');
    return getBeta(this.#context, k, signal);
  }

  /** Ends the config's beta release; ending none succeeds. */
  async stopBeta(key: ConfigKey, options: CallOptions = {}): Promise<void> {
    const k = parseOrThrow(keySchema, key, 'configs.stopBeta');
    const { signal } = parseOrThrow(callSchema, options, 'configs.stopBeta options');
    await stopBeta(this.#context, k, signal);
  }

  /**
   * The clients listening to the config (HTTP long polls and gRPC connections), each with the md5 it has, as the
   * cluster's members report them.
   */
  async listeners(key: ConfigKey, options: CallOptions = {}): Promise<ConfigListener[]> {
    const k = parseOrThrow(keySchema, key, 'configs.listeners');
    const { signal } = parseOrThrow(callSchema, options, 'configs.listeners options');
    const context = this.#context;
    const generation = await context.generation(signal);
    const what = `list listeners of config ${describeKey(k)}`;
    const answer =
      generation === 'v3'
        ? await context.data({ method: 'GET', path: '/v3/admin/cs/config/listener', query: keyParams(generation, k), signal, what })
        : await context.json({ method: 'GET', path: '/v1/cs/configs/listener', query: keyParams(generation, k), signal, what });
    const body = asObject(answer, what);
    // 2.x names the map `lisentersGroupkeyStatus` (sic); 3.x `listenersStatus`.
    const status = body['listenersStatus'] ?? body['lisentersGroupkeyStatus'];
    if (status === null || status === undefined) return [];
    return Object.entries(asObject(status, what)).map(([ip, md5]) => ({ ip, md5: asString(md5) }));
  }
}

function toSummary(item: Json): ConfigSummary {
  const summary: ConfigSummary = {
    namespaceId: asString(item['namespaceId'] ?? item['tenant']),
    dataId: asString(item['dataId']),
    group: asString(item['groupName'] ?? item['group']),
    appName: asString(item['appName']),
    type: asString(item['type']),
  };
  if (typeof item['md5'] === 'string' && item['md5'] !== '') summary.md5 = item['md5'];
  if (typeof item['content'] === 'string') summary.content = item['content'];
  return summary;
}

function toDetail(item: Json): ConfigDetail {
  return {
    ...toSummary(item),
    id: asString(item['id']),
    content: asString(item['content']),
    md5: asString(item['md5']),
    description: asString(item['desc']),
    tags: splitTags(item['configTags']),
    createTime: asNumber(item['createTime']),
    modifyTime: asNumber(item['modifyTime']),
    createUser: asString(item['createUser']),
    createIp: asString(item['createIp']),
    encryptedDataKey: asString(item['encryptedDataKey']),
  };
}
