/**
 * File-system storage for Node, Deno and Bun (through `node:fs/promises`): one file per key under
 * `dir` (default `~/nacos/cache`, as in the seed SDK).
 *
 * - Writes are atomic: a temp file in the same folder, then a rename, so a crash never leaves a
 *   half-written entry behind.
 * - Key segments are already percent-encoded by the core ({@link storageKey}); this adapter also maps
 *   upper-case letters and Windows device names so that case-insensitive file systems cannot merge two
 *   keys, and splits very long segments into nested folders so no file name exceeds 200 bytes. The
 *   mapping is reversible, so `list()` returns the exact keys. No key can name a path outside `dir`.
 *
 * @module
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { NacosValidationError } from '../errors.js';
import type { StoragePort } from './port.js';

/** Options of the fs adapter. */
export interface FsStorageOptions {
  /** Folder for the entries; created on first write. Default `~/nacos/cache`. */
  dir?: string;
}

const MAX_NAME = 200;
const DEVICE_NAME = /^(con|prn|aux|nul|com\d|lpt\d)$/i;
// What the core's key encoding can produce: ASCII letters, digits, `%`, `-`, and `_` (the empty segment).
const SEGMENT = /^[A-Za-z0-9%_-]+$/;

function toFileNames(segment: string): string[] {
  if (!SEGMENT.test(segment)) {
    throw new NacosValidationError([{ path: 'key', message: `storage key segment ${JSON.stringify(segment)} was not built by storageKey()` }]);
  }
  // `^` and `~` never occur in an encoded segment, so they are free to mark the mapping.
  let name = segment.replace(/[A-Z]/g, (c) => `^${c.toLowerCase()}`);
  if (DEVICE_NAME.test(name)) name = `^_${name}`;
  const parts: string[] = [];
  while (name.length > MAX_NAME) {
    parts.push(`${name.slice(0, MAX_NAME)}~`);
    name = name.slice(MAX_NAME);
  }
  parts.push(name);
  return parts;
}

function fromFileNames(parts: readonly string[]): string {
  const name = parts.map((p) => (p.endsWith('~') ? p.slice(0, -1) : p)).join('');
  return name.replace(/^\^_/, '').replace(/\^([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Creates the fs storage.
 *
 * @example
 * import { createStorage } from 'nacos-edge/storage/fs';
 * new ClientConfigBuilder().serverAddress('127.0.0.1:8848').storage(createStorage({ dir: '/var/cache/nacos' }));
 */
export function createStorage(options: FsStorageOptions = {}): StoragePort {
  const root = resolve(options.dir ?? join(homedir(), 'nacos', 'cache'));

  const pathOf = (key: string): string => {
    const names = key.split('/').flatMap(toFileNames);
    const path = resolve(root, ...names);
    // Defence in depth: the mapping above cannot produce `..` or a separator, and this proves it.
    if (!path.startsWith(root + sep)) throw new NacosValidationError([{ path: 'key', message: 'storage key escapes the cache folder' }]);
    return path;
  };

  return {
    async get(key) {
      try {
        return await readFile(pathOf(key), 'utf8');
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
        throw error;
      }
    },
    async set(key, value) {
      const path = pathOf(key);
      const folder = resolve(path, '..');
      await mkdir(folder, { recursive: true });
      const temp = `${path}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;
      try {
        await writeFile(temp, value, 'utf8');
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async list(prefix) {
      const keys: string[] = [];
      const walk = async (folder: string, segments: string[], pending: string[]): Promise<void> => {
        let entries;
        try {
          entries = await readdir(folder, { withFileTypes: true });
        } catch (error) {
          if ((error as { code?: string }).code === 'ENOENT') return;
          throw error;
        }
        for (const entry of entries) {
          if (entry.name.endsWith('.tmp')) continue;
          if (entry.isDirectory()) {
            // A name ending in `~` is the first part of a long segment; the rest follows below it.
            if (entry.name.endsWith('~')) await walk(join(folder, entry.name), segments, [...pending, entry.name]);
            else await walk(join(folder, entry.name), [...segments, fromFileNames([...pending, entry.name])], []);
          } else if (entry.isFile()) {
            const key = [...segments, fromFileNames([...pending, entry.name])].join('/');
            if (key.startsWith(prefix)) keys.push(key);
          }
        }
      };
      await walk(root, [], []);
      return keys;
    },
  };
}
