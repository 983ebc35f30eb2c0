// Builds examples/dashboard with Vite into a temp folder once per test file, and measures what the browser loads:
// the initial JS+CSS (what index.html references) and the lazily loaded editor chunk, raw and gzipped.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface BundleSizes {
  initial: { files: string[]; bytes: number; gzip: number };
  editor: { files: string[]; bytes: number; gzip: number };
  languages: { files: string[]; bytes: number; gzip: number };
  all: { bytes: number; gzip: number };
}

export async function buildDashboardApp(): Promise<{ root: string; sizes: BundleSizes }> {
  const root = mkdtempSync(join(tmpdir(), 'nacos-dashboard-'));
  const { build } = await import('vite');
  await build({ configFile: resolve('examples/dashboard/vite.config.ts'), logLevel: 'warn', build: { outDir: root, emptyOutDir: true } });
  return { root, sizes: measure(root) };
}

function measure(root: string): BundleSizes {
  const html = readFileSync(join(root, 'index.html'), 'utf8');
  const referenced = new Set([...html.matchAll(/(?:src|href)="\/?(assets\/[^"]+)"/g)].map((m) => m[1]!));
  const assets = readdirSync(join(root, 'assets')).map((f) => `assets/${f}`);
  const size = (files: string[]) => {
    let bytes = 0;
    let gzip = 0;
    for (const f of files) {
      const body = readFileSync(join(root, f));
      bytes += statSync(join(root, f)).size;
      gzip += gzipSync(body, { level: 9 }).length;
    }
    return { files, bytes, gzip };
  };
  const initial = size([...referenced]);
  const editor = size(assets.filter((f) => /\/codemirror-/.test(f)));
  const languages = size(assets.filter((f) => !referenced.has(f) && !/\/codemirror-/.test(f)));
  const all = size(assets);
  return { initial, editor, languages, all: { bytes: all.bytes, gzip: all.gzip } };
}
