import { resolve } from 'node:path';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { nacosProxy } from './test/support/nacos-proxy.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const globalSetup = ['./test/integration/global-setup.ts'];
// Tests and examples import the package by name; point that at the sources.
const alias = [
  { find: /^nacos-edge\/storage\/(.*)$/, replacement: resolve('src/storage/$1.ts') },
  { find: /^nacos-edge$/, replacement: resolve('src/index.ts') },
];

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
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup,
          // One real server per profile is shared by every file; files must not step on each other's keys,
          // and the outage tests restart servers, so integration files run one at a time.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
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
