// What the config admin calls share: the input schemas, the key in each generation's parameter names, paging, and
// the reading of loosely typed server answers.
import * as z from 'zod/mini';
import { NacosError } from '../errors.js';
import { atLeast, atMost, dataIdSchema, DEFAULT_GROUP, groupSchema, integer, matches, maxChars, namespaceSchema, nonEmpty, oneOf, signalSchema } from '../validation.js';
import type { AdminGeneration } from './context.js';
import type { ConfigKey, HistoryEntry, Page } from './model.js';

/** The types Nacos knows; it stores any other as text without a word, so a typo ('yml') is refused here instead. */
export const CONFIG_TYPES = ['text', 'json', 'yaml', 'properties', 'xml', 'html', 'toml'] as const;
const MAX_CONTENT_CHARS = 10 * 1024 * 1024;

export const keyFields = { namespaceId: z.optional(namespaceSchema), dataId: dataIdSchema, group: z.optional(groupSchema) };
export const keySchema = z.strictObject(keyFields);

/** A config tag: the server keeps tags comma-separated, so a tag holds no comma. */
const tagSchema = z.string().check(nonEmpty(), maxChars(64), matches(/^[^,]*$/, 'must not contain a comma'));

export const publishFields = {
  ...keyFields,
  content: z.string().check(
    z.refine((s) => s.trim() !== '', 'must not be blank'),
    maxChars(MAX_CONTENT_CHARS),
  ),
  type: z.optional(oneOf(CONFIG_TYPES)),
  description: z.optional(z.string().check(maxChars(128))),
  tags: z.optional(z.array(tagSchema)),
  appName: z.optional(z.string().check(maxChars(128))),
  casMd5: z.optional(z.string().check(matches(/^[0-9a-f]{32}$/, 'must be a lower-case hex md5'))),
};
export const publishSchema = z.strictObject(publishFields);

/** A history id: the server's `nid`, a positive whole number (sent as text: ids may pass 2^53). */
export const historyIdSchema = z.string().check(matches(/^[1-9][0-9]{0,18}$/, 'must be a history id (a positive whole number)'));
export const historyRefSchema = z.strictObject({ ...keyFields, id: historyIdSchema });

export const pageSizeSchema = z.optional(z.number().check(integer, atLeast(1), atMost(500, 'must be at most 500')));
export const pagingSchema = z.strictObject({ pageNumber: z.optional(z.number().check(integer, atLeast(1))), pageSize: pageSizeSchema, signal: signalSchema });
export const iterateSchema = z.strictObject({ pageSize: pageSizeSchema, signal: signalSchema });
export const callSchema = z.strictObject({ signal: signalSchema });

/** The public namespace's id as each generation's config API spells it: 2.x's v1 API takes `public` as another namespace. */
export function tenantOf(generation: AdminGeneration, namespaceId: string | undefined): string {
  const id = namespaceId ?? '';
  if (generation === 'v2') return id === 'public' ? '' : id;
  return id === '' ? 'public' : id;
}

/** The key in the parameter names of the generation's config API (2.x v1: group/tenant; 2.x v2: group/namespaceId; 3.x: groupName/namespaceId). */
export function keyParams(generation: AdminGeneration, key: ConfigKey, v2Api: 'v1' | 'v2' = 'v1'): Record<string, string> {
  const group = key.group ?? DEFAULT_GROUP;
  const tenant = tenantOf(generation, key.namespaceId);
  if (generation === 'v3') return { dataId: key.dataId, groupName: group, namespaceId: tenant };
  return v2Api === 'v1' ? { dataId: key.dataId, group, tenant } : { dataId: key.dataId, group, namespaceId: tenant };
}

/** `namespace/group/dataId`, for messages. */
export const describeKey = (key: ConfigKey): string => `${key.namespaceId || 'public'}/${key.group ?? DEFAULT_GROUP}/${key.dataId}`;

export type Json = Record<string, unknown>;

export const asString = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : '');
export const asNumber = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : 0);
/** Epoch ms of a number or an ISO date (2.x's v2 history answers dates as text). */
export function asTime(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '') {
    const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    return Number.isFinite(n) ? n : 0;
  }
  return 0;
}
/** Comma-separated tags as a list. */
export const splitTags = (v: unknown): string[] =>
  asString(v)
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');

export function asObject(v: unknown, what: string): Json {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Json;
  throw new NacosError('SERVER', `${what}: unexpected answer (not an object)`);
}

/** A server page (`{ totalCount, pageNumber, pagesAvailable, pageItems }`) mapped item by item. */
export function readPage<T>(answer: unknown, what: string, map: (item: Json) => T): Page<T> {
  const page = asObject(answer, what);
  const items = Array.isArray(page['pageItems']) ? page['pageItems'] : [];
  return {
    items: items.map((item) => map(asObject(item, what))),
    totalCount: asNumber(page['totalCount']),
    pageNumber: asNumber(page['pageNumber']) || 1,
    pagesAvailable: asNumber(page['pagesAvailable']),
  };
}

/** The JSON of a history entry's `extInfo` (type, tags, description at that version), or nothing. */
function extInfo(v: unknown): Json {
  if (typeof v !== 'string' || v === '') return {};
  try {
    const parsed: unknown = JSON.parse(v);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Json) : {};
  } catch {
    return {};
  }
}

/** A history entry of either generation (2.x: group/tenant, ISO `lastModifiedTime`; 3.x: groupName/namespaceId, epoch `modifyTime`). */
export function toHistoryEntry(item: Json): HistoryEntry {
  const ext = extInfo(item['extInfo']);
  const entry: HistoryEntry = {
    id: asString(item['id']),
    namespaceId: asString(item['namespaceId'] ?? item['tenant']),
    dataId: asString(item['dataId']),
    group: asString(item['groupName'] ?? item['group']),
    appName: asString(item['appName']),
    // The servers pad the op type to the column's width ('U         ').
    opType: asString(item['opType']).trim(),
    // createTime is the column's default (2010-05-05) on the embedded database: the change's time is the modify time.
    modifyTime: asTime(item['modifyTime'] ?? item['lastModifiedTime']),
    srcUser: asString(item['srcUser'] ?? ext['src_user']),
    srcIp: asString(item['srcIp']),
    md5: asString(item['md5']),
  };
  if (typeof item['content'] === 'string') entry.content = item['content'];
  if (typeof item['publishType'] === 'string') entry.publishType = item['publishType'];
  const type = asString(item['type']) || asString(ext['type']);
  if (type) entry.type = type;
  if (typeof ext['c_desc'] === 'string') entry.description = ext['c_desc'];
  if (typeof ext['config_tags'] === 'string') entry.tags = splitTags(ext['config_tags']);
  return entry;
}
