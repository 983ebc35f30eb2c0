// A config's history: the paged list, one entry with its content, the entry before another, and rollback.
// 2.x: the v2 open API (`/v2/cs/history*`), whose answers are envelopes; its v1 twin answers an entry of another config
// with HTTP status 0 and an absent one with an empty 200. 3.x: `/v3/admin/cs/history*`.
import { NacosError } from '../errors.js';
import { asObject, describeKey, keyParams, readPage, toHistoryEntry } from './config-shared.js';
import { envelopeData, publish } from './config-write.js';
import { statusError, type AdminContext } from './context.js';
import type { ConfigKey, HistoryEntry, HistoryRef, Page } from './model.js';

/** One page of the config's history, newest first. */
export async function historyPage(context: AdminContext, key: ConfigKey, pageNumber: number, pageSize: number, signal: AbortSignal | undefined): Promise<Page<HistoryEntry>> {
  const generation = await context.generation(signal);
  const what = `list history of config ${describeKey(key)}`;
  const answer = await context.data({
    method: 'GET',
    path: generation === 'v3' ? '/v3/admin/cs/history/list' : '/v2/cs/history/list',
    query: { ...keyParams(generation, key, 'v2'), pageNo: pageNumber, pageSize },
    signal,
    what,
  });
  return readPage(answer, what, toHistoryEntry);
}

/** One entry with its content; NOT_FOUND when the config has no entry of that id. */
export async function historyEntry(context: AdminContext, ref: HistoryRef, signal: AbortSignal | undefined): Promise<HistoryEntry> {
  const generation = await context.generation(signal);
  const what = `read history entry ${ref.id} of config ${describeKey(ref)}`;
  const res = await context.send({
    method: 'GET',
    path: generation === 'v3' ? '/v3/admin/cs/history' : '/v2/cs/history',
    query: { ...keyParams(generation, ref, 'v2'), nid: ref.id },
    signal,
    what,
  });
  const notFound = () => new NacosError('NOT_FOUND', `${what}: no such entry`, { status: res.status, server: res.server.origin });
  // An entry of another config: 403 "access denied … Please check dataId, group or namespaceId" on both generations.
  if (res.status === 403 && /check dataId/i.test(res.body)) throw notFound();
  // An absent id on 3.x: 400 with code 20002 ("parameter validate error: Source must not be null").
  if (generation === 'v3' && res.status === 400 && /"code"\s*:\s*20002\b/.test(res.body)) throw notFound();
  if (res.status < 200 || res.status > 299) throw statusError(res, what);
  // An absent id on 2.x: code 0 with data null.
  const data = envelopeData(res, what);
  if (data === null) throw notFound();
  return toHistoryEntry(asObject(data, what));
}

/**
 * The entry before entry `ref.id` in the config's history (the next older one), with its content. The servers'
 * `history/previous` answers the newest entry of a config *id* (not of a history entry), so this walks the list.
 */
export async function previousEntry(context: AdminContext, ref: HistoryRef, pageSize: number, signal: AbortSignal | undefined): Promise<HistoryEntry> {
  const target = BigInt(ref.id);
  let seen = false;
  for (let pageNumber = 1; ; pageNumber++) {
    const page = await historyPage(context, ref, pageNumber, pageSize, signal);
    for (const entry of page.items) {
      if (!/^\d+$/.test(entry.id)) continue;
      const id = BigInt(entry.id);
      if (id === target) seen = true;
      else if (id < target) {
        if (!seen) break;
        return historyEntry(context, { ...ref, id: entry.id }, signal);
      }
    }
    const past = page.items.some((entry) => /^\d+$/.test(entry.id) && BigInt(entry.id) < target);
    if (past || page.items.length === 0 || pageNumber >= page.pagesAvailable) break;
  }
  throw new NacosError('NOT_FOUND', `read the history entry before ${ref.id} of config ${describeKey(ref)}: ${seen ? 'it is the oldest' : 'no such entry'}`);
}

/**
 * Publishes entry `ref.id`'s content again, with the type, description, tags and app name it had where the server
 * recorded them (the console's rollback publishes the entry's content). A `D` entry holds the deleted content, so its
 * rollback re-creates the config.
 */
export async function rollback(context: AdminContext, ref: HistoryRef, signal: AbortSignal | undefined): Promise<void> {
  const entry = await historyEntry(context, ref, signal);
  if (entry.content === undefined || entry.content.trim() === '') {
    throw new NacosError('VALIDATION', `roll back config ${describeKey(ref)} to history entry ${ref.id}: the entry has no content to publish`);
  }
  const { id: _id, ...key } = ref;
  await publish(
    context,
    {
      ...key,
      content: entry.content,
      ...(entry.type ? { type: entry.type } : {}),
      ...(entry.description ? { description: entry.description } : {}),
      ...(entry.tags?.length ? { tags: entry.tags } : {}),
      ...(entry.appName ? { appName: entry.appName } : {}),
    },
    undefined,
    signal,
  );
}
