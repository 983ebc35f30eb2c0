import 'fake-indexeddb/auto';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStorage as createFsStorage } from '../../src/storage/fs.js';
import { createStorage as createIdbStorage } from '../../src/storage/indexeddb.js';
import { createStorage as createMemoryStorage } from '../../src/storage/memory.js';
import { storageKey } from '../../src/storage/port.js';
import { HOSTILE_SEGMENTS, testStorageAdapter } from '../conformance/storage-adapter.js';

testStorageAdapter('memory', () => createMemoryStorage());

let idbCounter = 0;
testStorageAdapter('indexeddb (fake-indexeddb in Node)', () => createIdbStorage({ name: `t${idbCounter++}` }));

const fsDirs: string[] = [];
testStorageAdapter('fs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nacos-edge-fs-'));
  fsDirs.push(dir);
  return createFsStorage({ dir: join(dir, 'cache') });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? [path + '/', ...walk(path)] : [path];
  });
}

describe('fs adapter specifics', () => {
  it('writes nothing outside its folder, whatever the key, and leaves no temp files', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'nacos-edge-fs-'));
    const root = join(parent, 'cache');
    const s = createFsStorage({ dir: root });
    for (const seg of HOSTILE_SEGMENTS) await s.set(storageKey('snapshot', 'config', seg, seg, seg), 'x');
    expect(readdirSync(parent)).toEqual(['cache']);
    for (const path of walk(root)) {
      expect(relative(root, path).startsWith('..')).toBe(false);
      expect(path.endsWith('.tmp')).toBe(false);
      for (const part of relative(root, path).split('/')) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(201);
    }
  });

  it('refuses keys that storageKey() did not build', async () => {
    const s = createFsStorage({ dir: mkdtempSync(join(tmpdir(), 'nacos-edge-fs-')) });
    await expect(s.set('snapshot/../../escape', 'x')).rejects.toThrow(/storageKey/);
    await expect(s.get('a/b\\c')).rejects.toThrow(/storageKey/);
  });

  it('ignores a stray temp file from a crashed write', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nacos-edge-fs-'));
    const s = createFsStorage({ dir: root });
    const key = storageKey('snapshot', 'config', '', 'G', 'k');
    await s.set(key, 'whole');
    const folder = join(root, 'snapshot', 'config', '_', '^g');
    writeFileSync(join(folder, 'k.123.tmp'), 'half');
    expect(await s.get(key)).toBe('whole');
    expect(await s.list('snapshot/')).toEqual([key]);
  });
});

describe('indexeddb adapter specifics', () => {
  it('keeps named stores apart', async () => {
    const a = createIdbStorage({ name: 'app-a' });
    const b = createIdbStorage({ name: 'app-b' });
    const key = storageKey('snapshot', 'config', '', 'G', 'shared');
    await a.set(key, 'a');
    expect(await b.get(key)).toBeUndefined();
    await a.clear();
    expect(await a.get(key)).toBeUndefined();
  });
});
