import { resolve } from 'node:path';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { nacosProxy } from './test/support/nacos-proxy.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const globalSetup = ['./test/integration/global-setup.ts'];
/** Files whose subject does not depend on the server generation (bundles, examples): run against 2.x only. */
const ONCE_ONLY = ['test/integration/workers-example.test.ts', 'test/integration/browser-example.test.ts'];
// Tests and examples import the package by name; point that at the sources.
const alias = [
  { find: /^nacos-edge\/(.*)$/, replacement: resolve('src/$1.ts') },
  { find: /^nacos-edge$/, replacement: resolve('src/index.ts') },
];

/** The integration project of one generation: `integration-v2` against Nacos 2.5.1, `integration-v3` against the 3.2 surface. */
function integrationProject(name: 'v2' | 'v3', exclude: string[]): TestProjectInlineConfiguration {
  return {
    resolve: { alias },
    test: {
      name: `integration-${name}`,
      include: ['test/integration/**/*.test.ts'],
      exclude,
      environment: 'node',
      globalSetup,
      // One set of real servers per generation is shared by every file; files must not step on each other's keys,
      // and some files restart servers of their own, so integration files run one at a time.
      fileParallelism: false,
      testTimeout: 60_000,
      hookTimeout: 180_000,
    },
  };
}

/** The fault suite or the soak: both against the official cluster that test/chaos/global-setup.ts starts. */
function chaosProject(name: 'chaos' | 'soak', include: string): TestProjectInlineConfiguration {
  return {
    resolve: { alias },
    test: {
      name,
      include: [include],
      environment: 'node',
      globalSetup: ['./test/chaos/global-setup.ts'],
      fileParallelism: false,
      testTimeout: 120_000,
      hookTimeout: 400_000,
      // The soak collects garbage before each memory sample, so its slope is what stays, not what waits for the GC.
      ...(name === 'soak' ? { execArgv: ['--expose-gc'] } : {}),
    },
  };
}

export default defineConfig({
  resolve: { alias },
  test: {
    // .ci/run asks for a JSON report as well, to print the totals line.
    ...(process.env.VITEST_JSON_OUTPUT ? { reporters: ['default', 'json'], outputFile: { json: process.env.VITEST_JSON_OUTPUT } } : {}),
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      // The integration suite runs once per API generation, each against its own official servers.
      integrationProject('v2', []),
      integrationProject('v3', ONCE_ONLY),
      {
        resolve: { alias },
        plugins: [cloudflareTest({ main: './examples/workers/src/index.ts', wrangler: { configPath: './wrangler.toml' }, miniflare: { cf: false } })],
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          globalSetup,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      // The fault suite (test/chaos): an official 2.5.1 cluster behind fault-injecting proxies, only with NACOS_CHAOS=1
      // (`npm run chaos`), so a plain `vitest run` starts no cluster.
      ...(process.env.NACOS_CHAOS ? [chaosProject('chaos', 'test/chaos/**/*.test.ts')] : []),
      ...(process.env.NACOS_SOAK ? [chaosProject('soak', 'test/chaos/**/*.soak.ts')] : []),
      {
        resolve: { alias },
        plugins: [nacosProxy()],
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup,
          testTimeout: 60_000,
          hookTimeout: 180_000,
          browser: {
            enabled: true,
            headless: true,
            instances: [{ browser: 'chromium' }],
            provider: playwright({ launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS } }),
          },
        },
      },
    ],
  },
});
