#!/usr/bin/env node
// Gets, starts, stops and reports a local Nacos server for the tests, the quickstart and the benches.
//
//   node scripts/nacos-server.mjs install                 fetch/build the server into the cache
//   node scripts/nacos-server.mjs start [--profile auth] [--port N] [--json]
//   node scripts/nacos-server.mjs stop [--profile auth | --all]
//   node scripts/nacos-server.mjs status [--json]
//   node scripts/nacos-server.mjs env [--profile auth]   print NACOS_* variables for a shell
//
// Server flavours (NACOS_SERVER_IMPL):
//   official  the Java server from Maven Central (com.alibaba.nacos:nacos-console for 2.x,
//             nacos-bootstrap for 3.x). Maven Central does not serve those artifacts today, so this
//             flavour fails with Maven's own message; it stays here so the harness needs no change
//             the day they are published.
//   rnacos    (default) r-nacos, the Rust re-implementation from crates.io, built with `cargo install`.
//
// Profiles: `default` (no auth), `auth` (open-API auth on, admin user with a known password, short
// token TTL configurable with NACOS_TOKEN_TTL_SECONDS), and any other name tests need for a server of
// their own (`auth-*` names have auth on). Each profile gets its own free ports (gRPC = HTTP + 1000),
// its own data dir and its own state file under .nacos/run/.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUN_DIR = join(ROOT, '.nacos', 'run');
const CACHE_DIR = process.env.NACOS_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nacos-edge');

/** Pinned versions. The official ones are the newest 2.x and 3.x that nacos-client has on Maven Central. */
export const PINS = Object.freeze({
  rnacos: '0.8.8',
  official2: '2.5.1',
  official3: '3.2.1-2026.03.30',
});

export const AUTH_USERNAME = 'nacos';
export const AUTH_PASSWORD = 'nacos-edge-test-password';

const log = (msg) => process.stderr.write(`[nacos-server] ${msg}\n`);

/** @returns {'rnacos' | 'official'} */
function serverImpl() {
  const impl = process.env.NACOS_SERVER_IMPL ?? 'rnacos';
  if (impl !== 'rnacos' && impl !== 'official') throw new Error(`NACOS_SERVER_IMPL must be rnacos or official, not ${impl}`);
  return impl;
}

// ---------------------------------------------------------------------------------------------
// install

function rnacosBinary() {
  return join(CACHE_DIR, `rnacos-${PINS.rnacos}`, 'bin', 'rnacos');
}

/** Builds r-nacos from crates.io into the cache once; later calls return at once. */
export function installRnacos() {
  const bin = rnacosBinary();
  if (existsSync(bin)) return bin;
  log(`r-nacos ${PINS.rnacos} not cached; building it with cargo (one time, a few minutes) into ${dirname(dirname(bin))}`);
  const started = Date.now();
  const result = spawnSync(
    'cargo',
    ['install', 'rnacos', '--version', PINS.rnacos, '--locked', '--root', dirname(dirname(bin))],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (result.error) throw new Error(`cargo could not run (${result.error.message}); is Rust installed?`);
  if (result.status !== 0 || !existsSync(bin)) throw new Error(`cargo install rnacos@${PINS.rnacos} failed (exit ${result.status})`);
  log(`built r-nacos in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return bin;
}

/**
 * Resolves the official server with Maven into the cache. Throws Maven's error when the
 * artifact is not served (the case on Maven Central today).
 */
export function installOfficial(version = process.env.NACOS_VERSION ?? PINS.official2) {
  const major = Number(version.split('.')[0]);
  const artifact = major >= 3 ? 'nacos-bootstrap' : 'nacos-console';
  const libDir = join(CACHE_DIR, `nacos-${version}`, 'lib');
  if (existsSync(join(libDir, '.complete'))) return { libDir, mainClass: mainClassFor(major) };
  mkdirSync(libDir, { recursive: true });
  const pom = `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>local</groupId><artifactId>nacos-server-resolve</artifactId><version>1</version>
<dependencies><dependency><groupId>com.alibaba.nacos</groupId><artifactId>${artifact}</artifactId><version>${version}</version></dependency></dependencies></project>`;
  const pomDir = join(CACHE_DIR, `nacos-${version}`);
  writeFileSync(join(pomDir, 'pom.xml'), pom);
  log(`resolving com.alibaba.nacos:${artifact}:${version} from Maven Central`);
  const result = spawnSync('mvn', ['-q', '-B', '-f', join(pomDir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${libDir}`], {
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    const errors = `${result.stdout}${result.stderr}`.split('\n').filter((l) => l.includes('ERROR')).slice(0, 6).join('\n');
    throw new Error(`Maven could not resolve com.alibaba.nacos:${artifact}:${version}:\n${errors}`);
  }
  writeFileSync(join(libDir, '.complete'), '');
  return { libDir, mainClass: mainClassFor(major) };
}

function mainClassFor(major) {
  return major >= 3 ? 'com.alibaba.nacos.bootstrap.NacosBootstrap' : 'com.alibaba.nacos.Nacos';
}

// ---------------------------------------------------------------------------------------------
// ports, state

function portIsFree(port) {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolvePort(true)));
  });
}

