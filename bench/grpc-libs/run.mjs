#!/usr/bin/env node
// `npm run bench:grpc-libs`: which gRPC library the push adapter (nacos-edge/grpc) should use, measured on Node, Bun
// and Deno against the official Nacos 2.5.1: our own client on node:http2 (src/grpc/connection.ts), @grpc/grpc-js,
// and @connectrpc/connect-node with @bufbuild/protobuf. Each does the adapter's work (server check, bi-stream set-up
// until the SetupAck, unary requests on that connection) in alternating rounds; the table gives the medians, and the
// size each adds to a bundled app. Writes bench/results/grpc-libs.md and .json. Never part of `npm test`.
//   ROUNDS=3 REQUESTS=2000 DURATION_MS=2000 npm run bench:grpc-libs
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { loadedSize } from '../../scripts/bundle-size.mjs';
import { ensureTargets, stopServer } from '../../scripts/nacos-server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const peers = join(root, 'bench', '.peers', 'grpc-libs');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const REQUESTS = Number(process.env.REQUESTS ?? 2000);
const DURATION_MS = Number(process.env.DURATION_MS ?? 2000);
const LIBRARIES = { '@grpc/grpc-js': '1.14.7', '@connectrpc/connect': '2.3.0', '@connectrpc/connect-node': '2.3.0', '@bufbuild/protobuf': '2.17.0' };
const log = (m) => process.stderr.write(`[grpc-libs] ${m}\n`);
const bin = (name) => join(root, 'node_modules', '.bin', name);

