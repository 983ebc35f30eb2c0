// Runs examples/workers in `wrangler dev --local` (real workerd, local KV) against the real server:
// config-driven responses, the KV snapshot read stale-while-revalidate, and the Cron Trigger.
// Writes the workerd cold-start figures to .ci/artifacts/workers-cold-start.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClientConfig, NacosConfigService, NacosNamingService } from '../../src/index.js';
import { freePort, nacos, uniqueId, waitFor, plainOptions } from './helpers.js';

const running: ChildProcess[] = [];
const exited = (c: ChildProcess) => new Promise((r) => (c.exitCode === null && c.signalCode === null ? c.on('exit', r) : r(null)));
afterAll(async () => {
  for (const child of running) child.kill('SIGTERM');
  await Promise.all(running.map(exited));
});

async function wranglerDev(vars: Record<string, string>, persistTo: string) {
  const port = await freePort();
  const args = ['dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--test-scheduled', '--show-interactive-dev-session=false', '--persist-to', persistTo, '--log-level', 'warn'];
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);
  const started = Date.now();
  const child = spawn(resolve('node_modules/.bin/wrangler'), args, { env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true', CLOUDFLARE_CF_FETCH_ENABLED: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${base}/health`)).ok, { what: `wrangler dev to serve (${output})`, timeoutMs: 60_000, intervalMs: 100 });
  const stop = async () => {
    child.kill('SIGTERM');
    await exited(child);
  };
  return { base, readyMs: Date.now() - started, stop, output: () => output };
}

async function timed(url: string) {
  const started = performance.now();
  const res = await fetch(url);
  const body = (await res.json()) as { greeting: string };
  return { status: res.status, greeting: body.greeting, ms: performance.now() - started };
}

describe('examples/workers in wrangler dev', () => {
  it('serves from Nacos, answers from the KV snapshot while fresh, refreshes on the Cron Trigger, and registers itself', async () => {
    const clientConfig = createClientConfig(plainOptions({ logLevel: 'silent' }));
    const config = await NacosConfigService.createConfigService(clientConfig);
    const naming = await NacosNamingService.createNamingService(clientConfig);
    const dataId = `${uniqueId('worker')}.json`;
    const serviceName = uniqueId('worker-svc');
    const persist = mkdtempSync(join(tmpdir(), 'nacos-edge-wrangler-'));
    const vars = { NACOS_SERVER_ADDR: nacos().serverAddr, CONFIG_DATA_ID: dataId, SERVICE_NAME: serviceName, WORKER_HOST: 'worker.test' };
    try {
      await config.publishConfig({ dataId, content: '{"greeting":"hello"}' });
      const first = await wranglerDev(vars, persist);
      const fromServer = await timed(`${first.base}/`);
      expect([fromServer.status, fromServer.greeting]).toEqual([200, 'hello']);

      // Within freshMs (10 s) the KV snapshot answers, so a new value is not seen yet…
      await config.publishConfig({ dataId, content: '{"greeting":"bonjour"}' });
      expect((await timed(`${first.base}/`)).greeting).toBe('hello');
      // …until the Cron Trigger refreshes the snapshot (and registers the Worker).
      expect((await fetch(`${first.base}/__scheduled?cron=*+*+*+*+*`)).status).toBe(200);
      await waitFor(async () => (await timed(`${first.base}/`)).greeting === 'bonjour', { what: 'the refreshed snapshot' });
      await waitFor(async () => (await naming.listInstances({ serviceName })).some((i) => i.ip === 'worker.test' && i.port === 443), { what: 'the Worker instance' });
      await first.stop();

      // A cold isolate with a warm KV snapshot and no reachable Nacos still answers, from KV.
      const second = await wranglerDev({ ...vars, NACOS_SERVER_ADDR: '127.0.0.1:1' }, persist);
      const fromKv = await timed(`${second.base}/`);
      expect([fromKv.status, fromKv.greeting]).toEqual([200, 'bonjour']);
      await second.stop();

      mkdirSync(resolve('.ci/artifacts'), { recursive: true });
      writeFileSync(
        resolve('.ci/artifacts/workers-cold-start.json'),
        JSON.stringify({ wranglerReadyMs: first.readyMs, firstRequestFromServerMs: Math.round(fromServer.ms), firstRequestFromWarmKvMs: Math.round(fromKv.ms) }, null, 2),
      );
    } finally {
      await Promise.all([config.shutdown(), naming.shutdown()]);
    }
  }, 120_000);
});
