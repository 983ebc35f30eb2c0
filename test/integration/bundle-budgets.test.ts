// Bundle budgets: each public entry, bundled from dist/ with esbuild the way an app would (minified,
// neutral platform, code splitting), must stay under its gzip ceiling and must not contain what does
// not belong there. A legitimate increase raises the ceiling here, in the same commit, with the reason.
//
// What counts is everything the entry loads before its first call can run: the entry chunk plus every
// chunk it imports statically, each gzipped on its own (as a browser fetches them) and summed. Chunks
// behind a dynamic import() load only when their feature is used (token login and signing, address-server
// discovery, typed configs, writes, the 3.2+ API, MD5 for snapshot checks, YAML) and are not counted.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadedSize } from '../../scripts/bundle-size.mjs';

// Ceilings in bytes (gzip -9). The config-only core misses the 15 kB target at ~16.9 kB in 4 files: zod/mini is
// ~6.3 kB of it and our code ~9.3 kB (gzipped as one file), plus per-file gzip overhead. Until this was fixed
// the test counted the entry chunk alone, leaving out the statically imported chunks (MD5 among them): the
// honest figure was ~21 kB. Loading login/signing, discovery, typed configs, writes, the 3.2+ API and MD5 on
// demand, checks as z.refine, and one door into the core for on-demand chunks (src/on-demand.ts) took it to
// 16.3 kB; bundling dist/ (scripts/build.mjs, for a 60–100 ms faster Node import) costs 0.4 kB of that back.
// Read-your-writes (src/util/own-writes.ts: the official servers apply writes ~90 ms / ~600 ms late, so a client
// would not see its own publish or registration) serialised listener reads, reading back own writes, and re-asking a read the server answers 409 add ~0.6 kB,
// ~0.7 kB with naming. The transport as a pipeline with answers classified in one place (no answer of another
// service taken for Nacos's, probes cached only on definitive answers, logins again only for refused tokens) and
// shared work raced per caller: ~0.55 kB; one delivery helper (latest-value mailboxes) and beats settled before a
// deregistration: ~0.15 kB, ~0.35 kB with naming.
const BUDGETS = {
  'config only: NacosConfigService + ClientConfigBuilder': { code: "export { NacosConfigService, ClientConfigBuilder } from 'nacos-edge';", gzip: 18_500 },
  'core + naming: + NacosNamingService': { code: "export { NacosConfigService, NacosNamingService, ClientConfigBuilder } from 'nacos-edge';", gzip: 25_600 },
  'v1 facade: NacosClient': { code: "export { NacosClient } from 'nacos-edge';", gzip: 27_300 },
  'nacos-edge/storage/memory': { code: "export { createStorage } from 'nacos-edge/storage/memory';", gzip: 300 },
  'nacos-edge/storage/indexeddb': { code: "export { createStorage } from 'nacos-edge/storage/indexeddb';", gzip: 900 },
  'nacos-edge/storage/cloudflare-kv': { code: "export { createStorage } from 'nacos-edge/storage/cloudflare-kv';", gzip: 3_600 },
} as const;

const MUST_NOT_APPEAR_IN_CORE = [/from\s*["']node:/, /idb-keyval/, /indexedDB/, /@grpc\//, /@connectrpc\//, /YAMLParseError/];
/** What loads on demand: login and signing, address-server discovery, the 3.2+ admin API, typed-config parsing. */
const ON_DEMAND_ONLY = [/Spas-Signature/, /\/v1\/auth\/login/, /nacos\/serverlist/, /\/v3\/admin\/cs\/config/, /must not be blank/, /parseProperties|does not match the schema/];

beforeAll(() => {
  if (!existsSync(resolve('dist/index.js'))) execSync('npm run build', { stdio: 'ignore' });
});

const ALIAS = {
  'nacos-edge/storage/memory': resolve('dist/storage/memory.js'),
  'nacos-edge/storage/indexeddb': resolve('dist/storage/indexeddb.js'),
  'nacos-edge/storage/cloudflare-kv': resolve('dist/storage/cloudflare-kv.js'),
  'nacos-edge': resolve('dist/index.js'),
};
const bundle = (code: string) => loadedSize(code, { alias: ALIAS });

describe('bundle budgets (from dist/)', () => {
  for (const [name, { code, gzip }] of Object.entries(BUDGETS)) {
    it(`${name} ≤ ${gzip} B gzip`, async () => {
      const result = await bundle(code);
      if (process.env.PRINT_SIZES) console.log(`SIZE ${name}: ${result.gzipBytes} B gzip in ${result.files} file(s)`);
      expect(result.gzipBytes).toBeLessThanOrEqual(gzip);
      if (!name.startsWith('nacos-edge/storage/indexeddb')) expect(result.code).not.toContain('idb-keyval');
      expect(result.code).not.toMatch(/from\s*["']node:/);
    });
  }

  it('the core bundles carry none of the must-not-appear list', async () => {
    for (const key of ['config only: NacosConfigService + ClientConfigBuilder', 'core + naming: + NacosNamingService'] as const) {
      const { code } = await bundle(BUDGETS[key].code);
      for (const pattern of MUST_NOT_APPEAR_IN_CORE) expect(code).not.toMatch(pattern);
    }
  });

  it('the config-only core loads login, signing, discovery, writes, the 3.2+ API and typed parsing on demand', async () => {
    const { code } = await bundle(BUDGETS['config only: NacosConfigService + ClientConfigBuilder'].code);
    for (const pattern of ON_DEMAND_ONLY) expect(code).not.toMatch(pattern);
  });
});
