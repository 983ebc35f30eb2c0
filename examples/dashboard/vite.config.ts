// The admin dashboard: a Vite single-page app. `nacos-edge` and `nacos-edge/admin` resolve to the sources, so the
// bundle always holds the client this checkout has (the published package builds it the same way).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  resolve: {
    alias: [
      { find: /^nacos-edge\/admin$/, replacement: here('../../src/admin.ts') },
      { find: /^nacos-edge$/, replacement: here('../../src/index.ts') },
    ],
  },
  // Preact's automatic JSX runtime, compiled by Vite's own transformer (no framework plugin needed).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: process.env.DASHBOARD_OUT_DIR ?? here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    // The editor chunk is loaded on first use; no need to preload it with the shell.
    modulePreload: { resolveDependencies: (_file, deps, { hostType }) => (hostType === 'html' ? deps.filter((d) => !/codemirror|lang-|legacy|merge/.test(d)) : deps) },
  },
});
