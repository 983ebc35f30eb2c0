// Drives examples/browser in real Chromium (Playwright, Debian's chromium) against the real server,
// and saves a screenshot to .ci/artifacts/browser-example.png.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveExample } from '../../examples/browser/serve.mjs';
import { createClientConfig, NacosConfigService, NacosNamingService } from '../../src/index.js';
import { nacos, uniqueId, plainOptions } from './helpers.js';

let browser: Browser;
let site: { url: string; bridge: { sessions: number }; close: () => Promise<unknown> };
beforeAll(async () => {
  if (!existsSync(resolve('dist/index.js'))) execSync('npm run build', { stdio: 'ignore' });
  site = await serveExample({ port: 0, nacos: nacos().serverAddr });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe('examples/browser', () => {
  it('shows a config and a service, and follows their changes', async () => {
    const clientConfig = createClientConfig(plainOptions({ logLevel: 'silent' }));
    const config = await NacosConfigService.createConfigService(clientConfig);
    const naming = await NacosNamingService.createNamingService(clientConfig);
    const dataId = `${uniqueId('browser-example')}.json`;
    const serviceName = uniqueId('browser-example-svc');
    try {
      await config.publishConfig({ dataId, content: '{"theme":"light"}' });
      await naming.registerInstance({ serviceName, ip: '10.70.0.1', port: 8080, metadata: { zone: 'a' } });
      const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const warnings: string[] = [];
      page.on('console', (m) => void (m.type() === 'warning' && warnings.push(m.text())));
      const requests: string[] = [];
      page.on('request', (r) => requests.push(new URL(r.url()).pathname));
      await page.goto(`${site.url}/?configs=${dataId}&services=${serviceName}`);
      const pre = page.locator(`pre[data-config="${dataId}"]`);
      await expect.poll(() => pre.textContent(), { timeout: 15_000 }).toBe('{"theme":"light"}');
      await config.publishConfig({ dataId, content: '{"theme":"dark"}' });
      await expect.poll(() => pre.textContent(), { timeout: 15_000 }).toBe('{"theme":"dark"}');
      const rows = page.locator(`table[data-service="${serviceName}"] tr`);
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
      await naming.registerInstance({ serviceName, ip: '10.70.0.2', port: 8080, weight: 3 });
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(3);
      await expect.poll(() => page.locator('#status').textContent()).toMatch(/connected to .*pushed through the bridge/);
      // Pushed through the bridge the page's server mounts: a watch stream, no long poll, no list polling.
      expect(warnings).toEqual([]);
      expect(requests).toContain('/push/nacos.edge.Bridge/Watch');
      expect(requests.filter((p) => p.endsWith('/cs/configs/listener'))).toEqual([]);
      expect(site.bridge.sessions).toBeGreaterThanOrEqual(2);
      mkdirSync(resolve('.ci/artifacts'), { recursive: true });
      await page.screenshot({ path: resolve('.ci/artifacts/browser-example.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await Promise.all([config.shutdown(), naming.shutdown({ deregister: true })]);
    }
  }, 60_000);
});
