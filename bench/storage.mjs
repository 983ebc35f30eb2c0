#!/usr/bin/env node
// Storage figures: gzip size of each entry bundled alone (esbuild, minified, neutral platform), and the
// time of one snapshot read per adapter in Node (memory, fs, IndexedDB via fake-indexeddb). Not part of npm test.
import 'fake-indexeddb/auto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const entries = {
  'nacos-edge (core, config + naming)': 'src/index.ts',
  'nacos-edge/storage/memory': 'src/storage/memory.ts',
  'nacos-edge/storage/fs': 'src/storage/fs.ts',
  'nacos-edge/storage/indexeddb': 'src/storage/indexeddb.ts',
  'nacos-edge/storage/cloudflare-kv': 'src/storage/cloudflare-kv.ts',
};
for (const [name, entry] of Object.entries(entries)) {
  const outdir = mkdtempSync(join(tmpdir(), 'nacos-edge-size-'));
  await build({ entryPoints: { main: entry }, bundle: true, splitting: true, format: 'esm', platform: name.endsWith('/fs') ? 'node' : 'neutral', target: 'es2022', minify: true, outdir, logLevel: 'error' });
  const code = readFileSync(join(outdir, 'main.js'));
  console.log(`${name}: ${code.length} B min, ${gzipSync(code, { level: 9 }).length} B gzip`);
}

const { storageKey } = await import('../dist/storage/port.js');
const { encodeConfigSnapshot, decodeConfigSnapshot } = await import('../dist/storage/records.js');
const { configMd5 } = await import('../dist/util/md5.js');
const adapters = {
  memory: (await import('../dist/storage/memory.js')).createStorage(),
  fs: (await import('../dist/storage/fs.js')).createStorage({ dir: mkdtempSync(join(tmpdir(), 'nacos-edge-read-')) }),
  'indexeddb (fake-indexeddb)': (await import('../dist/storage/indexeddb.js')).createStorage({ name: 'bench' }),
};
const key = storageKey('snapshot', 'config', '', 'DEFAULT_GROUP', 'bench.properties');
const content = 'k=v\n'.repeat(256);
const value = encodeConfigSnapshot(content, configMd5(content), 'properties');
for (const [name, storage] of Object.entries(adapters)) {
  await storage.set(key, value);
  const samples = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = performance.now();
    await decodeConfigSnapshot(await storage.get(key));
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  console.log(`snapshot read (1 KiB config, get + md5 check), ${name}: median ${(samples[1000] * 1000).toFixed(0)} µs, p99 ${(samples[1980] * 1000).toFixed(0)} µs`);
}