/** A port p where p (HTTP), p+1000 (gRPC) and p+2000 (console) are all free. */
async function findFreePortTriple() {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    if ((await portIsFree(port)) && (await portIsFree(port + 1000)) && (await portIsFree(port + 2000))) return port;
  }
  throw new Error('no free port triple found on 127.0.0.1');
}

function stateFile(profile) {
  return join(RUN_DIR, `${profile}.json`);
}

/** @returns {ServerState | undefined} */
export function readState(profile) {
  try {
    return JSON.parse(readFileSync(stateFile(profile), 'utf8'));
  } catch {
    return undefined;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Polls until the server is ready: its readiness endpoint answers (200, or 403 from an auth filter
 * that guards it), and with auth on, the admin can log in. No fixed sleeps: 100 ms between polls.
 */
async function waitUntilReady(state, child, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} before it was ready`);
    if (child && /panicked at/.test(logTail(state.logFile, 200))) throw new Error('server panicked during start-up');
    try {
      const res = await fetch(`${state.url}/nacos/v1/console/health/readiness`, { signal: AbortSignal.timeout(2000) });
      if (res.ok || res.status === 403) {
        // Up is not ready: prove a config write goes through (r-nacos can be up with a broken store).
        await writeProbe(state);
        if (child && /panicked at/.test(logTail(state.logFile, 200))) throw new Error('server panicked during start-up');
        return;
      }
      lastError = `readiness answered ${res.status}`;
    } catch (error) {
      lastError = error.cause?.code ?? error.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server not ready after ${deadlineMs} ms (${lastError})`);
}

async function writeProbe(state) {
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (state.auth) headers.accessToken = await login(state);
  const res = await fetch(`${state.url}/nacos/v1/cs/configs`, {
    method: 'POST',
    headers,
    body: new URLSearchParams({ dataId: 'nacos-edge.ready', group: 'DEFAULT_GROUP', content: String(Date.now()) }).toString(),
    signal: AbortSignal.timeout(2000),
  });
  if (res.status !== 200) throw new Error(`probe write answered ${res.status}`);
}

