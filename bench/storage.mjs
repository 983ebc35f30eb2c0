#!/usr/bin/env node
// Storage figures: gzip size of each entry bundled alone (esbuild, minified, neutral platform), and the
// time of one snapshot read per adapter in Node (memory, fs, IndexedDB via fake-indexeddb). Not part of npm test.
import 'fake-indexeddb/auto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { loadedSize } from '../scripts/bundle-size.mjs';

// Sizes of the public entries from dist/ as an app loads them (scripts/bundle-size.mjs).
const dist = (path) => JSON.stringify(resolve('dist', path));
const entries = {
  'nacos-edge (NacosConfigService + NacosNamingService)': [`export { NacosConfigService, NacosNamingService } from ${dist('index.js')};`, 'neutral'],
  'nacos-edge/storage/memory': [`export { createStorage } from ${dist('storage/memory.js')};`, 'neutral'],
  'nacos-edge/storage/fs': [`export { createStorage } from ${dist('storage/fs.js')};`, 'node'],
  'nacos-edge/storage/indexeddb': [`export { createStorage } from ${dist('storage/indexeddb.js')};`, 'neutral'],
  'nacos-edge/storage/cloudflare-kv': [`export { createStorage } from ${dist('storage/cloudflare-kv.js')};`, 'neutral'],
};
for (const [name, [code, platform]] of Object.entries(entries)) {
  const { minBytes, gzipBytes, files } = await loadedSize(code, { platform });
  console.log(`${name}: ${minBytes} B min, ${gzipBytes} B gzip in ${files} file(s)`);
}

// The snapshot codec is internal (dist/ bundles it away), so it is built from src/ for the read timing.
const codec = join(mkdtempSync(join(tmpdir(), 'nacos-edge-codec-')), 'codec.mjs');
await build({ stdin: { contents: "export * from './src/storage/records.ts'; export { storageKey } from './src/storage/port.ts'; export { configMd5 } from './src/util/md5.ts';", resolveDir: resolve('.'), loader: 'ts' }, bundle: true, format: 'esm', platform: 'neutral', mainFields: ['module', 'main'], outfile: codec, logLevel: 'error' });
const { storageKey, encodeConfigSnapshot, decodeConfigSnapshot, configMd5 } = await import(pathToFileURL(codec).href);
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
