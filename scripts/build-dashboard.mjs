#!/usr/bin/env node
// Builds the admin dashboard (examples/dashboard, a Vite app) into dist/dashboard, where `nacos-edge dashboard` finds
// it in the published package. Its own vite.config (aliases, plugins) applies; only where the output goes is set here.
// scripts/build.mjs calls buildDashboard() after it has emptied and filled dist/; run alone: node scripts/build-dashboard.mjs
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Builds the dashboard of `appRoot` (default examples/dashboard) into `outDir` (default dist/dashboard); resolves the
 * output folder. Throws when the app is missing.
 */
export async function buildDashboard({ appRoot = resolve(root, 'examples', 'dashboard'), outDir = resolve(root, 'dist', 'dashboard') } = {}) {
  if (!existsSync(resolve(appRoot, 'index.html'))) throw new Error(`no dashboard to build: ${resolve(appRoot, 'index.html')} is missing`);
  // Loaded here, not at the top: a build without the dashboard (or a consumer importing this file) needs no Vite.
  const { build } = await import('vite');
  await build({
    root: appRoot,
    // Absolute paths under the page's origin: the Node server and the Worker serve it at the root.
    base: '/',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, assetsDir: 'assets' },
  });
  if (!existsSync(resolve(outDir, 'index.html'))) throw new Error(`the dashboard build wrote no index.html to ${outDir}`);
  return outDir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = await buildDashboard();
  console.log(`dashboard built into ${out}`);
}
