#!/usr/bin/env node
// `npm run bench`: nacos-edge next to the raw-fetch floor and the peer SDKs, on one real server, in
// alternating rounds (A B C D, then B C D A, …), reporting the median and the spread of the rounds.
// Writes bench/results/latest.json, latest.md and chart.svg. Never part of `npm test`.
//
//   ROUNDS=3 DURATION_MS=3000 WARMUP_MS=1000 CHANGES=200 KEYS=10000 IDLE_MS=60000 \
//   SUB_CHANGES=30 SUB_GAP_MS=200 HB_INSTANCES=1000 HB_WINDOW_MS=30000 npm run bench
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadedSize } from '../scripts/bundle-size.mjs';
import { render } from './render.mjs';
import { readState, startServer, stopServer } from '../scripts/nacos-server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION_MS = Number(process.env.DURATION_MS ?? 3000);
const CHANGES = Number(process.env.CHANGES ?? 200);
const KEYS = Number(process.env.KEYS ?? 10_000);
const IDLE_MS = Number(process.env.IDLE_MS ?? 60_000);
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 1000);
const SUB_CHANGES = Number(process.env.SUB_CHANGES ?? 30);
const SUB_GAP_MS = Number(process.env.SUB_GAP_MS ?? 200);
const HB_INSTANCES = Number(process.env.HB_INSTANCES ?? 1000);
const HB_WINDOW_MS = Number(process.env.HB_WINDOW_MS ?? 30_000);
const NODE_SDK = 'nacos@2.6.3';
const PYTHON_SDK = 'nacos-sdk-python==3.2.0';
const JAVA_SDK = 'com.alibaba.nacos:nacos-client:3.2.1-2026.03.30';
const log = (m) => process.stderr.write(`[bench] ${m}\n`);

// ------------------------------------------------------------------ peers, installed from their registries
const peers = join(here, '.peers');
function installPeers() {
  if (!existsSync(join(peers, 'node', 'node_modules', 'nacos'))) {
    log(`installing ${NODE_SDK} into bench/.peers/node`);
    mkdirSync(join(peers, 'node'), { recursive: true });
    writeFileSync(join(peers, 'node', 'package.json'), '{"private":true}');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '-E', NODE_SDK], { cwd: join(peers, 'node'), stdio: 'inherit' });
  }
  const python = join(peers, 'python', 'bin', 'python');
  if (!existsSync(python)) {
    log(`installing ${PYTHON_SDK} into bench/.peers/python`);
    execFileSync('python3', ['-m', 'venv', join(peers, 'python')], { stdio: 'inherit' });
    execFileSync(join(peers, 'python', 'bin', 'pip'), ['install', '--quiet', PYTHON_SDK], { stdio: 'inherit' });
  }
  return python;
}

/** The Java SDK (stretch contender): built with Maven when mvn and javac are there; otherwise left out, with the reason. */
function installJava() {
  if (existsSync(join(peers, 'java', 'classes', 'Driver.class'))) return true;
  const missing = ['mvn', 'javac', 'java'].filter((tool) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).status !== 0);
  if (missing.length > 0) {
    log(`leaving the Java SDK out: ${missing.join(', ')} not found`);
    return false;
  }
  log(`installing ${JAVA_SDK} into bench/.peers/java (Maven)`);
  execFileSync('sh', [join(here, 'peers', 'java', 'install.sh')], { stdio: 'inherit' });
  return true;
}

