#!/usr/bin/env node
// Builds dist/: declaration files with tsc, JavaScript with esbuild. Every public entry is one ESM file,
// with shared chunks next to it (dist/chunks/), and zod/mini tree-shaken into it: imported
// unbundled, zod/mini loads 100+ files (every locale) and took 60–100 ms of a Node cold start.
// zod stays a dependency because the declaration files name its types.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = resolve(root, 'node_modules', 'typescript', 'bin', 'tsc');

rmSync(resolve(root, 'dist'), { recursive: true, force: true });
for (const project of ['tsconfig.build.json', 'tsconfig.node.json']) {
  execFileSync(process.execPath, [tsc, '-p', project, '--emitDeclarationOnly'], { cwd: root, stdio: 'inherit' });
}

// One build for all entries, so the modules they share (the error classes among them) exist once. Besides
// the public entries, each area (config, naming, the v1 facade, diagnostics) is an entry of its own, so its
// code lands in chunks of its own: an app's bundler then drops a whole area it does not use. Inside one
// chunk it could not, because module-level schema constructions read as side effects.
const PUBLIC = ['src/index.ts', 'src/yaml.ts', 'src/properties.ts', 'src/noble.ts', 'src/signing.ts', 'src/address-server.ts', 'src/encryption.ts', 'src/kms.ts', 'src/tls.ts', 'src/storage/memory.ts', 'src/storage/fs.ts', 'src/storage/indexeddb.ts', 'src/storage/cloudflare-kv.ts', 'src/grpc/index.ts', 'src/grpc-web/index.ts', 'src/bridge/index.ts', 'src/cli/index.ts'];
const AREAS = ['src/config/config-reader.ts', 'src/config/config-watcher.ts', 'src/config/config-service.ts', 'src/naming/naming-service.ts', 'src/compat/nacos-client.ts', 'src/diagnostics.ts'];
// zod/mini gets a chunk of its own, which imports nothing, so an app's bundler places it ahead of our code instead of
// in the middle of it. Before, zod shared a chunk with validation.ts, and that chunk's imports (errors, md5, classify)
// came first. With zod's 17 kB ahead of our modules, they stay within gzip's 32 kB window of each other: a listening
// Worker is 104 B smaller, and 90 B smaller with naming (test/unit/bundle-budgets.test.ts). esbuild splits chunks per
// file and tree-shakes per statement, so the chunk holds exactly what our modules use; an entry that reaches zod's files
// is what sets them apart, so this one re-exports a single function. Nothing imports it, so it is removed after the build.
const ZOD_CHUNK = 'zod-chunk';
const ZOD_ENTRY = resolve(root, 'dist', 'chunks', `${ZOD_CHUNK}.js`);
const zodChunk = {
  name: ZOD_CHUNK,
  setup(build) {
    build.onResolve({ filter: new RegExp(`^${ZOD_CHUNK}$`) }, () => ({ path: ZOD_CHUNK, namespace: ZOD_CHUNK }));
    build.onLoad({ filter: /.*/, namespace: ZOD_CHUNK }, () => ({ contents: "export { string } from 'zod/mini';", resolveDir: root }));
  },
};
// nacos-edge/admin and nacos-edge/dashboard(/node) share modules with the core, but alone they reach only part of the
// modules the core areas share: esbuild would cut their common chunks in two at that line (one chunk per set of entries
// that reach a module), and each extra chunk boundary costs a single-file Worker bundle ~100 B of gzip
// (test/unit/bundle-budgets.test.ts). So these entries are built from stand-ins that also reach the snapshot records
// (which pull in the rest of the shared modules), keeping the chunks as they were; the anchoring export is removed
// from their output after the build.
const ANCHORED = { admin: 'src/admin.ts', dashboard: 'src/dashboard.ts', 'dashboard/node': 'src/dashboard/node.ts' };
const ANCHOR = '__chunkAnchor';
const anchored = {
  name: 'anchored-entries',
  setup(build) {
    build.onResolve({ filter: /^anchored:/ }, (args) => ({ path: args.path.slice('anchored:'.length), namespace: 'anchored' }));
    build.onLoad({ filter: /.*/, namespace: 'anchored' }, (args) => ({
      contents: `export * from './${ANCHORED[args.path]}';\nexport { NacosConfigReader as ${ANCHOR} } from './src/config/config-reader.ts';`,
      resolveDir: root,
      loader: 'ts',
    }));
  },
};
await build({
  absWorkingDir: root,
  entryPoints: [...PUBLIC, ...AREAS, ...Object.keys(ANCHORED).map((out) => ({ in: `anchored:${out}`, out })), { in: ZOD_CHUNK, out: `chunks/${ZOD_CHUNK}` }],
  plugins: [zodChunk, anchored],
  outbase: 'src',
  outdir: 'dist',
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  conditions: ['import'],
  target: 'es2022',
  // Runtime dependencies stay imports: each is for one opt-in entry (noble), one adapter or the CLI. `yaml` is bundled
  // into nacos-edge/yaml, in its browser build (the neutral platform picks it): its Node build reads process.env on
  // every parse, which Deno refuses without --allow-env. It stays a dependency for those who use the sources (JSR).
  external: ['node:*', '@noble/hashes', '@noble/hashes/*', '@noble/ciphers', '@noble/ciphers/*', 'idb-keyval', 'commander'],
  logLevel: 'warning',
});
rmSync(ZOD_ENTRY);
// The anchor's export and its import: these entries must not load the config reader at all.
const anchorExport = new RegExp(`\\s*NacosConfigReader as ${ANCHOR},?|,\\s*NacosConfigReader as ${ANCHOR}`);
const anchorImport = /import \{\s*NacosConfigReader\s*\} from "[^"]+";\n/;
for (const out of Object.keys(ANCHORED)) {
  const file = resolve(root, 'dist', `${out}.js`);
  const js = readFileSync(file, 'utf8');
  if (!anchorExport.test(js) || !anchorImport.test(js)) throw new Error(`build: dist/${out}.js lacks the ${ANCHOR} export or import to remove (did esbuild change its output?)`);
  writeFileSync(file, js.replace(anchorExport, '').replace(anchorImport, ''));
}

// The admin dashboard's files (a Vite build of examples/dashboard), which `nacos-edge dashboard` and
// nacos-edge/dashboard/node serve: dist/dashboard-app (dist/dashboard holds the nacos-edge/dashboard/node module).
await (await import('./build-dashboard.mjs')).buildDashboard();

// The licences of what is bundled into dist/ (zod's part, yaml), as their licences ask.
const BUNDLED = ['zod', 'yaml'];
writeFileSync(
  resolve(root, 'dist', 'THIRD_PARTY_LICENSES.md'),
  `# Bundled third-party code\n\ndist/ contains code of these packages, under their licences:\n\n${BUNDLED.map((name) => {
    const { version, license } = JSON.parse(readFileSync(resolve(root, 'node_modules', name, 'package.json'), 'utf8'));
    return `## ${name} ${version} (${license})\n\n${readFileSync(resolve(root, 'node_modules', name, 'LICENSE'), 'utf8').trim()}\n`;
  }).join('\n')}`,
);
