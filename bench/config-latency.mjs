#!/usr/bin/env node
// Measures, against the local real server (started or reused through scripts/nacos-server.mjs):
//  1. publishConfig → listener call latency, median and p90 over N changes (long poll);
//  2. getConfig round trip next to a raw fetch of the same URL, alternating rounds.
// Uses the built package (npm run build first). Not part of npm test.
import { performance } from 'node:perf_hooks';
import { ClientConfigBuilder, NacosConfigService } from '../dist/index.js';
import { startServer, stopServer, readState } from '../scripts/nacos-server.mjs';

const CHANGES = Number(process.env.CHANGES ?? 50);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const READS = Number(process.env.READS ?? 400);

const external = process.env.NACOS_SERVER_ADDR;
const before = readState('default');
const state = external ? undefined : await startServer({ profile: 'default' });
const serverAddr = external ?? state.serverAddr;
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

const config = await NacosConfigService.createConfigService(new ClientConfigBuilder().serverAddress(serverAddr).logLevel('warn').build());
const dataId = `bench-latency-${Date.now()}`;
await config.publishConfig({ dataId, content: 'v0' });
let resolveChange;
await config.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => resolveChange?.(content), { emitInitial: false });
const latencies = [];
for (let i = 1; i <= CHANGES; i++) {
  const arrived = new Promise((r) => (resolveChange = r));
  const t0 = performance.now();
  await config.publishConfig({ dataId, content: `v${i}` });
  await arrived;
  latencies.push(performance.now() - t0);
}

const url = `http://${serverAddr}/nacos/v1/cs/configs?dataId=${dataId}&group=DEFAULT_GROUP`;
const edge = [];
const raw = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, read] of [
    ['edge', () => config.getConfig({ dataId })],
    ['raw', async () => (await fetch(url)).text()],
  ]) {
    const samples = name === 'edge' ? edge : raw;
    for (let i = 0; i < READS; i++) {
      const t0 = performance.now();
      await read();
      samples.push(performance.now() - t0);
    }
  }
}
await config.removeConfig({ dataId });
await config.shutdown();
if (state && (!before || before.pid !== state.pid)) await stopServer('default');

const ms = (x) => `${x.toFixed(2)} ms`;
console.log(`server: ${external ?? state.version}`);
console.log(`publish → listener (long poll), ${CHANGES} changes: median ${ms(quantile(latencies, 0.5))}, p90 ${ms(quantile(latencies, 0.9))}, max ${ms(Math.max(...latencies))}`);
console.log(`getConfig round trip, ${ROUNDS}×${READS} alternating: nacos-edge median ${ms(quantile(edge, 0.5))} (p99 ${ms(quantile(edge, 0.99))}), raw fetch median ${ms(quantile(raw, 0.5))} (p99 ${ms(quantile(raw, 0.99))}), ratio ${(quantile(edge, 0.5) / quantile(raw, 0.5)).toFixed(2)}×`);
