/**
 * The storage conformance suite: every adapter runs it (memory, fs, IndexedDB in Node and in Chromium,
 * Cloudflare KV in workerd). Runner-agnostic apart from vitest's describe/it/expect.
 */
import { describe, expect, it } from 'vitest';
import type { StoragePort } from '../../src/storage/port.js';
import { storageKey } from '../../src/storage/port.js';

export const HOSTILE_SEGMENTS = ['..', '.', '../../etc/passwd', 'a/b', 'a\\b', 'nul\0byte', '%2F', '_', '', 'CON', 'Aa', 'aA', 'x'.repeat(300), '中文', 'é', 'e\u0301', '~tilde', '^caret'];

/** Runs the suite against a fresh adapter from `make` for each test. */
export function testStorageAdapter(name: string, make: () => StoragePort | Promise<StoragePort>): void {
  describe(`storage conformance: ${name}`, () => {
    it('reads undefined for a missing key, then what was set, then the overwrite', async () => {
      const s = await make();
      const key = storageKey('snapshot', 'config', '', 'G', 'missing');
      expect(await s.get(key)).toBeUndefined();
      await s.set(key, 'one');
      expect(await s.get(key)).toBe('one');
      await s.set(key, 'two');
      expect(await s.get(key)).toBe('two');
    });

    it('deletes, and deleting a missing key is fine', async () => {
      const s = await make();
      const key = storageKey('snapshot', 'config', '', 'G', 'del');
      await s.set(key, 'x');
      await s.delete(key);
      expect(await s.get(key)).toBeUndefined();
      await s.delete(key);
    });

    it('lists by prefix, exactly', async () => {
      const s = await make();
      const a = storageKey('snapshot', 'config', 'ns', 'G', 'a');
      const b = storageKey('snapshot', 'config', 'ns', 'G', 'b');
      const other = storageKey('failover', 'config', 'ns', 'G', 'a');
      for (const k of [a, b, other]) await s.set(k, k);
      expect((await s.list('snapshot/')).sort()).toEqual([a, b].sort());
      expect(await s.list('failover/')).toEqual([other]);
      expect(await s.list('nothing/')).toEqual([]);
    });

    it('keeps hostile keys apart and gets each back exactly', async () => {
      const s = await make();
      const keys = HOSTILE_SEGMENTS.map((seg, i) => storageKey('snapshot', 'config', seg, seg, `${i}`));
      for (const [i, k] of keys.entries()) await s.set(k, `value-${i}`);
      for (const [i, k] of keys.entries()) expect(await s.get(k)).toBe(`value-${i}`);
      expect((await s.list('snapshot/')).sort()).toEqual([...keys].sort());
    });

    it('round-trips Unicode and a 1 MiB value', async () => {
      const s = await make();
      const key = storageKey('snapshot', 'config', '', 'G', 'big');
      const value = `中文 é \u0000 ${'x'.repeat(1024 * 1024)}`;
      await s.set(key, value);
      expect(await s.get(key)).toBe(value);
    });

    it('concurrent writes to one key leave one whole value', async () => {
      const s = await make();
      const key = storageKey('snapshot', 'config', '', 'G', 'race');
      const values = Array.from({ length: 20 }, (_, i) => `${i}:${String(i).repeat(5000)}`);
      await Promise.all(values.map((v) => s.set(key, v)));
      expect(values).toContain(await s.get(key));
    });
  });
}
