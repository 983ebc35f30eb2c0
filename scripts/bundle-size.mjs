// Bundle size the way an app loads it: esbuild bundles the entry (minified, code splitting); what counts is
// the entry chunk plus every chunk it imports statically, each gzipped on its own (as a browser fetches
// them) and summed. Chunks behind a dynamic import() load only when their feature is used and are not
// counted. Shared by the bundle-budget test and `npm run bench`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
