/**
 * Cloudflare Workers KV storage. Takes the `KVNamespace` binding object itself (from `env`), never a
 * global name.
 *
 * KV is eventually consistent (a write can take up to 60 s to be seen in other locations) and its
 * expirations are at least 60 s: treat it as a **snapshot cache, not a source of truth**. Together with
 * `getConfig({ cache: { freshMs, staleMs, waitUntil } })` it gives Workers a read path that answers from
 * KV at once and refreshes from Nacos in `ctx.waitUntil`.
 *
 * @module
 */
import type { StoragePort } from './port.js';

/** The part of a Workers `KVNamespace` binding this adapter uses. */
export interface KvNamespaceLike {
  get(key: string, type: 'text'): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
  list(options: { prefix?: string; cursor?: string; limit?: number }): Promise<{ keys: { name: string }[]; list_complete: boolean; cursor?: string }>;
}

/** Options of the KV adapter. */
export interface KvStorageOptions {
  /** The KV binding, e.g. `env.NACOS_CACHE`. */
  binding: KvNamespaceLike;
  /** Prefix for every key, to share one namespace between apps. Default `nacos-edge/`. */
  prefix?: string;
  /** Expire entries after this many seconds (KV's minimum, 60, is enforced). Default: never. */
  ttlSeconds?: number;
}

/** KV keys are limited to 512 bytes. */
const MAX_KEY_BYTES = 512;

/** Creates the KV storage. */
export function createStorage(options: KvStorageOptions): StoragePort {
  const { binding } = options;
  const prefix = options.prefix ?? 'nacos-edge/';
  const putOptions = options.ttlSeconds === undefined ? undefined : { expirationTtl: Math.max(60, Math.ceil(options.ttlSeconds)) };
  const full = (key: string) => {
    const name = prefix + key;
    if (new TextEncoder().encode(name).length > MAX_KEY_BYTES) throw new RangeError(`KV keys are limited to ${MAX_KEY_BYTES} bytes; this one is longer (shorten the prefix, dataId or group)`);
    return name;
  };
  return {
    async get(key) {
      return (await binding.get(full(key), 'text')) ?? undefined;
    },
    async set(key, value) {
      await binding.put(full(key), value, putOptions);
    },
    async delete(key) {
      await binding.delete(full(key));
    },
    async list(listPrefix) {
      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await binding.list({ prefix: prefix + listPrefix, ...(cursor ? { cursor } : {}) });
        for (const { name } of page.keys) names.push(name.slice(prefix.length));
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor);
      return names;
    },
  };
}
