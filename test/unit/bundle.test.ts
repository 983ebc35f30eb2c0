// What users bundle: each public entry, built from the sources with esbuild as an app would.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
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
  it('the core entry pulls in no adapter, no Node built-in, and YAML only as a lazy chunk', async () => {
    const { main, chunks } = await bundle('src/index.ts');
    expect(main).not.toMatch(/from\s*["']node:|require\(["']node:/);
    expect(main).not.toContain('idb-keyval');
    expect(main).not.toContain('indexedDB');
    expect(main).not.toContain('expirationTtl');
    // The YAML parser lives in a separate chunk, loaded only when a YAML config is parsed.
    expect(main).not.toContain('YAMLParseError');
    expect(chunks.some((c) => c.includes('YAMLParseError'))).toBe(true);
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
