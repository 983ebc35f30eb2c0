// What users bundle: each public entry, built from the sources with esbuild as an app would.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

async function bundle(entry: string, platform: 'neutral' | 'node' = 'neutral') {
  const outdir = mkdtempSync(join(tmpdir(), 'nacos-edge-bundle-'));
  await build({
    entryPoints: { main: resolve(entry) },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform,
    target: 'es2022',
    minify: true,
    outdir,
    logLevel: 'error',
    ...(platform === 'node' ? { packages: 'bundle' as const } : {}),
  });
  const main = readFileSync(join(outdir, 'main.js'), 'utf8');
  const chunks = readdirSync(outdir).filter((f) => f !== 'main.js');
  return { main, gzip: gzipSync(main, { level: 9 }).length, chunks: chunks.map((c) => readFileSync(join(outdir, c), 'utf8')) };
}

describe('bundles', () => {
  it('the core entry, as one file, holds no adapter, no Node built-in and no opt-in feature', async () => {
    // Everything but the v1 facade, which takes ak/sk as options and so brings the signer along.
    const entry = join(mkdtempSync(join(tmpdir(), 'nacos-edge-entry-')), 'entry.ts');
    const names = Object.keys(await import('../../src/index.js')).filter((name) => name !== 'NacosClient');
    writeFileSync(entry, `export { ${names.join(', ')} } from ${JSON.stringify(resolve('src/index.ts'))};`);
    const { main, chunks } = await bundle(entry);
    // No lazy chunks: Workers bundle one file and inline every import(), so a "lazy" feature ships anyway.
    expect(chunks).toEqual([]);
    expect(main).not.toMatch(/from\s*["']node:|require\(["']node:/);
    for (const absent of ['idb-keyval', 'indexedDB', 'expirationTtl', 'YAMLParseError', 'Spas-Signature', 'nacos/serverlist', '@noble/hashes', 'AES-CBC']) expect(main).not.toContain(absent);
  });

  it.each([
    ['nacos-edge/yaml', 'src/yaml.ts', 'YAMLParseError'],
    ['nacos-edge/signing', 'src/signing.ts', 'Spas-Signature'],
    ['nacos-edge/address-server', 'src/address-server.ts', 'nacos/serverlist'],
    ['nacos-edge/noble', 'src/noble.ts', 'digest() was already called'],
    ['nacos-edge/encryption', 'src/encryption.ts', 'AES-CBC'],
  ])('%s brings its feature', async (_name, entry, marker) => {
    const { main } = await bundle(entry);
    expect(main).toContain(marker);
    expect(main).not.toMatch(/["']node:/);
  });

  it.each([
    ['memory', 'src/storage/memory.ts'],
    ['indexeddb', 'src/storage/indexeddb.ts'],
    ['cloudflare-kv', 'src/storage/cloudflare-kv.ts'],
  ])('the %s adapter bundles for any platform without Node built-ins', async (_name, entry) => {
    const { main } = await bundle(entry);
    expect(main).not.toMatch(/["']node:/);
  });

  it('the fs adapter is the only one that uses node:fs', async () => {
    const { main } = await bundle('src/storage/fs.ts', 'node');
    expect(main).toMatch(/node:fs\/promises/);
  });
});