/** Logs in as the profile's admin (credentials in the form body) and returns the access token. */
export async function login(state) {
  const res = await fetch(`${state.url}/nacos/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: state.username, password: state.password }).toString(),
    signal: AbortSignal.timeout(2000),
  });
  if (res.status !== 200) throw new Error(`admin login answered ${res.status}`);
  const { accessToken } = await res.json();
  if (!accessToken) throw new Error('admin login returned no token');
  return accessToken;
}

function logTail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * @typedef {object} ServerState
 * @property {string} profile
 * @property {'rnacos' | 'official'} impl
 * @property {string} version
 * @property {number} pid
 * @property {number} port
 * @property {string} url            e.g. http://127.0.0.1:23456
 * @property {string} serverAddr     e.g. 127.0.0.1:23456
 * @property {string} dataDir
 * @property {string} logFile
 * @property {boolean} auth
 * @property {string} [username]
 * @property {string} [password]
 * @property {number} [tokenTtlSeconds]
 * @property {number} startMs        time from spawn to ready
 */

// ---------------------------------------------------------------------------------------------
// start / stop

/**
 * Starts a server for the profile, or returns the running one.
 * @param {{ profile?: string, port?: number, dataDir?: string, env?: Record<string, string> }} [options]
 * @returns {Promise<ServerState>}
 */
export async function startServer(options = {}) {
  const profile = options.profile ?? 'default';
  if (!/^[a-z][a-z0-9-]*$/.test(profile)) throw new Error(`profile names are lower-case words, not ${profile}`);
  const running = readState(profile);
  if (running && isAlive(running.pid) && options.port === undefined) {
    try {
      await waitUntilReady(running, undefined, 2000);
      log(`reusing ${running.impl} ${running.version} (${profile}) at ${running.url}, pid ${running.pid}`);
      return running;
    } catch {
      log(`stale server pid ${running.pid}; starting a new one`);
      await stopServer(profile);
    }
  }
  const impl = serverImpl();
  const port = options.port ?? (await findFreePortTriple());
  const dataDir = options.dataDir ?? join(ROOT, '.nacos', 'data', `${profile}-${port}`);
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(RUN_DIR, { recursive: true });
  const logFile = join(dataDir, 'server.log');
  // Profiles named auth or auth-* have auth on. Their tokens live only NACOS_TOKEN_TTL_SECONDS (default 8 s),
  // so every auth test run also exercises token refresh.
  const auth = profile === 'auth' || profile.startsWith('auth-');
  const tokenTtlSeconds = Number(process.env.NACOS_TOKEN_TTL_SECONDS ?? (auth ? 8 : 18000));

  let command;
  let args;
  let env = { ...process.env };
  let version;
  if (impl === 'rnacos') {
    command = installRnacos();
    args = [];
    version = `r-nacos ${PINS.rnacos}`;
    env = {
      ...env,
      RNACOS_HTTP_PORT: String(port),
      RNACOS_GRPC_PORT: String(port + 1000),
      RNACOS_HTTP_CONSOLE_PORT: String(port + 2000),
      RNACOS_SDK_HOST: '127.0.0.1',
      RNACOS_CONSOLE_HOST: '127.0.0.1',
      RNACOS_RAFT_NODE_ADDR: `127.0.0.1:${port + 1000}`,
      RNACOS_CONFIG_DB_DIR: join(dataDir, 'db'),
      RNACOS_ENABLE_OPEN_API_AUTH: String(auth),
      RNACOS_INIT_ADMIN_USERNAME: AUTH_USERNAME,
      RNACOS_INIT_ADMIN_PASSWORD: AUTH_PASSWORD,
      RNACOS_API_LOGIN_TIMEOUT: String(tokenTtlSeconds),
      RNACOS_ENABLE_METRICS: 'false',
      RUST_LOG: process.env.RUST_LOG ?? 'warn',
      ...options.env,
    };
  } else {
    const nacosVersion = process.env.NACOS_VERSION ?? PINS.official2;
    const { libDir, mainClass } = installOfficial(nacosVersion);
    version = `nacos ${nacosVersion}`;
    command = 'java';
    args = [
      '-Xms256m',
      '-Xmx512m',
      '--add-opens=java.base/java.lang=ALL-UNNAMED',
      '--add-opens=java.base/java.lang.reflect=ALL-UNNAMED',
      '--add-opens=java.base/java.util=ALL-UNNAMED',
      '--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED',
      '-Dnacos.standalone=true',
      `-Dnacos.home=${dataDir}`,
      `-Dserver.port=${port}`,
      '-Dserver.address=127.0.0.1',
      `-Dnacos.core.auth.enabled=${auth}`,
      '-Dnacos.core.auth.plugin.nacos.token.secret.key=bmFjb3MtZWRnZS10ZXN0LXRva2VuLXNlY3JldC1rZXktMDEyMzQ1Njc4OQ==',
      `-Dnacos.core.auth.plugin.nacos.token.expire.seconds=${tokenTtlSeconds}`,
      '-Dnacos.core.auth.server.identity.key=nacos-edge',
      '-Dnacos.core.auth.server.identity.value=nacos-edge',
      '-cp',
      `${libDir}/*`,
      mainClass,
    ];
  }

  // r-nacos 0.8.8 sometimes panics in its raft start-up on a fresh data dir (raftapply.rs:421, an
  // actor used before it is initialised); the process lives on but never creates the admin user.
  // Such a start is detected from its log and retried, up to three attempts.
  const freshData = options.dataDir === undefined;
  let attempt = 0;
  let child;
  let state;
  let started;
  for (;;) {
    attempt++;
    log(`starting ${version} (${profile}${auth ? ', auth on' : ''}) on 127.0.0.1:${port}${attempt > 1 ? `, attempt ${attempt}` : ''}`);
    started = Date.now();
    const out = openSync(logFile, 'w');
    child = spawn(command, args, { env, cwd: dataDir, stdio: ['ignore', out, out], detached: true });
    child.unref();
    /** @type {ServerState} */
    state = {
      profile,
      impl,
      version,
      pid: child.pid,
      port,
      url: `http://127.0.0.1:${port}`,
      serverAddr: `127.0.0.1:${port}`,
      dataDir,
      logFile,
      auth,
      ...(auth ? { username: AUTH_USERNAME, password: AUTH_PASSWORD, tokenTtlSeconds } : {}),
      ...(options.env ? { env: options.env } : {}),
      startMs: 0,
    };
    try {
      await waitUntilReady(state, child, Number(process.env.NACOS_START_TIMEOUT_MS ?? 120_000));
      break;
    } catch (error) {
      await killAndWait(child.pid);
      const retry = attempt < 3 && /panicked/.test(error.message);
      if (!retry) throw new Error(`${version} did not come up: ${error.message}\n--- last lines of ${logFile} ---\n${logTail(logFile)}`);
      log(`${version} failed to start (${error.message}); retrying`);
      if (freshData) rmSync(join(dataDir, 'db'), { recursive: true, force: true });
    }
  }
  state.startMs = Date.now() - started;
  writeFileSync(stateFile(profile), JSON.stringify(state, null, 2));
  log(`ready in ${(state.startMs / 1000).toFixed(2)} s at ${state.url} (pid ${state.pid})`);
  return state;
}