// ------------------------------------------------------------------ the libraries, and ours bundled from src/
if (!existsSync(join(peers, 'node_modules', '@connectrpc', 'connect-node'))) {
  log(`installing ${Object.entries(LIBRARIES).map(([n, v]) => `${n}@${v}`).join(' ')} into bench/.peers/grpc-libs`);
  mkdirSync(peers, { recursive: true });
  writeFileSync(join(peers, 'package.json'), '{"private":true,"type":"module"}');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '-E', ...Object.entries(LIBRARIES).map(([n, v]) => `${n}@${v}`)], { cwd: peers, stdio: 'inherit' });
}
await build({
  stdin: { contents: `export { GrpcConnection } from ${JSON.stringify(join(root, 'src/grpc/connection.ts'))}; export { encodePayload, decodePayload } from ${JSON.stringify(join(root, 'src/push/wire.ts'))};`, resolveDir: root, loader: 'ts' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: join(peers, 'ours.mjs'),
  logLevel: 'error',
});
copyFileSync(join(here, 'driver.mjs'), join(peers, 'driver.mjs'));

// ------------------------------------------------------------------ what each adds to a bundled app (esbuild, minified, gzip)
const sizes = {
  ours: await loadedSize(`export { GrpcConnection } from ${JSON.stringify(join(root, 'src/grpc/connection.ts'))};`, { platform: 'node' }),
  'grpc-js': await loadedSize(`export { Client, credentials } from '@grpc/grpc-js';`, { platform: 'node', resolveDir: peers }),
  connect: await loadedSize(
    `export { createClient } from '@connectrpc/connect'; export { createGrpcTransport } from '@connectrpc/connect-node'; export { create, createFileRegistry } from '@bufbuild/protobuf'; export { FileDescriptorProtoSchema, file_google_protobuf_any } from '@bufbuild/protobuf/wkt';`,
    { platform: 'node', resolveDir: peers },
  ),
};

// ------------------------------------------------------------------ runs
const { targets, started } = await ensureTargets(['v1'], { withAuth: false });
const [host, port] = targets.v1.serverAddr.split(':');
const grpcAddress = `${host}:${Number(port) + 1000}`;
const RUNTIMES = {
  node: [process.execPath],
  bun: [bin('bun')],
  deno: [bin('deno'), 'run', '--allow-net', '--allow-read', '--allow-env', '--allow-sys'],
};
const LIBS = ['ours', 'grpc-js', 'connect'];

/** One run: the driver's result, and how long the process took to end by itself after it (its timers and sockets). */
function runOnce(runtime, lib) {
  const [command, ...pre] = RUNTIMES[runtime];
  const child = spawn(command, [...pre, 'driver.mjs', `lib=${lib}`, `server=${grpcAddress}`, `requests=${REQUESTS}`, `durationMs=${DURATION_MS}`], {
    cwd: peers,
    env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let resultAt = 0;
  const spawned = performance.now();
  child.stdout.on('data', (d) => {
    out += d;
    if (!resultAt && out.includes('RESULT ')) resultAt = performance.now();
  });
  child.stderr.on('data', (d) => (err += d));
  // A process that does not end within 10 s of its result is killed: it would keep a server's app alive.
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  let lingerKiller;
  const watchLinger = setInterval(() => {
    if (resultAt && !lingerKiller) lingerKiller = setTimeout(() => child.kill('SIGKILL'), 10_000);
  }, 50);
  return new Promise((ok, fail) => {
    child.on('exit', () => {
      clearTimeout(killer);
      clearTimeout(lingerKiller);
      clearInterval(watchLinger);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) return fail(new Error(`${runtime} ${lib}: no result\n${out}\n${err.slice(-2000)}`));
      const exitMs = performance.now() - resultAt;
      ok({ ...JSON.parse(line.slice(7)), wallMs: performance.now() - spawned, exitMs, exitedByItself: exitMs < 10_000 });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { date: new Date().toISOString(), server: targets.v1.version, rounds: ROUNDS, requests: REQUESTS, durationMs: DURATION_MS, versions: LIBRARIES, runtimes: {}, sizes: {} };
for (const [name, s] of Object.entries(sizes)) results.sizes[name] = { minBytes: s.minBytes, gzipBytes: s.gzipBytes };
for (const runtime of Object.keys(RUNTIMES)) {
  const per = Object.fromEntries(LIBS.map((l) => [l, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < LIBS.length; i++) {
      const lib = LIBS[(i + r) % LIBS.length];
      log(`${runtime} ${lib}, round ${r + 1}`);
      per[lib].push(await runOnce(runtime, lib));
    }
  }
  results.runtimes[runtime] = Object.fromEntries(
    Object.entries(per).map(([lib, runs]) => [
      lib,
      Object.fromEntries(['importMs', 'openMs', 'p50', 'p99', 'opsPerSec', 'rssMb', 'wallMs', 'exitMs'].map((k) => [k, median(runs.map((x) => x[k]))]).concat([['exitedByItself', runs.every((x) => x.exitedByItself)]])),
    ]),
  );
}
for (const profile of started) await stopServer(profile);

// ------------------------------------------------------------------ output
const f = (n, d = 1) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const label = { ours: 'ours (node:http2)', 'grpc-js': `@grpc/grpc-js ${LIBRARIES['@grpc/grpc-js']}`, connect: `@connectrpc/connect-node ${LIBRARIES['@connectrpc/connect-node']}` };
let md = `# gRPC libraries for nacos-edge/grpc\n\n${results.date.slice(0, 10)}, official Nacos ${results.server}, ${ROUNDS} alternating rounds (medians), this machine (2 cores). `;
md += `Each run: import, server check + bi-stream set-up until the SetupAck, ${REQUESTS} sequential HealthCheckRequests, then 32 in flight for ${DURATION_MS / 1000} s. `;
md += 'Produced by `npm run bench:grpc-libs` (bench/grpc-libs/run.mjs).\n\n';
md += '| runtime | library | import | connect + set-up | request p50 / p99 | 32 in flight | RSS | process start → end | ends by itself after close |\n|---|---|---|---|---|---|---|---|---|\n';
for (const [runtime, libs] of Object.entries(results.runtimes)) {
  for (const [lib, m] of Object.entries(libs)) {
    md += `| ${runtime} | ${label[lib]} | ${f(m.importMs)} ms | ${f(m.openMs)} ms | ${f(m.p50, 2)} / ${f(m.p99, 2)} ms | ${f(m.opsPerSec, 0)} req/s | ${f(m.rssMb)} MB | ${f(m.wallMs, 0)} ms | ${m.exitedByItself ? `yes (${f(m.exitMs, 0)} ms)` : 'no (killed after 10 s)'} |\n`;
  }
}
md += '\n| library | bundled for Node (esbuild, minified) | gzip |\n|---|---|---|\n';
for (const [lib, s] of Object.entries(results.sizes)) md += `| ${label[lib]} | ${f(s.minBytes, 0)} B | ${f(s.gzipBytes, 0)} B |\n`;
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'grpc-libs.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(root, 'bench', 'results', 'grpc-libs.md'), md);
process.stdout.write(md);
