// Bundle sizes as users ship them, shared by the bundle-budget test and `npm run bench`:
// - singleFileSize: one file, as wrangler builds a Worker (esbuild, neutral platform, workerd conditions, minified,
//   every import inlined), gzip -9. What a Worker uploads and what a single-file app ships.
// - loadedSize: what a code-splitting bundler loads first (a browser app): the entry chunk plus every chunk it imports
//   statically, each gzipped on its own (as a browser fetches them) and summed.
// - contributors: which modules a single-file bundle is made of, largest first, to name what to cut when over budget.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/**
 * @param {string} code the entry module, e.g. `export { NacosConfigService } from 'nacos-edge';`
 * @param {{ platform?: 'neutral' | 'node' | 'browser', resolveDir?: string, alias?: Record<string, string>, external?: string[] }} [options]
 * @returns {Promise<{ code: string, minBytes: number, gzipBytes: number, files: number }>}
 */
export async function loadedSize(code, options = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'nacos-edge-size-'));
  const entry = join(options.resolveDir ?? dir, `entry-${process.pid}-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(entry, code);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: options.platform ?? 'neutral',
    target: 'es2022',
    minify: true,
    outdir: join(dir, 'out'),
    metafile: true,
    logLevel: 'error',
    alias: options.alias ?? {},
    external: options.external ?? [],
  }).finally(() => rmSync(entry, { force: true }));
  const outputs = result.metafile.outputs;
  const main = Object.keys(outputs).find((path) => outputs[path].entryPoint !== undefined && resolve(outputs[path].entryPoint) === entry);
  if (!main) throw new Error('esbuild produced no chunk for the entry');
  const loaded = new Set();
  const visit = (path) => {
    if (loaded.has(path)) return;
    loaded.add(path);
    for (const imported of outputs[path].imports) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
  };
  visit(main);
  const files = [...loaded].map((path) => readFileSync(resolve(path)));
  return {
    code: files.map((file) => file.toString('utf8')).join('\n'),
    minBytes: files.reduce((sum, file) => sum + file.length, 0),
    gzipBytes: files.reduce((sum, file) => sum + gzipSync(file, { level: 9 }).length, 0),
    files: files.length,
  };
}

/** The conditions and fields wrangler's esbuild resolves packages with for workerd. */
const WORKER_RESOLVE = { platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['browser', 'module', 'main'] };

async function singleFile(code, options) {
  const dir = mkdtempSync(join(tmpdir(), 'nacos-edge-size-'));
  const entry = join(options.resolveDir ?? dir, `entry-${process.pid}-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(entry, code);
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      ...WORKER_RESOLVE,
      target: 'es2022',
      minify: true,
      write: false,
      metafile: true,
      outfile: join(dir, 'out.js'),
      logLevel: 'error',
      alias: options.alias ?? {},
      external: options.external ?? [],
    });
    return result;
  } finally {
    rmSync(entry, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One file, as wrangler bundles a Worker.
 * @param {string} code the entry module
 * @param {{ resolveDir?: string, alias?: Record<string, string>, external?: string[] }} [options]
 * @returns {Promise<{ code: string, minBytes: number, gzipBytes: number }>}
 */
export async function singleFileSize(code, options = {}) {
  const result = await singleFile(code, options);
  const bytes = result.outputFiles[0].contents;
  return { code: Buffer.from(bytes).toString('utf8'), minBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
}

/**
 * The modules of a single-file bundle with their minified bytes, largest first; node_modules grouped by package.
 * Bundle from the sources (alias the package to src/) to see our modules rather than dist's chunks.
 * @param {string} code the entry module
 * @param {{ resolveDir?: string, alias?: Record<string, string>, external?: string[] }} [options]
 * @returns {Promise<{ module: string, minBytes: number }[]>}
 */
export async function contributors(code, options = {}) {
  const result = await singleFile(code, options);
  const inputs = Object.values(result.metafile.outputs)[0].inputs;
  const byModule = new Map();
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const name = inPackage ? inPackage[1] : relative(process.cwd(), resolve(path));
    byModule.set(name, (byModule.get(name) ?? 0) + bytesInOutput);
  }
  return [...byModule].map(([module, minBytes]) => ({ module, minBytes })).filter((c) => c.minBytes > 0).sort((a, b) => b.minBytes - a.minBytes);
}
