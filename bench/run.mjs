#!/usr/bin/env node
// `npm run bench`: nacos-edge next to the raw-fetch floor and the peer SDKs, on one real server, in
// alternating rounds (A B C D, then B C D A, …), reporting the median and the spread of the rounds.
// Writes bench/results/latest.json, latest.md and chart.svg. Never part of `npm test`.
//
//   ROUNDS=3 DURATION_MS=3000 CHANGES=200 KEYS=10000 IDLE_MS=60000 npm run bench
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { readState, startServer, stopServer } from '../scripts/nacos-server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION_MS = Number(process.env.DURATION_MS ?? 3000);
const CHANGES = Number(process.env.CHANGES ?? 200);
const KEYS = Number(process.env.KEYS ?? 10_000);
const IDLE_MS = Number(process.env.IDLE_MS ?? 60_000);
const NODE_SDK = 'nacos@2.6.3';
const PYTHON_SDK = 'nacos-sdk-python==3.2.0';
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

if (!existsSync(join(root, 'dist', 'index.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
const python = installPeers();

const CONTENDERS = {
  floor: { label: 'floor (raw fetch)', command: process.execPath, args: [join(here, 'drivers', 'floor.mjs')] },
  edge: { label: 'nacos-edge', command: process.execPath, args: [join(here, 'drivers', 'edge.mjs')] },
  'node-sdk': { label: `npm ${NODE_SDK}`, command: process.execPath, args: [join(here, 'drivers', 'node-sdk.mjs')] },
  'python-sdk': { label: `${PYTHON_SDK} (v2 API)`, command: python, args: [join(here, 'peers', 'python', 'driver.py')] },
};

// ------------------------------------------------------------------ server
const external = process.env.NACOS_SERVER_ADDR;
const before = readState('bench');
const state = external ? undefined : await startServer({ profile: 'bench' });
const server = external ?? state.serverAddr;
const serverVersion = external ? 'external' : state.version;

async function publish(dataId, content) {
  const res = await fetch(`http://${server}/nacos/v1/cs/configs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ dataId, group: 'DEFAULT_GROUP', content }),
  });
  if ((await res.text()) !== 'true') throw new Error(`publish ${dataId} failed`);
}

/**
 * Runs one driver to completion; `onLine` sees stdout lines as they come (READY, …). A driver still
 * running after `timeoutMs` is killed and reported as `{ timedOut: true }`.
 */
function runDriver(name, params, onLine, timeoutMs = 120_000) {
  const c = CONTENDERS[name];
  const argv = [...c.args, `server=${server}`, ...Object.entries(params).map(([k, v]) => `${k}=${v}`)];
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

const results = { date: new Date().toISOString(), server: serverVersion, rounds: ROUNDS, node: process.version, scenarios: {} };
const ALL = ['floor', 'edge', 'node-sdk', 'python-sdk'];

// 1. getConfig throughput
for (const concurrency of [1, 32]) {
  const dataId = `bench-get-${Date.now()}`;
  await publish(dataId, 'key=value\n'.repeat(20));
  log(`getConfig, concurrency ${concurrency}`);
  const per = await rounds(ALL, (name) => runDriver(name, { scenario: 'getconfig', dataId, concurrency, durationMs: DURATION_MS }));
  results.scenarios[`getConfig c=${concurrency}`] = Object.fromEntries(
    Object.entries(per).map(([name, runs]) => [name, { opsPerSec: median(runs.map((r) => r.opsPerSec)), spread: spread(runs.map((r) => r.opsPerSec)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)) }]),
  );
}

// 2. change notification: the publisher stamps its send time into the content; the driver's callback subtracts.
{
  log(`publish → listener, ${CHANGES} changes per run`);
  const per = await rounds(ALL, async (name) => {
    const dataId = `bench-notify-${name}-${Date.now()}`;
    await publish(dataId, 'seq=0;t=0');
    let ready;
    const isReady = new Promise((r) => (ready = r));
    // Enough time for every change at 20 ms apart plus 15 s: a driver that is not called back by then is reported, not waited for.
    const run = runDriver(name, { scenario: 'notify', dataId, changes: CHANGES }, (line) => line === 'READY' && ready(), 30_000 + CHANGES * 40);
    await Promise.race([isReady, run]);
    for (let i = 1; i <= CHANGES; i++) {
      await publish(dataId, `seq=${i};t=${performance.timeOrigin + performance.now()}`);
      // One change at a time: the next is published after this one could have been seen (a change per 20 ms).
      await new Promise((r) => setTimeout(r, 20));
    }
    const result = await run;
    if (result.timedOut) return { p50: undefined, p99: undefined, delivered: 0 };
    const { latencies } = result;
    return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), delivered: latencies.length };
  });
  results.scenarios['publish → listener'] = Object.fromEntries(
    Object.entries(per).map(([name, runs]) => {
      const ok = runs.filter((r) => r.p50 !== undefined);
      if (ok.length === 0) return [name, { p50: undefined, p99: undefined, spreadP50: [undefined, undefined], delivered: 0, note: 'no callback within the run' }];
      return [name, { p50: median(ok.map((r) => r.p50)), p99: median(ok.map((r) => r.p99)), spreadP50: spread(ok.map((r) => r.p50)), delivered: median(ok.map((r) => r.delivered)) }];
    }),
  );
}

// 3. many keys (nacos-edge): polls held, memory and CPU while idle
{
  log(`${KEYS} watched keys, idle ${IDLE_MS} ms (nacos-edge)`);
  const r = await runDriver('edge', { scenario: 'manykeys', dataId: `bench-many-${Date.now()}`, keys: KEYS, idleMs: IDLE_MS });
  results.scenarios[`${KEYS} watched keys, idle`] = { edge: { heldPollsAvg: r.heldPollsAvg, extraRssMb: r.extraRssMb, cpuPercent: r.cpuPercent } };
}

// 6. cold start: process start + import + first getConfig
{
  const dataId = `bench-cold-${Date.now()}`;
  await publish(dataId, 'cold=1');
  log('cold start');
  const per = await rounds(ALL, (name) => runDriver(name, { scenario: 'coldstart', dataId }));
  results.scenarios['cold start (process + import + first getConfig)'] = Object.fromEntries(
    Object.entries(per).map(([name, runs]) => [name, { ms: median(runs.map((r) => r.wallMs)), spread: spread(runs.map((r) => r.wallMs)) }]),
  );
}

// 7. bundle size
{
  log('bundle sizes');
  const dir = mkdtempSync(join(tmpdir(), 'nacos-edge-bench-size-'));
  // As an app bundles it: minified, code splitting (lazy chunks such as the YAML parser are not counted).
  const size = async (code, platform, resolveDir) => {
    const entry = join(resolveDir === root ? dir : resolveDir, `entry-${Math.random().toString(36).slice(2)}.mjs`);
    writeFileSync(entry, code);
    const out = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', platform, target: 'es2022', write: false, outdir: join(dir, 'out'), logLevel: 'silent', splitting: true, external: platform === 'node' ? ['proxy-agent'] : [] });
    const main = out.outputFiles.find((f) => f.path.endsWith(`${entry.split('/').pop().replace('.mjs', '.js')}`)) ?? out.outputFiles[0];
    return { minBytes: main.contents.length, gzipBytes: gzipSync(main.contents, { level: 9 }).length };
  };
  results.scenarios['bundle size'] = {
    'edge (config only)': await size(`export { NacosConfigService, ClientConfigBuilder } from ${JSON.stringify(join(root, 'dist', 'index.js'))};`, 'neutral', root),
    'edge (config + naming)': await size(`export { NacosConfigService, NacosNamingService, ClientConfigBuilder } from ${JSON.stringify(join(root, 'dist', 'index.js'))};`, 'neutral', root),
    'node-sdk (for Node; it cannot bundle for browsers or neutral)': await size(`export { NacosConfigClient, NacosNamingClient } from 'nacos';`, 'node', join(peers, 'node')),
  };
}

if (state && (!before || before.pid !== state.pid)) await stopServer('bench');

// ------------------------------------------------------------------ output
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);

const fmt = (x, digits = 1) => (x === undefined || Number.isNaN(x) ? '–' : Number(x).toFixed(digits));
const label = (name) => CONTENDERS[name]?.label ?? name;
let md = `# Benchmarks\n\n${results.date}, ${results.server}, Node ${results.node}, ${ROUNDS} alternating rounds (median; spread = min–max of the rounds).\nRatios are the ones that matter; the machines are shared and noisy.\n\n`;
for (const c of [1, 32]) {
  const s = results.scenarios[`getConfig c=${c}`];
  md += `## getConfig, concurrency ${c}\n\n| contender | ops/s | spread | p50 ms | p99 ms | × floor | × nacos-edge |\n|---|---|---|---|---|---|---|\n`;
  for (const [name, r] of Object.entries(s)) md += `| ${label(name)} | ${fmt(r.opsPerSec, 0)} | ${fmt(r.spread[0], 0)}–${fmt(r.spread[1], 0)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.opsPerSec / s.floor.opsPerSec, 2)} | ${fmt(r.opsPerSec / s.edge.opsPerSec, 2)} |\n`;
  md += '\n';
}
{
  const s = results.scenarios['publish → listener'];
  md += `## publish → listener callback (${CHANGES} changes per run)\n\n| contender | p50 ms | p99 ms | p50 spread | × floor (p50) | × nacos-edge (p50) |\n|---|---|---|---|---|---|\n`;
  for (const [name, r] of Object.entries(s)) {
    md += r.note
      ? `| ${label(name)} | ${r.note} | | | | |\n`
      : `| ${label(name)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.spreadP50[0], 2)}–${fmt(r.spreadP50[1], 2)} | ${fmt(r.p50 / s.floor.p50, 2)} | ${fmt(r.p50 / s.edge.p50, 2)} |\n`;
  }
  md += '\n';
}
{
  const [key, s] = Object.entries(results.scenarios).find(([k]) => k.includes('watched keys'));
  md += `## ${key}\n\n| contender | long polls held | extra RSS MB | CPU % of a core |\n|---|---|---|---|\n| nacos-edge | ${fmt(s.edge.heldPollsAvg, 1)} | ${fmt(s.edge.extraRssMb, 1)} | ${fmt(s.edge.cpuPercent, 2)} |\n\n`;
}
{
  const s = results.scenarios['cold start (process + import + first getConfig)'];
  md += `## cold start: process + import + first getConfig\n\n| contender | ms | spread | × floor | × nacos-edge |\n|---|---|---|---|---|\n`;
  for (const [name, r] of Object.entries(s)) md += `| ${label(name)} | ${fmt(r.ms, 0)} | ${fmt(r.spread[0], 0)}–${fmt(r.spread[1], 0)} | ${fmt(r.ms / s.floor.ms, 2)} | ${fmt(r.ms / s.edge.ms, 2)} |\n`;
  md += '\n';
}
{
  const s = results.scenarios['bundle size'];
  md += `## bundle size (esbuild, minified)\n\n| entry | min bytes | gzip bytes |\n|---|---|---|\n`;
  for (const [name, r] of Object.entries(s)) md += `| ${name} | ${r.minBytes} | ${r.gzipBytes} |\n`;
  md += '\n';
}
writeFileSync(join(here, 'results', 'latest.md'), md);

// A small bar chart: getConfig ops/s at c=1 and c=32 per contender.
{
  const names = ALL;
  const series = [1, 32].map((c) => names.map((n) => results.scenarios[`getConfig c=${c}`][n].opsPerSec));
  const max = Math.max(...series.flat());
  const W = 640;
  const rowH = 26;
  const left = 200;
  let y = 40;
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${40 + names.length * rowH * 2 + 40}" font-family="system-ui, sans-serif" font-size="12">`;
  svg += `<text x="10" y="20" font-size="14" font-weight="bold">getConfig ops/s (${results.server}; longer is better)</text>`;
  names.forEach((n, i) => {
    [0, 1].forEach((k) => {
      const v = series[k][i];
      const w = ((W - left - 80) * v) / max;
      svg += `<text x="10" y="${y + 14}">${label(n)} ${k === 0 ? 'c=1' : 'c=32'}</text>`;
      svg += `<rect x="${left}" y="${y + 3}" width="${w.toFixed(1)}" height="16" fill="${n === 'edge' ? '#2f80ed' : n === 'floor' ? '#9aa5b1' : '#f2994a'}" opacity="${k === 0 ? 0.7 : 1}"/>`;
      svg += `<text x="${left + w + 6}" y="${y + 15}">${Math.round(v)}</text>`;
      y += rowH;
    });
  });
  svg += '</svg>\n';
  writeFileSync(join(here, 'results', 'chart.svg'), svg);
}
process.stdout.write(md);
