import type { StoragePort } from './port.js';

/**
 * In-memory storage: the default everywhere. Snapshots live as long as the process or isolate.
 *
 * @example
 * import { createStorage } from 'nacos-edge/storage/memory';
 * const storage = createStorage();
 */
export function createStorage(): StoragePort {
  const map = new Map<string, string>();
  return {
    get: async (key) => map.get(key),
    set: async (key, value) => {
      map.set(key, value);
    },
    delete: async (key) => {
      map.delete(key);
    },
    list: async (prefix) => [...map.keys()].filter((k) => k.startsWith(prefix)),
  };
}