if (!existsSync(join(root, 'dist', 'index.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
const python = installPeers();
const java = installJava();

const CONTENDERS = {
  floor: { label: 'floor (raw fetch)', command: process.execPath, args: [join(here, 'drivers', 'floor.mjs')] },
  edge: { label: 'nacos-edge', command: process.execPath, args: [join(here, 'drivers', 'edge.mjs')] },
  'node-sdk': { label: `npm ${NODE_SDK}`, command: process.execPath, args: [join(here, 'drivers', 'node-sdk.mjs')] },
  'python-sdk': { label: `${PYTHON_SDK} (v2 API)`, command: python, args: [join(here, 'peers', 'python', 'driver.py')] },
  'java-sdk': { label: `Java ${JAVA_SDK.split(':').slice(1).join(' ')}`, command: 'java', args: ['-cp', `${join(peers, 'java', 'classes')}:${join(peers, 'java', 'lib', '*')}`, 'Driver'] },
  // Subscriptions only: nacos-edge polling every 200 ms instead of at the server's cacheMillis.
  'edge-200': { label: 'nacos-edge (intervalMs 200)', command: process.execPath, args: [join(here, 'drivers', 'edge.mjs'), 'intervalMs=200'] },
  // Change notification and subscriptions: nacos-edge with gRPC push (nacos-edge/grpc).
  'edge-grpc': { label: 'nacos-edge (gRPC push)', command: process.execPath, args: [join(here, 'drivers', 'edge.mjs'), 'push=grpc'] },
  // The same, through the bridge (`npx nacos-edge bridge`, a process of its own) over gRPC-web: what a browser or a
  // Worker gets. Its url is filled in once the bridge is up.
  'edge-bridge': { label: 'nacos-edge (via the bridge, gRPC-web)', command: process.execPath, args: [join(here, 'drivers', 'edge.mjs'), 'push=bridge'] },
};

// BENCH_SCENARIOS=notify,manykeys,subscribe runs only those (getconfig, notify, notify-3x, manykeys, listinstances, subscribe,
// heartbeats, coldstart, size) and merges them into latest.json, keeping the other scenarios' last figures.
const only = process.env.BENCH_SCENARIOS?.split(',').map((s) => s.trim());
const want = (scenario) => !only || only.includes(scenario);

// ------------------------------------------------------------------ server
const external = process.env.NACOS_SERVER_ADDR;
const before = readState('bench');
const state = external ? undefined : await startServer({ profile: 'bench', base: 'v2' });
const server = external ?? state.serverAddr;
const serverVersion = external ? 'external' : state.version;

/**
 * A bridge for the edge-bridge contender: `nacos-edge bridge` from dist/, in a process of its own, in front of
 * `nacosAddr`. Resolves its url and its stop once it listens; its token goes to the drivers through the environment
 * (one for every bridge of the run), never argv.
 */
async function startBridge(nacosAddr) {
  process.env.NACOS_EDGE_BRIDGE_TOKEN ??= `bench-${crypto.randomUUID()}`;
  const child = spawn(process.execPath, [join(root, 'dist', 'cli', 'index.js'), 'bridge', '--nacos', nacosAddr, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise((ok, fail) => {
    child.stderr.on('data', (d) => {
      err += d;
      const m = /nacos-edge bridge on (\S+)/.exec(err);
      if (m) ok(m[1]);
    });
    child.once('exit', (code) => fail(new Error(`the bridge exited ${code}: ${err}`)));
  });
  log(`bridge on ${url} in front of ${nacosAddr}`);
  return { url, stop: () => child.kill('SIGTERM') };
}
const bridge = want('notify') || want('subscribe') ? await startBridge(server) : undefined;
if (bridge) CONTENDERS['edge-bridge'].args.push(`bridgeUrl=${bridge.url}`);

async function publish(dataId, content) {
  const res = await fetch(`http://${server}/nacos/v1/cs/configs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ dataId, group: 'DEFAULT_GROUP', content }),
  });
  if ((await res.text()) !== 'true') throw new Error(`publish ${dataId} failed`);
}

/** Publishes through the 3.x admin API with the admin's token (logged in once, renewed when refused). */
async function adminPublisher(target) {
  let token;
  const login = async () => {
    const res = await fetch(`${target.url}/nacos/v3/auth/user/login`, { method: 'POST', body: new URLSearchParams({ username: target.username, password: target.password }) });
    if (!res.ok) throw new Error(`admin login on ${target.serverAddr} answered ${res.status}`);
    token = (await res.json()).accessToken;
  };
  await login();
  return async function publishV3(dataId, content, retry = true) {
    const res = await fetch(`${target.url}/nacos/v3/admin/cs/config`, { method: 'POST', headers: { accessToken: token }, body: new URLSearchParams({ dataId, groupName: 'DEFAULT_GROUP', content }) });
    if (res.status === 403 && retry) return login().then(() => publishV3(dataId, content, false));
    const body = await res.text();
    if (!res.ok || JSON.parse(body).data !== true) throw new Error(`publish ${dataId} on ${target.serverAddr} answered ${res.status}: ${body}`);
  };
}

/**
 * Runs one driver to completion; `onLine` sees stdout lines as they come (READY, …). A driver still
 * running after `timeoutMs` is killed and reported as `{ timedOut: true }`.
 */
function runDriver(name, params, onLine, timeoutMs = 120_000, serverAddr = server) {
  const c = CONTENDERS[name];
  const argv = [...c.args, `server=${serverAddr}`, `warmupMs=${WARMUP_MS}`, ...Object.entries(params).map(([k, v]) => `${k}=${v}`)];
  const started = performance.now();
  const child = spawn(c.command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let buffer = '';
  child.stdout.on('data', (d) => {
    out += d;
    buffer += d;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      onLine?.(line, performance.now() - started);
    }
  });
  child.stderr.on('data', (d) => (err += d));
  let timedOut = false;
  const killer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise((resolveRun, reject) => {
    child.on('exit', (code) => {
      clearTimeout(killer);
      const wallMs = performance.now() - started;
      if (timedOut) return resolveRun({ timedOut: true, wallMs });
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) return reject(new Error(`${name} ${JSON.stringify(params)} exited ${code} without a result:\n${out}\n${err.slice(-2000)}`));
      resolveRun({ ...JSON.parse(line.slice(7)), wallMs });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => [Math.min(...xs), Math.max(...xs)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/** Alternating rounds: round r starts at contender r (mod n). Collects `metric(result)` per contender. */
async function rounds(names, runOne) {
  const per = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length];
      per[name].push(await runOne(name, r));
    }
  }
  return per;
}

const results = {
  date: new Date().toISOString(),
  server: serverVersion,
  rounds: ROUNDS,
  node: process.version,
  settings: { DURATION_MS, WARMUP_MS, CHANGES, KEYS, IDLE_MS, SUB_CHANGES, SUB_GAP_MS, HB_INSTANCES, HB_WINDOW_MS },
  scenarios: {},
};
const ALL = ['floor', 'edge', 'node-sdk', 'python-sdk', ...(java ? ['java-sdk'] : [])];
const SDKS = ALL.filter((name) => name !== 'floor');

async function registerPersistent(serviceName, ip, port, metadata = {}) {
  const body = new URLSearchParams({ serviceName, ip, port: String(port), ephemeral: 'false', metadata: JSON.stringify(metadata) });
  const res = await fetch(`http://${server}/nacos/v1/ns/instance`, { method: 'POST', body });
  if ((await res.text()) !== 'ok') throw new Error(`register ${serviceName} ${ip}:${port} failed`);
}

/**
 * A TCP relay in front of the server for the heartbeat scenario: port P relays HTTP and counts requests,
 * P + 1000 relays gRPC (the SDKs' port offset) and counts bytes. Resettable counters.
 */
async function countingRelay() {
  const [host, httpPort] = server.split(':');
  const counts = { httpRequests: 0, bytes: 0 };
  const relay = (targetPort, http) =>
    createServer((socket) => {
      const upstream = connect(Number(targetPort), host);
      let tail = '';
      socket.on('data', (chunk) => {
        counts.bytes += chunk.length;
        if (!http) return;
        const text = tail + chunk.toString('latin1');
        counts.httpRequests += text.match(/ HTTP\/1\.1\r\n/g)?.length ?? 0;
        tail = text.slice(-11);
      });
      upstream.on('data', (chunk) => (counts.bytes += chunk.length));
      socket.pipe(upstream).pipe(socket);
      const close = () => (socket.destroy(), upstream.destroy());
      socket.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
  const listen = (srv, port) => new Promise((ok, fail) => srv.once('error', fail).listen(port, '127.0.0.1', () => ok(srv.address().port)));
  for (let attempt = 0; ; attempt++) {
    const httpRelay = relay(httpPort, true);
    const grpcRelay = relay(Number(httpPort) + 1000, false);
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    try {
      await listen(httpRelay, port);
      await listen(grpcRelay, port + 1000);
      return { address: `127.0.0.1:${port}`, counts, reset: () => ((counts.httpRequests = 0), (counts.bytes = 0)), close: () => (httpRelay.close(), grpcRelay.close()) };
    } catch (error) {
      httpRelay.close();
      if (attempt > 20) throw error;
    }
  }
}

// 1. getConfig throughput
for (const concurrency of want('getconfig') ? [1, 32] : []) {
  const dataId = `bench-get-${Date.now()}`;
  await publish(dataId, 'key=value\n'.repeat(20));
  log(`getConfig, concurrency ${concurrency}`);
  const per = await rounds(ALL, (name) => runDriver(name, { scenario: 'getconfig', dataId, concurrency, durationMs: DURATION_MS }));
  results.scenarios[`getConfig c=${concurrency}`] = Object.fromEntries(
    Object.entries(per).map(([name, runs]) => [name, { opsPerSec: median(runs.map((r) => r.opsPerSec)), spread: spread(runs.map((r) => r.opsPerSec)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)) }]),
  );
}

// 2. change notification: the publisher stamps its send time into the content; the driver's callback subtracts.
/**
 * One publish → listener round per contender against `serverAddr`: the publisher stamps its send time into the
 * content, the driver's callback subtracts. `params` go to every driver (a bridge's url).
 */
async function notifyRounds(names, serverAddr, publishTo, params = {}) {
  const per = await rounds(names, async (name) => {
    const dataId = `bench-notify-${name}-${Date.now()}`;
    await publishTo(dataId, 'seq=0;t=0');
    let ready;
    const isReady = new Promise((r) => (ready = r));
    // Enough time for every change at 20 ms apart plus 15 s: a driver that is not called back by then is reported, not waited for.
    const run = runDriver(name, { scenario: 'notify', dataId, changes: CHANGES, ...params }, (line) => line === 'READY' && ready(), 30_000 + CHANGES * 40, serverAddr);
    await Promise.race([isReady, run]);
    for (let i = 1; i <= CHANGES; i++) {
      await publishTo(dataId, `seq=${i};t=${performance.timeOrigin + performance.now()}`);
      // One change at a time: the next is published after this one could have been seen (a change per 20 ms).
      await new Promise((r) => setTimeout(r, 20));
    }
    const result = await run;
    if (result.timedOut) return { p50: undefined, p99: undefined, delivered: 0 };
    const { latencies } = result;
    return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), delivered: latencies.length };
  });
  return Object.fromEntries(
    Object.entries(per).map(([name, runs]) => {
      const ok = runs.filter((r) => r.p50 !== undefined);
      if (ok.length === 0) return [name, { p50: undefined, p99: undefined, spreadP50: [undefined, undefined], delivered: 0, note: 'no callback within the run' }];
      return [name, { p50: median(ok.map((r) => r.p50)), p99: median(ok.map((r) => r.p99)), spreadP50: spread(ok.map((r) => r.p50)), delivered: median(ok.map((r) => r.delivered)) }];
    }),
  );
}

// 2. change notification
if (want('notify')) {
  log(`publish → listener, ${CHANGES} changes per run`);
  results.scenarios['publish → listener'] = await notifyRounds([...ALL.slice(0, 2), 'edge-grpc', 'edge-bridge', ...ALL.slice(2)], server, publish);
}

// 2b. change notification on the 3.2 surface (official 3.0.3, v1 client API off), with its own server and bridge:
// the Java SDK 3.2.1's listener gets nothing from 2.5.1 (its requests never reach the server's config handlers), so
// this is where nacos-edge's gRPC push can be held against the Java SDK's. The floor and npm nacos speak v1 only.
if (want('notify-3x')) {
  log(`publish → listener on 3.x, ${CHANGES} changes per run`);
  const v3 = await startServer({ profile: 'bench-v3', base: 'v3' });
  const v3Bridge = await startBridge(v3.serverAddr);
  try {
    const publishV3 = await adminPublisher(v3);
    const names = ['edge', 'edge-grpc', 'edge-bridge', 'python-sdk', ...(java ? ['java-sdk'] : [])];
    results.scenarios[`publish → listener (${v3.version}, 3.2 surface)`] = await notifyRounds(names, v3.serverAddr, publishV3, { bridgeUrl: v3Bridge.url });
  } finally {
    v3Bridge.stop();
    await stopServer('bench-v3');
  }
}

// 3. many keys (nacos-edge over HTTP and over gRPC): polls held, sockets, memory and CPU while idle
if (want('manykeys')) {
  log(`${KEYS} watched keys, idle ${IDLE_MS} ms (nacos-edge, HTTP and gRPC)`);
  const scenario = {};
  for (const name of ['edge', 'edge-grpc']) {
    const r = await runDriver(name, { scenario: 'manykeys', dataId: `bench-many-${name}-${Date.now()}`, keys: KEYS, idleMs: IDLE_MS });
    scenario[name] = { heldPollsAvg: r.heldPollsAvg, sockets: r.sockets, extraRssMb: r.extraRssMb, cpuPercent: r.cpuPercent };
  }
  results.scenarios[`${KEYS} watched keys, idle`] = scenario;
}

// 4. naming: listInstances throughput (10 persistent instances, subscribe=false where the SDK caches)
for (const concurrency of want('listinstances') ? [1, 32] : []) {
  const serviceName = `bench-list-${Date.now()}`;
  for (let i = 1; i <= 10; i++) await registerPersistent(serviceName, `10.66.0.${i}`, 8080);
  log(`listInstances, concurrency ${concurrency}`);
  const per = await rounds(ALL, (name) => runDriver(name, { scenario: 'listinstances', serviceName, concurrency, durationMs: DURATION_MS }));
  results.scenarios[`listInstances c=${concurrency}`] = Object.fromEntries(
    Object.entries(per).map(([name, runs]) => [name, { opsPerSec: median(runs.map((r) => r.opsPerSec)), spread: spread(runs.map((r) => r.opsPerSec)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), instances: runs[0].instances }]),
  );
}

// 4b. register → visible to another client's subscription: the orchestrator registers instances stamped with
// their send time (metadata seq, t), SUB_GAP_MS apart; each driver's callback subtracts.
if (want('subscribe')) {
  const SUB = [...ALL.slice(0, 2), 'edge-200', 'edge-grpc', 'edge-bridge', ...ALL.slice(2)];
  log(`register → subscription callback, ${SUB_CHANGES} changes ${SUB_GAP_MS} ms apart`);
  const per = await rounds(SUB, async (name) => {
    const serviceName = `bench-sub-${name}-${Date.now()}`;
    let ready;
    const isReady = new Promise((r) => (ready = r));
    const run = runDriver(name, { scenario: 'subscribe', serviceName, changes: SUB_CHANGES }, (line) => line === 'READY' && ready(), 30_000 + SUB_CHANGES * SUB_GAP_MS);
    await Promise.race([isReady, run]);
    for (let i = 1; i <= SUB_CHANGES; i++) {
      await registerPersistent(serviceName, '10.67.0.1', 9000 + i, { seq: String(i), t: String(performance.timeOrigin + performance.now()) });
      await new Promise((r) => setTimeout(r, SUB_GAP_MS));
    }
    const result = await run;
    if (result.timedOut) return { p50: undefined, p99: undefined, delivered: 0 };
    return { p50: quantile(result.latencies, 0.5), p99: quantile(result.latencies, 0.99), delivered: result.latencies.length };
  });
  results.scenarios['register → subscription callback'] = Object.fromEntries(
    Object.entries(per).map(([name, runs]) => {
      const ok = runs.filter((r) => r.p50 !== undefined);
      if (ok.length === 0) return [name, { p50: undefined, p99: undefined, spreadP50: [undefined, undefined], delivered: 0, note: 'no callback within the run' }];
      return [name, { p50: median(ok.map((r) => r.p50)), p99: median(ok.map((r) => r.p99)), spreadP50: spread(ok.map((r) => r.p50)), delivered: median(ok.map((r) => r.delivered)) }];
    }),
  );
}

// 5. heartbeats: HB_INSTANCES ephemeral instances (one per service) from one client, through a counting relay:
// HTTP requests/s and bytes/s on the wire, and the client's CPU, over HB_WINDOW_MS after registering.
if (want('heartbeats')) {
  log(`${HB_INSTANCES} ephemeral instances from one client, ${HB_WINDOW_MS} ms window`);
  const relay = await countingRelay();
  const per = await rounds(SDKS, async (name) => {
    let windowStart = 0;
    const result = await runDriver(
      name,
      { scenario: 'heartbeats', serviceName: `bench-hb-${name}-${Date.now()}`, instances: HB_INSTANCES, windowMs: HB_WINDOW_MS },
      (line) => line === 'READY' && (relay.reset(), (windowStart = performance.now())),
      120_000 + HB_WINDOW_MS,
      relay.address,
    );
    const seconds = (performance.now() - windowStart) / 1000;
    return { ...result, requestsPerSec: relay.counts.httpRequests / seconds, kbPerSec: relay.counts.bytes / 1024 / seconds };
  });
  relay.close();
  results.scenarios[`${HB_INSTANCES} ephemeral instances`] = Object.fromEntries(
    Object.entries(per).map(([name, runs]) => [
      name,
      { requestsPerSec: median(runs.map((r) => r.requestsPerSec)), kbPerSec: median(runs.map((r) => r.kbPerSec)), cpuPercent: median(runs.map((r) => r.cpuPercent)), registerMs: median(runs.map((r) => r.registerMs)) },
    ]),
  );
}

// 6. cold start: process start + import + first getConfig
if (want('coldstart')) {
  const dataId = `bench-cold-${Date.now()}`;
  await publish(dataId, 'cold=1');
  log('cold start');
  const per = await rounds(ALL, (name) => runDriver(name, { scenario: 'coldstart', dataId }));
  results.scenarios['cold start (process + import + first getConfig)'] = Object.fromEntries(
    Object.entries(per).map(([name, runs]) => [name, { ms: median(runs.map((r) => r.wallMs)), spread: spread(runs.map((r) => r.wallMs)) }]),
  );
}

// 7. bundle size
if (want('size')) {
  log('bundle sizes');
  // As an app loads it: the entry chunk and its static imports, each gzipped (scripts/bundle-size.mjs).
  const size = async (code, platform, resolveDir) => {
    const { minBytes, gzipBytes, files } = await loadedSize(code, { platform, resolveDir, external: platform === 'node' ? ['proxy-agent'] : [] });
    return { minBytes, gzipBytes, files };
  };
  results.scenarios['bundle size'] = {
    'edge (config only)': await size(`export { NacosConfigService, ClientConfigBuilder } from ${JSON.stringify(join(root, 'dist', 'index.js'))};`, 'neutral'),
    'edge (config + naming)': await size(`export { NacosConfigService, NacosNamingService, ClientConfigBuilder } from ${JSON.stringify(join(root, 'dist', 'index.js'))};`, 'neutral'),
    'node-sdk (for Node; it cannot bundle for browsers or neutral)': await size(`export { NacosConfigClient, NacosNamingClient } from 'nacos';`, 'node', join(peers, 'node')),
  };
}

bridge?.stop();
if (state && (!before || before.pid !== state.pid)) await stopServer('bench');

// ------------------------------------------------------------------ output
results.labels = Object.fromEntries(Object.entries(CONTENDERS).map(([name, c]) => [name, c.label]));
mkdirSync(join(here, 'results'), { recursive: true });
if (only) {
  // A partial run: the other scenarios keep their last figures, and each re-measured one its date and settings.
  const previous = JSON.parse(readFileSync(join(here, 'results', 'latest.json'), 'utf8'));
  const measured = { ...(previous.measured ?? {}), ...Object.fromEntries(Object.keys(results.scenarios).map((k) => [k, { date: results.date, settings: results.settings }])) };
  // The headings of the scenarios kept from before use the settings of their own run.
  results.settings = previous.settings;
  Object.assign(results, { date: previous.date, scenarios: { ...previous.scenarios, ...results.scenarios }, measured });
}
writeFileSync(join(here, 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(render(results));
