#!/usr/bin/env node
// Naming figures against the local real server (started or reused through scripts/nacos-server.mjs):
//  1. register → visible in another client's listInstances, median/p90 over N services;
//  2. a change (register) → another client's subscribe callback, median/p90 (subscription poll interval SUB_MS);
//  3. 1,000 ephemeral instances from one client: beat requests/s over WINDOW_S and the client's CPU.
// Uses the built package (npm run build first). Not part of npm test.
import { performance } from 'node:perf_hooks';
import { ClientConfigBuilder, NacosNamingService } from '../dist/index.js';
import { readState, startServer, stopServer } from '../scripts/nacos-server.mjs';

const N = Number(process.env.N ?? 50);
const SUB_MS = Number(process.env.SUB_MS ?? 200);
const WINDOW_S = Number(process.env.WINDOW_S ?? 20);

const external = process.env.NACOS_SERVER_ADDR;
const before = readState('v2');
const state = external ? undefined : await startServer({ profile: 'v2' });
const serverAddr = external ?? state.serverAddr;
const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const ms = (x) => `${x.toFixed(1)} ms`;

let fetches = [];
const countingFetch = (input, init) => {
  const request = input instanceof Request ? input : new Request(input, init);
  if (request.url.includes('/instance/beat')) fetches.push(Date.now());
  return fetch(request);
};
const make = (extra = {}) => NacosNamingService.createNamingService(new ClientConfigBuilder().serverAddress(serverAddr).logLevel('warn').fetch(countingFetch).timeoutMs(10_000).build(), extra);
const writer = await make();
const reader = await make();

// 1. register → visible
const visible = [];
for (let i = 0; i < N; i++) {
  const serviceName = `bench-visible-${Date.now()}-${i}`;
  const t0 = performance.now();
  await writer.registerInstance({ serviceName, ip: '10.20.0.1', port: 1 });
  while ((await reader.listInstances({ serviceName })).length === 0);
  visible.push(performance.now() - t0);
}

// 2. change → subscribe callback
const serviceName = `bench-sub-${Date.now()}`;
await writer.registerInstance({ serviceName, ip: '10.21.0.1', port: 1 });
let onChange;
await reader.subscribe({ serviceName, intervalMs: SUB_MS, subscribeCallback: (hosts) => onChange?.(hosts) });
const sub = [];
for (let i = 0; i < N; i++) {
  const arrived = new Promise((r) => (onChange = (hosts) => hosts.some((h) => h.port === 1000 + i) && r()));
  const t0 = performance.now();
  await writer.registerInstance({ serviceName, ip: '10.21.0.2', port: 1000 + i });
  await arrived;
  sub.push(performance.now() - t0);
}

// 3. 1,000 instances, one client
const many = await make();
await many.batchRegisterInstances({ serviceName: `bench-many-${Date.now()}`, instances: Array.from({ length: 1000 }, (_, i) => ({ ip: `10.22.${i >> 8}.${i & 255}`, port: 1 })) });
fetches = [];
const cpu0 = process.cpuUsage();
const t0 = Date.now();
await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
const cpu = process.cpuUsage(cpu0);
const elapsed = (Date.now() - t0) / 1000;
const beatsPerS = fetches.length / elapsed;
console.log(`server: ${external ?? state.version}`);
console.log(`register → visible in another client's list, ${N} services: median ${ms(q(visible, 0.5))}, p90 ${ms(q(visible, 0.9))}`);
console.log(`change → subscribe callback (poll every ${SUB_MS} ms), ${N} changes: median ${ms(q(sub, 0.5))}, p90 ${ms(q(sub, 0.9))}`);
console.log(`1,000 instances: ${beatsPerS.toFixed(0)} beat requests/s over ${elapsed.toFixed(0)} s; client CPU ${(((cpu.user + cpu.system) / 1e6 / elapsed) * 100).toFixed(1)} % of one core (whole process, incl. the other clients' idle loops); scheduler timers: ${many.heartbeats.activeTimers}`);
await Promise.all([writer.shutdown({ deregister: true }), reader.shutdown(), many.shutdown({ deregister: true })]);
if (state && (!before || before.pid !== state.pid)) await stopServer('v2');
