// Bundle budgets: each public entry, bundled from dist/ with esbuild the way an app would (minified,
// neutral platform, code splitting), must stay under its gzip ceiling and must not contain what does
// not belong there. A legitimate increase raises the ceiling here, in the same commit, with the reason.
import { execSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

// Ceilings in bytes (gzip -9). The config-only core misses the 15 kB target: of its ~19 kB, zod/mini is
// ~7 kB, @noble/hashes md5 ~2 kB and our own code ~10 kB. Dropping ky (for speed: bench/results) took it
// from 23.5 kB; these ceilings hold the line while the rest is worked on.
const BUDGETS = {
  'config only: NacosConfigService + ClientConfigBuilder': { code: "export { NacosConfigService, ClientConfigBuilder } from 'nacos-edge';", gzip: 19_500 },
  'core + naming: + NacosNamingService': { code: "export { NacosConfigService, NacosNamingService, ClientConfigBuilder } from 'nacos-edge';", gzip: 25_500 },
  'v1 facade: NacosClient': { code: "export { NacosClient } from 'nacos-edge';", gzip: 27_200 },
  'nacos-edge/storage/memory': { code: "export { createStorage } from 'nacos-edge/storage/memory';", gzip: 300 },
  'nacos-edge/storage/indexeddb': { code: "export { createStorage } from 'nacos-edge/storage/indexeddb';", gzip: 900 },
  'nacos-edge/storage/cloudflare-kv': { code: "export { createStorage } from 'nacos-edge/storage/cloudflare-kv';", gzip: 3_600 },
} as const;

const MUST_NOT_APPEAR_IN_CORE = [/from\s*["']node:/, /idb-keyval/, /indexedDB/, /@grpc\//, /@connectrpc\//, /YAMLParseError/];

beforeAll(() => {
  if (!existsSync(resolve('dist/index.js'))) execSync('npm run build', { stdio: 'ignore' });
});

async function bundle(code: string) {
  const dir = mkdtempSync(join(tmpdir(), 'nacos-edge-budget-'));
  writeFileSync(join(dir, 'entry.js'), code);
  const outdir = join(dir, 'out');
  await build({
    entryPoints: { main: join(dir, 'entry.js') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    minify: true,
    outdir,
    logLevel: 'error',
    alias: {
      'nacos-edge/storage/memory': resolve('dist/storage/memory.js'),
      'nacos-edge/storage/indexeddb': resolve('dist/storage/indexeddb.js'),
      'nacos-edge/storage/cloudflare-kv': resolve('dist/storage/cloudflare-kv.js'),
      'nacos-edge': resolve('dist/index.js'),
    },
  });
  const main = readFileSync(join(outdir, 'main.js'));
  return { main: main.toString('utf8'), gzip: gzipSync(main, { level: 9 }).length, chunks: readdirSync(outdir).length - 1 };
}

describe('bundle budgets (from dist/)', () => {
  for (const [name, { code, gzip }] of Object.entries(BUDGETS)) {
    it(`${name} ≤ ${gzip} B gzip`, async () => {
      const result = await bundle(code);
      expect(result.gzip).toBeLessThanOrEqual(gzip);
      if (!name.startsWith('nacos-edge/storage/indexeddb')) expect(result.main).not.toContain('idb-keyval');
      expect(result.main).not.toMatch(/from\s*["']node:/);
    });
  }

  it('the core bundles carry none of the must-not-appear list', async () => {
    for (const key of ['config only: NacosConfigService + ClientConfigBuilder', 'core + naming: + NacosNamingService'] as const) {
      const { main } = await bundle(BUDGETS[key].code);
      for (const pattern of MUST_NOT_APPEAR_IN_CORE) expect(main).not.toMatch(pattern);
    }
  });
});