async function killAndWait(pid) {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 10_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await new Promise((r) => setTimeout(r, 20));
}

/**
 * Stops the profile's server by its PID and waits until it is gone. Its data dir is removed unless
 * `keepState` (the state file and data stay, for a restart on the same port with the same data).
 */
export async function stopServer(profile = 'default', { keepState = false } = {}) {
  const state = readState(profile);
  if (!state) return false;
  if (isAlive(state.pid)) {
    await killAndWait(state.pid);
    log(`stopped ${state.version} (${profile}) pid ${state.pid}`);
  }
  if (!keepState) {
    rmSync(stateFile(profile), { force: true });
    rmSync(state.dataDir, { recursive: true, force: true });
  }
  return true;
}

/** Stops and starts the profile's server on the same port with the same data (for outage tests). */
export async function restartServer(profile = 'default') {
  const state = readState(profile);
  if (!state) throw new Error(`no ${profile} server to restart`);
  await stopServer(profile, { keepState: true });
  return startServer({ profile, port: state.port, dataDir: state.dataDir, env: state.env });
}

/** Resident memory of a PID in kB (Linux), for the closing note's figures. */
export function rssKb(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.replace(/\D+/g, '')) : undefined;
  } catch {
    return undefined;
  }
}

function listProfiles() {
  try {
    return readdirSync(RUN_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  } catch {
    return [];
  }
}

function envLines(state) {
  const lines = [`NACOS_SERVER_ADDR=${state.serverAddr}`];
  if (state.auth) lines.push(`NACOS_USERNAME=${state.username}`, `NACOS_PASSWORD=${state.password}`);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// CLI

async function main(argv) {
  const [command = 'status', ...rest] = argv;
  const flag = (name) => {
    const i = rest.indexOf(`--${name}`);
    return i >= 0 ? (rest[i + 1] ?? '') : undefined;
  };
  const has = (name) => rest.includes(`--${name}`);
  const profile = flag('profile') ?? 'default';
  switch (command) {
    case 'install':
      if (serverImpl() === 'rnacos') log(`r-nacos ${PINS.rnacos} at ${installRnacos()}`);
      else log(`official server jars in ${installOfficial().libDir}`);
      return;
    case 'start': {
      const port = flag('port');
      const state = await startServer({ profile, ...(port ? { port: Number(port) } : {}) });
      if (has('json')) console.log(JSON.stringify({ ...state, password: state.password ? '***' : undefined }));
      else console.log(`${state.version} (${profile}) ready at ${state.url}`);
      return;
    }
    case 'stop':
      for (const p of has('all') ? listProfiles() : [profile]) await stopServer(p);
      return;
    case 'restart':
      await restartServer(profile);
      return;
    case 'status': {
      const rows = listProfiles().map((p) => {
        const state = readState(p);
        if (!state) return { profile: p, running: false };
        return { profile: p, running: isAlive(state.pid), version: state.version, url: state.url, pid: state.pid, rssKb: rssKb(state.pid) };
      });
      if (has('json')) console.log(JSON.stringify(rows));
      else for (const r of rows) console.log(r.running ? `${r.profile}: ${r.version} at ${r.url} (pid ${r.pid}, RSS ${r.rssKb} kB)` : `${r.profile}: not running`);
      if (rows.length === 0) console.log('no server started by this script');
      process.exitCode = rows.some((r) => r.running) ? 0 : 3;
      return;
    }
    case 'env': {
      const state = readState(profile);
      if (!state || !isAlive(state.pid)) throw new Error(`no running ${profile} server; run start first`);
      console.log(envLines(state).map((l) => `export ${l}`).join('\n'));
      return;
    }
    default:
      console.error('usage: nacos-server.mjs install | start [--profile default|auth] [--port N] [--json] | stop [--profile P | --all] | restart | status [--json] | env [--profile P]');
      process.exitCode = 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    log(`error: ${error.message}`);
    process.exitCode = 1;
  });
}
