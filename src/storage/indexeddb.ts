/**
 * IndexedDB storage for browsers, through `idb-keyval`. Each adapter uses its own database and object
 * store (`nacos-edge:<name>`), so two apps, or two clients with different names, never see each
 * other's entries. Works in Node with `fake-indexeddb` for tests.
 *
 * @module
 */
import { clear, createStore, del, get, keys, set, type UseStore } from 'idb-keyval';
import type { StoragePort } from './port.js';

/** Options of the IndexedDB adapter. */
export interface IndexedDbStorageOptions {
  /** Store name; one database per name. Default `default`. Use one per client namespace. */
  name?: string;
}

/** The adapter, plus `clear()` for tests and "forget everything" buttons. */
export interface IndexedDbStorage extends StoragePort {
  clear(): Promise<void>;
}

/**
 * Creates the IndexedDB storage. Nothing is opened until the first call.
 *
 * @example
 * import { createStorage } from 'nacos-edge/storage/indexeddb';
 * new ClientConfigBuilder().serverAddress('/nacos-proxy').storage(createStorage({ name: 'dev' }));
 */
export function createStorage(options: IndexedDbStorageOptions = {}): IndexedDbStorage {
  let store: UseStore | undefined;
  const use = () => (store ??= createStore(`nacos-edge:${options.name ?? 'default'}`, 'entries'));
  return {
    get: (key) => get<string>(key, use()),
    set: (key, value) => set(key, value, use()),
    delete: (key) => del(key, use()),
    async list(prefix) {
      return (await keys<IDBValidKey>(use())).filter((k): k is string => typeof k === 'string' && k.startsWith(prefix));
    },
    clear: () => clear(use()),
  };
}
