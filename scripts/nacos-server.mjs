#!/usr/bin/env node
// Gets, starts, stops and reports local Nacos servers for the tests, the quickstart and the benches.
//
//   node scripts/nacos-server.mjs install [VERSION ...]        build the official servers into the cache (once)
//   node scripts/nacos-server.mjs start [--profile P] [--base B] [--json]
//   node scripts/nacos-server.mjs stop [--profile P | --all]
//   node scripts/nacos-server.mjs restart --profile P
//   node scripts/nacos-server.mjs status [--json]
//   node scripts/nacos-server.mjs env [--profile P]            print NACOS_* variables for a shell
//
// The server is the official Nacos (alibaba/nacos), built from its release source with Maven. Maven Central
// publishes only the client-side artifacts, so the source archives come from NACOS_SERVER_SOURCE (default:
// ../shared/nacos-server beside this checkout: nacos-VERSION-src.tar.gz and build.sh), and the build lands in
// NACOS_CACHE_DIR (default ~/.cache/nacos-edge). Without the archives the script downloads the official binary
// release from GitHub, and says exactly what it needs when that is not reachable either.
//
// Profiles (a profile is one running server; its name is also its state file under .nacos/run/):
//   v2        Nacos 2.5.1, auth off                                      v1 HTTP API, long polling
//   v2-auth   Nacos 2.5.1, auth on, tokens live NACOS_TOKEN_TTL_SECONDS (8 s), so every run crosses token expiry
//   v3        Nacos 3.0.3 with the v1/v2 client API off (the Nacos 3.2 surface: v1 answers 410), client API open,
//             admin API behind the admin login (as every 3.x by default)
//   v3-auth   the same with auth on for every API, 8 s tokens
// Any other profile name needs --base (one of the four): tests that stop and restart a server of their own.
// The admin user is nacos / nacos-edge-test-password on every official profile.
//
// NACOS_SERVER_IMPL=rnacos selects r-nacos 0.8.8 (the Rust re-implementation of the 1.x/2.x HTTP API, built
// with cargo) as an extra, explicitly named target for the v2 profiles; it has no 3.x API.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUN_DIR = join(ROOT, '.nacos', 'run');
const CACHE_DIR = process.env.NACOS_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nacos-edge');
/**
 * Where the source archives and build.sh are: NACOS_SERVER_SOURCE, else `shared/nacos-server` beside this
 * checkout or beside any folder above it (a clean clone elsewhere still finds the shared folder of /work).
 */
function sourceDir() {
  if (process.env.NACOS_SERVER_SOURCE) return process.env.NACOS_SERVER_SOURCE;
  const candidates = [];
  for (let dir = ROOT; ; dir = dirname(dir)) {
    candidates.push(join(dir, 'shared', 'nacos-server'), join(dirname(dir), 'shared', 'nacos-server'));
    if (dirname(dir) === dir) break;
  }
  candidates.push('/work/shared/nacos-server');
  return candidates.find((c) => existsSync(join(c, 'build.sh'))) ?? join(dirname(ROOT), 'shared', 'nacos-server');
}

/** Pinned versions: the newest 2.x and a 3.x whose v1/v2 client API can be switched off (the 3.2 surface). */
export const PINS = Object.freeze({ v2: '2.5.1', v3: '3.0.3', rnacos: '0.8.8' });

export const AUTH_USERNAME = 'nacos';
export const AUTH_PASSWORD = 'nacos-edge-test-password';

/**
 * The base profiles. `generation` is the HTTP API the server offers to clients: `v1` (1.x/2.x, 3.0/3.1 with
 * compatibility on) or `v3` (3.2+, here 3.0.3 with the client compatibility switch off).
 * `auth`: every API needs a token. `adminAuth`: the admin API needs the admin's token (3.x default).
 */
export const BASE_PROFILES = Object.freeze({
  v2: { version: PINS.v2, generation: 'v1', auth: false, adminAuth: false },
  'v2-auth': { version: PINS.v2, generation: 'v1', auth: true, adminAuth: true },
  v3: { version: PINS.v3, generation: 'v3', auth: false, adminAuth: true },
  'v3-auth': { version: PINS.v3, generation: 'v3', auth: true, adminAuth: true },
});

const log = (msg) => process.stderr.write(`[nacos-server] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @returns {'official' | 'rnacos'} */
function serverImpl() {
  const impl = process.env.NACOS_SERVER_IMPL ?? 'official';
  if (impl !== 'rnacos' && impl !== 'official') throw new Error(`NACOS_SERVER_IMPL must be official or rnacos, not ${impl}`);
  return impl;
}

// ---------------------------------------------------------------------------------------------
// install

/** The folder of a built official server (bin/, conf/, target/nacos-server.jar). */
export function officialDir(version) {
  return join(CACHE_DIR, `nacos-${version}`);
}

const officialJar = (version) => join(officialDir(version), 'target', 'nacos-server.jar');

/** Measured on 2-core machines; said up front so a first run is not a surprise. */
const BUILD_ESTIMATE = { '2.5.1': '2–5 min', '3.0.3': '2–8 min' };

/**
 * Builds the official server `version` into the cache once (later calls return at once): from the source
 * archive with the build script beside it, or else from the official binary release. Prints progress.
 */
export async function installOfficial(version) {
  if (existsSync(officialJar(version))) return officialDir(version);
  const source = sourceDir();
  const archive = join(source, `nacos-${version}-src.tar.gz`);
  const script = join(source, 'build.sh');
  const started = Date.now();
  if (existsSync(archive) && existsSync(script)) {
    for (const tool of ['java', 'mvn']) {
      if (spawnSync(tool, ['-version'], { stdio: 'ignore' }).error) throw new Error(`building Nacos ${version} needs Java 17 and Maven 3.8 on the PATH; \`${tool}\` is missing`);
    }
    log(`Nacos ${version} is not built yet: building it from ${archive} with Maven into ${officialDir(version)}`);
    log(`one time only; about ${BUILD_ESTIMATE[version] ?? 'several minutes'} on 2 cores, plus ~300 MB of Maven downloads on a machine that has none`);
    await runBuild(script, version);
  } else {
    log(`no source archive at ${archive}; trying the official binary release of Nacos ${version}`);
    await downloadRelease(version, archive);
  }
  if (!existsSync(officialJar(version))) throw new Error(`Nacos ${version}: the build left no ${officialJar(version)}`);
  log(`Nacos ${version} ready in ${officialDir(version)} after ${formatDuration(Date.now() - started)}`);
  return officialDir(version);
}

/** Runs build.sh, echoing a progress line (elapsed time and the module Maven is on) every 20 s. */
async function runBuild(script, version) {
  const child = spawn('bash', [script, version, officialDir(version)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let buildLog;
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    buildLog ??= /\(log: ([^)]+)\)/.exec(stderr)?.[1];
  });
  child.stdout.resume();
  const started = Date.now();
  const ticker = setInterval(() => {
    const module = buildLog ? lastMatch(buildLog, /Building (nacos-[\w-]+|Alibaba NACOS[^\n]*?) +[\d.]+/g) : undefined;
    log(`  still building Nacos ${version}: ${formatDuration(Date.now() - started)}${module ? `, at ${module}` : ''}`);
  }, 20_000);
  const code = await new Promise((r) => child.on('close', r));
  clearInterval(ticker);
  if (code !== 0) throw new Error(`building Nacos ${version} failed (exit ${code}):\n${stderr.trim().split('\n').slice(-25).join('\n')}`);
}

function lastMatch(file, pattern) {
  try {
    const text = readFileSync(file, 'utf8');
    let last;
    for (const m of text.matchAll(pattern)) last = m[1];
    return last;
  } catch {
    return undefined;
  }
}

/** The official binary release (nacos-server-VERSION.tar.gz on GitHub), for machines with internet access. */
async function downloadRelease(version, archive) {
  const url = `https://github.com/alibaba/nacos/releases/download/${version}/nacos-server-${version}.tar.gz`;
  const tarball = join(CACHE_DIR, `nacos-server-${version}.tar.gz`);
  mkdirSync(CACHE_DIR, { recursive: true });
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(300_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    writeFileSync(tarball, Buffer.from(await res.arrayBuffer()));
  } catch (error) {
    throw new Error(
      `Nacos ${version} cannot be had on this machine. It needs either\n` +
        `  - the source archive ${archive} with build.sh beside it (set NACOS_SERVER_SOURCE to their folder), plus Java 17 and Maven 3.8, or\n` +
        `  - internet access to ${url} (failed: ${error.cause?.code ?? error.message}), or\n` +
        `  - a built server in ${officialDir(version)} (target/nacos-server.jar), or\n` +
        `  - a running server: NACOS_SERVER_ADDR (and NACOS_AUTH_SERVER_ADDR, NACOS_V3_SERVER_ADDR; see the README).`,
    );
  }
  const unpack = join(CACHE_DIR, `unpack-${version}`);
  rmSync(unpack, { recursive: true, force: true });
  mkdirSync(unpack, { recursive: true });
  const tar = spawnSync('tar', ['-xzf', tarball, '-C', unpack], { stdio: 'inherit' });
  if (tar.status !== 0) throw new Error(`could not unpack ${tarball}`);
  rmSync(officialDir(version), { recursive: true, force: true });
  spawnSync('mv', [join(unpack, 'nacos'), officialDir(version)]);
  rmSync(unpack, { recursive: true, force: true });
  rmSync(tarball, { force: true });
}

function rnacosBinary() {
  return join(CACHE_DIR, `rnacos-${PINS.rnacos}`, 'bin', 'rnacos');
}

/** Builds r-nacos from crates.io into the cache once (the extra target; ~11 min the first time). */
export function installRnacos() {
  const bin = rnacosBinary();
  if (existsSync(bin)) return bin;
  log(`r-nacos ${PINS.rnacos} not cached; building it with cargo (one time, ~11 min on 2 cores) into ${dirname(dirname(bin))}`);
  const result = spawnSync('cargo', ['install', 'rnacos', '--version', PINS.rnacos, '--locked', '--root', dirname(dirname(bin))], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error) throw new Error(`cargo could not run (${result.error.message}); is Rust installed?`);
  if (result.status !== 0 || !existsSync(bin)) throw new Error(`cargo install rnacos@${PINS.rnacos} failed (exit ${result.status})`);
  return bin;
}

/** Installs what the given base profiles need, one build after the other (Maven builds share ~/.m2). */
export async function install(bases = Object.keys(BASE_PROFILES)) {
  if (serverImpl() === 'rnacos') return void installRnacos();
  const versions = [...new Set(bases.map((b) => baseOf(b).version))];
  for (const version of versions) await installOfficial(version);
}

// ---------------------------------------------------------------------------------------------
// ports, state

const reserved = new Set();

function portIsFree(port) {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolvePort(true)));
  });
}

/**
 * The ports of one server around its main port P: raft P-1000, gRPC P+1000 and P+1001 (Nacos' fixed offsets),
 * and for 3.x the console and MCP-registry ports, placed at P+2000 and P+3000.
 */
function portsAround(main, generation) {
  const ports = [main - 1000, main, main + 1000, main + 1001];
  if (generation === 'v3') ports.push(main + 2000, main + 3000);
  return ports;
}

/**
 * The first port of the range the OS hands out as the local port of outgoing connections (Linux: 32768 unless
 * tuned). A server's ports must lie below it: a port checked free there can be taken by any outgoing connection
 * (another server's, npm's) before the JVM binds it, which once failed a CI run with "Port … was already in use".
 */
function ephemeralLow() {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 15_000) return low;
  } catch {
    // not Linux: the IANA range starts at 49152; stay below Linux's default anyway
  }
  return 32_768;
}

/** A main port whose every satellite port is free (and not handed to a server starting in this process). */
async function findFreePorts(generation) {
  // Satellites reach from P-1000 to P+3000: keep them all between 10000 and the ephemeral range.
  const lowest = 11_000;
  const highest = ephemeralLow() - 3001;
  for (let attempt = 0; attempt < 300; attempt++) {
    const main = lowest + Math.floor(Math.random() * (highest - lowest));
    const ports = portsAround(main, generation);
    if (ports.some((p) => reserved.has(p))) continue;
    let free = true;
    for (const p of ports) if (!(free = await portIsFree(p))) break;
    if (!free) continue;
    for (const p of ports) reserved.add(p);
    return main;
  }
  throw new Error('no free set of ports found on this machine');
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

/** When the process started, in clock ticks since boot (Linux /proc); undefined elsewhere or when it is gone. */
function startTicks(pid) {
  try {
    // Field 22 of /proc/PID/stat, counted after the command name (which may hold spaces) closes with ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Whether the state's server is still running: its PID alive and, where the start time can be read, the same
 * process (after a reboot or a long pause a stale state file's PID may belong to something else, never killed).
 */
function isOurs(state) {
  if (!isAlive(state.pid)) return false;
  if (state.startTicks === undefined) return true;
  const ticks = startTicks(state.pid);
  return ticks === undefined || ticks === state.startTicks;
}

function baseOf(name) {
  const base = BASE_PROFILES[name];
  if (!base) throw new Error(`unknown base profile ${name}; one of ${Object.keys(BASE_PROFILES).join(', ')}`);
  return base;
}

/**
 * @typedef {object} ServerState
 * @property {string} profile
 * @property {string} base            v2 | v2-auth | v3 | v3-auth
 * @property {'official' | 'rnacos'} impl
 * @property {string} version         e.g. `nacos 2.5.1`
 * @property {'v1' | 'v3'} generation the HTTP API clients get
 * @property {number} pid
 * @property {number} port
 * @property {string} url             e.g. http://127.0.0.1:23456
 * @property {string} serverAddr      e.g. 127.0.0.1:23456
 * @property {string} dataDir
 * @property {string} logFile
 * @property {boolean} auth           every API needs a token
 * @property {boolean} adminAuth      the admin API needs the admin's token
 * @property {string} username        the admin
 * @property {string} password
 * @property {number} tokenTtlSeconds
 * @property {string} [secretKey]     the token signing key (kept for restarts; never printed)
 * @property {string} [startTicks]    the process's start time (Linux), to tell it from a later process with its PID
 * @property {number} startMs         time from spawn to ready
 */

// ---------------------------------------------------------------------------------------------
// readiness

async function http(state, method, path, { form, token, timeoutMs = 3000 } = {}) {
  const headers = {};
  if (token) headers.accessToken = token;
  let body;
  if (form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  const res = await fetch(`${state.url}/nacos${path}`, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, text: await res.text() };
}

/** Logs in as the profile's admin (credentials in the form body) and returns the access token. */
export async function login(state) {
  const path = state.generation === 'v3' ? '/v3/auth/user/login' : '/v1/auth/login';
  const res = await http(state, 'POST', path, { form: { username: state.username, password: state.password } });
  if (res.status !== 200) throw new Error(`admin login answered ${res.status}`);
  const { accessToken } = JSON.parse(res.text);
  if (!accessToken) throw new Error('admin login returned no token');
  return accessToken;
}

/**
 * Polls until the server is ready, 200 ms apart, no fixed sleeps: its health endpoint answers, the admin
 * password is set (official servers have no default password), the admin can log in (the server reloads
 * users every ~5 s, refusing logins until then), and a config read goes through.
 */
async function waitUntilReady(state, child, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  let lastError = 'no answer yet';
  let step = 'health';
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    if (child && state.impl === 'rnacos' && /panicked at/.test(logTail(state.logFile, 200))) throw new Error('server panicked during start-up');
    try {
      if (step === 'health') {
        const path = state.impl === 'rnacos' || state.generation === 'v1' ? '/v1/console/health/readiness' : '/v3/admin/core/state';
        const res = await http(state, 'GET', path);
        if (res.status !== 200 && res.status !== 403) throw new Error(`health answered ${res.status}`);
        step = state.impl === 'official' && state.adminAuth ? 'admin' : 'read';
      }
      if (step === 'admin') {
        const path = state.generation === 'v3' ? '/v3/auth/user/admin' : '/v1/auth/users/admin';
        const res = await http(state, 'POST', path, { form: { password: state.password } });
        // 409/400 "has admin user" after a restart on the same data: the password is already set.
        if (res.status !== 200 && !/admin/i.test(res.text)) throw new Error(`setting the admin password answered ${res.status}`);
        step = 'login';
      }
      if (step === 'login') {
        await login(state);
        step = 'read';
      }
      if (step === 'read') {
        await readProbe(state);
        return;
      }
    } catch (error) {
      lastError = `${step}: ${error.cause?.code ?? error.message}`;
    }
    await sleep(200);
  }
  throw new Error(`server not ready after ${deadlineMs} ms (${lastError})`);
}

async function readProbe(state) {
  const token = state.auth ? await login(state) : undefined;
  const q = new URLSearchParams({ dataId: 'nacos-edge.ready', group: 'DEFAULT_GROUP', groupName: 'DEFAULT_GROUP' });
  const path = state.generation === 'v3' ? `/v3/client/cs/config?${q}` : `/v1/cs/configs?${q}`;
  const res = await http(state, 'GET', path, { token });
  if (res.status !== 200 && res.status !== 404) throw new Error(`read answered ${res.status}`);
  if (state.impl === 'rnacos') {
    // r-nacos can be up with a broken store after a start-up panic: prove a write goes through.
    const write = await http(state, 'POST', '/v1/cs/configs', { token, form: { dataId: 'nacos-edge.ready', group: 'DEFAULT_GROUP', content: String(Date.now()) } });
    if (write.status !== 200) throw new Error(`probe write answered ${write.status}`);
  }
}

function logTail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------
// start / stop

function officialCommand(state) {
  const dir = officialDir(state.version.replace(/^nacos /, ''));
  const v3 = state.generation === 'v3';
  const args = [
    '-Xms128m',
    v3 ? '-Xmx768m' : '-Xmx512m',
    // Start-up is what the tests wait for; the C1 compiler alone starts these servers faster on 2 cores.
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '--add-opens=java.base/java.lang=ALL-UNNAMED',
    '--add-opens=java.base/java.util=ALL-UNNAMED',
    // A cluster member: raft over the members in $nacos.home/conf/cluster.conf, configs in embedded Derby that raft
    // replicates (the recipe of ../shared/nacos-server/README.md, "Cluster mode").
    ...(state.cluster ? ['-Dnacos.standalone=false', '-DembeddedStorage=true'] : ['-Dnacos.standalone=true']),
    `-Dnacos.home=${state.dataDir}`,
    '-Dnacos.inetutils.ip-address=127.0.0.1',
    // The embedded Derby's connection timeout is 3 s; four servers starting on two busy cores can take longer to
    // open it, and the server then dies with "load derby-schema.sql error" (seen once in CI).
    '-Ddb.pool.config.connectionTimeout=60000',
    `-Dspring.config.additional-location=file:${dir}/conf/`,
    `-Dnacos.core.auth.enabled=${state.auth}`,
    `-Dnacos.core.auth.admin.enabled=${state.adminAuth}`,
    `-Dnacos.core.auth.plugin.nacos.token.secret.key=${state.secretKey}`,
    `-Dnacos.core.auth.plugin.nacos.token.expire.seconds=${state.tokenTtlSeconds}`,
    '-Dnacos.core.auth.server.identity.key=nacos-edge',
    '-Dnacos.core.auth.server.identity.value=nacos-edge',
  ];
  if (v3) {
    args.push(
      `-Dnacos.server.main.port=${state.port}`,
      `-Dnacos.console.port=${state.port + 2000}`,
      `-Dnacos.ai.mcp.registry.port=${state.port + 3000}`,
      // The Nacos 3.2 surface: every v1/v2 client endpoint answers 410 Gone.
      '-Dnacos.core.api.compatibility.client.enabled=false',
    );
    // A 3.x cluster member checks, at start-up, whether old configs need a namespace migration, by raft reads
    // that fail until the config group has a leader; after 3 tries 1 s apart the member exits. Members starting
    // together on two cores take longer than that to elect one: they keep trying for 10 s instead. (Two later steps
    // of that migration fail on every try with embedded storage in 3.0.3, "RowMapper must not be null", and are
    // skipped after their tries: each try is a second of start-up, so the count stays small.)
    if (state.cluster) args.push('-Dnacos.namespace.migrate.retry.times=10');
  } else {
    args.push(`-Dserver.port=${state.port}`);
  }
  // As bin/startup.sh does: the server's own log files (nacos.log, config-server.log, alipay-jraft.log, …) under $nacos.home/logs.
  args.push('-jar', join(dir, 'target', 'nacos-server.jar'), `--logging.config=${dir}/conf/nacos-logback.xml`);
  return { command: 'java', args, env: { ...process.env } };
}

function rnacosCommand(state) {
  return {
    command: installRnacos(),
    args: [],
    env: {
      ...process.env,
      RNACOS_HTTP_PORT: String(state.port),
      RNACOS_GRPC_PORT: String(state.port + 1000),
      RNACOS_HTTP_CONSOLE_PORT: String(state.port + 2000),
      RNACOS_SDK_HOST: '127.0.0.1',
      RNACOS_CONSOLE_HOST: '127.0.0.1',
      RNACOS_RAFT_NODE_ADDR: `127.0.0.1:${state.port + 1000}`,
      RNACOS_CONFIG_DB_DIR: join(state.dataDir, 'db'),
      RNACOS_ENABLE_OPEN_API_AUTH: String(state.auth),
      RNACOS_INIT_ADMIN_USERNAME: state.username,
      RNACOS_INIT_ADMIN_PASSWORD: state.password,
      RNACOS_API_LOGIN_TIMEOUT: String(state.tokenTtlSeconds),
      RNACOS_ENABLE_METRICS: 'false',
      RUST_LOG: process.env.RUST_LOG ?? 'warn',
    },
  };
}

/**
 * Starts a server for the profile, or returns the running one.
 * @param {{ profile?: string, base?: string, port?: number, dataDir?: string, secretKey?: string, quiet?: boolean, cluster?: string[], startTimeoutMs?: number }} [options]
 *   `cluster`: the `host:port` of every member (this one included) to start it as a cluster member.
 * @returns {Promise<ServerState>}
 */
export async function startServer(options = {}) {
  const profile = options.profile ?? 'v2';
  if (!/^[a-z][a-z0-9-]*$/.test(profile)) throw new Error(`profile names are lower-case words, not ${profile}`);
  const baseName = options.base ?? profile;
  const base = baseOf(baseName);
  const running = readState(profile);
  if (running && isOurs(running) && options.port === undefined) {
    try {
      await waitUntilReady(running, undefined, 5000);
      log(`reusing ${running.version} (${profile}) at ${running.url}, pid ${running.pid}`);
      return running;
    } catch {
      log(`stale server pid ${running.pid}; starting a new one`);
      await stopServer(profile);
    }
  }
  const impl = serverImpl();
  if (impl === 'rnacos' && base.generation === 'v3') throw new Error(`r-nacos has no Nacos 3.x API; profile ${profile} needs the official server`);
  if (impl === 'official') await installOfficial(base.version);
  const port = options.port ?? (await findFreePorts(base.generation));
  const dataDir = options.dataDir ?? join(ROOT, '.nacos', 'data', `${profile}-${port}`);
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(RUN_DIR, { recursive: true });
  const logFile = join(dataDir, 'server.log');
  if (options.cluster) {
    mkdirSync(join(dataDir, 'conf'), { recursive: true });
    writeFileSync(join(dataDir, 'conf', 'cluster.conf'), `${options.cluster.join('\n')}\n`);
  }
  // Auth profiles' tokens live NACOS_TOKEN_TTL_SECONDS (default 8 s), so every auth test run crosses token expiry.
  const tokenTtlSeconds = Number(process.env.NACOS_TOKEN_TTL_SECONDS ?? (base.auth ? 8 : 18000));
  /** @type {ServerState} */
  const state = {
    profile,
    base: baseName,
    impl,
    version: impl === 'rnacos' ? `r-nacos ${PINS.rnacos}` : `nacos ${base.version}`,
    generation: base.generation,
    pid: 0,
    port,
    url: `http://127.0.0.1:${port}`,
    serverAddr: `127.0.0.1:${port}`,
    dataDir,
    logFile,
    auth: base.auth,
    adminAuth: base.adminAuth,
    username: AUTH_USERNAME,
    password: AUTH_PASSWORD,
    tokenTtlSeconds,
    secretKey: options.secretKey ?? randomBytes(48).toString('base64'),
    startMs: 0,
    ...(options.cluster ? { cluster: options.cluster } : {}),
  };
  const { command, args, env } = impl === 'rnacos' ? rnacosCommand(state) : officialCommand(state);
  // r-nacos 0.8.8 sometimes panics in its raft start-up on a fresh data dir (raftapply.rs:421); such a
  // start is detected from its log and retried. The official server gets one attempt.
  const attempts = impl === 'rnacos' ? 3 : 1;
  let ticker;
  for (let attempt = 1; ; attempt++) {
    log(
      `starting ${state.version} (${profile}${base.generation === 'v3' ? ', v1/v2 client API off' : ''}${base.auth ? ', auth on' : ''}) on 127.0.0.1:${port}` +
        (attempt > 1 ? `, attempt ${attempt}` : impl === 'official' ? '; usually ready in 15–40 s' : ''),
    );
    const started = Date.now();
    ticker = options.quiet ? undefined : setInterval(() => log(`  ${profile} still starting: ${formatDuration(Date.now() - started)}`), 15_000);
    const out = openSync(logFile, 'a');
    const child = spawn(command, args, { env, cwd: dataDir, stdio: ['ignore', out, out], detached: true });
    child.unref();
    state.pid = child.pid;
    state.startTicks = startTicks(child.pid);
    // Written before readiness so that `stop --all` finds a server whose start was interrupted.
    writeFileSync(stateFile(profile), JSON.stringify(state, null, 2));
    try {
      await waitUntilReady(state, child, options.startTimeoutMs ?? Number(process.env.NACOS_START_TIMEOUT_MS ?? 240_000));
      state.startMs = Date.now() - started;
      break;
    } catch (error) {
      clearInterval(ticker);
      await killAndWait(child.pid);
      if (attempt >= attempts || !/panicked/.test(error.message)) {
        rmSync(stateFile(profile), { force: true });
        const failure = new Error(`${state.version} (${profile}) did not come up: ${error.message}\n--- last lines of ${logFile} ---\n${logTail(logFile)}`);
        if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
        throw failure;
      }
      log(`${state.version} failed to start (${error.message}); retrying`);
      if (options.dataDir === undefined) rmSync(join(dataDir, 'db'), { recursive: true, force: true });
    }
  }
  clearInterval(ticker);
  for (const p of portsAround(port, base.generation)) reserved.delete(p);
  writeFileSync(stateFile(profile), JSON.stringify(state, null, 2));
  log(`${profile} ready in ${(state.startMs / 1000).toFixed(1)} s at ${state.url} (pid ${state.pid})`);
  return state;
}

/**
 * What a test run gets per API generation: a server with auth off for clients (its admin credentials too, which
 * 3.x writes need), and one with auth on.
 * @typedef {{ generation: 'v1' | 'v3', version: string, serverAddr: string,
 *   admin: { username: string, password: string },
 *   auth: { serverAddr: string, username: string, password: string, tokenTtlSeconds: number | undefined } }} Target
 */

/** The base profiles of each generation, and the variables that point a run at servers of one's own instead. */
const TARGET_PROFILES = {
  v1: { plain: 'v2', auth: 'v2-auth', env: { plain: 'NACOS_SERVER_ADDR', auth: 'NACOS_AUTH_SERVER_ADDR', user: 'NACOS_USERNAME', password: 'NACOS_PASSWORD' } },
  v3: { plain: 'v3', auth: 'v3-auth', env: { plain: 'NACOS_V3_SERVER_ADDR', auth: 'NACOS_V3_AUTH_SERVER_ADDR', user: 'NACOS_V3_USERNAME', password: 'NACOS_V3_PASSWORD' } },
};

/**
 * Resolves (starting what is missing, all at once) the servers of the given generations. Servers named by
 * environment variables are used as they are. Returns the targets and the profiles started by this call,
 * which the caller stops when it is done. `withAuth: false` leaves the auth servers out (`auth` then names only
 * what the environment gives).
 * @param {('v1' | 'v3')[]} generations
 * @param {{ withAuth?: boolean }} [options]
 * @returns {Promise<{ targets: Partial<Record<'v1' | 'v3', Target>>, started: string[] }>}
 */
export async function ensureTargets(generations, { withAuth = true } = {}) {
  const wanted = [];
  for (const g of generations) {
    const { plain, auth, env } = TARGET_PROFILES[g];
    if (!process.env[env.plain]) wanted.push(plain);
    if (withAuth && !process.env[env.auth]) wanted.push(auth);
  }
  const before = new Map(wanted.map((p) => [p, readState(p)?.pid]));
  const states = new Map();
  try {
    for (const s of await startServers(wanted)) states.set(s.profile, s);
  } catch (error) {
    for (const p of wanted) if ((readState(p)?.pid ?? before.get(p)) !== before.get(p)) await stopServer(p);
    throw error;
  }
  const started = wanted.filter((p) => states.get(p).pid !== before.get(p));
  const targets = {};
  for (const g of generations) {
    const { plain, auth, env } = TARGET_PROFILES[g];
    const p = states.get(plain);
    const a = states.get(auth);
    const username = process.env[env.user] ?? AUTH_USERNAME;
    const password = process.env[env.password] ?? AUTH_PASSWORD;
    targets[g] = {
      generation: g,
      version: p?.version ?? `external (${process.env[env.plain]})`,
      serverAddr: p?.serverAddr ?? process.env[env.plain],
      admin: { username: p?.username ?? username, password: p?.password ?? password },
      auth: a
        ? { serverAddr: a.serverAddr, username: a.username, password: a.password, tokenTtlSeconds: a.tokenTtlSeconds }
        : { serverAddr: process.env[env.auth], username, password, tokenTtlSeconds: undefined },
    };
  }
  return { targets, started };
}

/** Starts several profiles at once (each JVM starts in parallel; install runs first, one build at a time). */
export async function startServers(profiles) {
  if (serverImpl() === 'official') await install(profiles.map((p) => (typeof p === 'string' ? p : p.base ?? p.profile)));
  return Promise.all(profiles.map((p) => startServer(typeof p === 'string' ? { profile: p } : p)));
}

async function killAndWait(pid) {
  if (!isAlive(pid)) return;
  const signal = (sig) => {
    try {
      process.kill(-pid, sig); // the whole process group: spawned detached, so the server leads one
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // gone
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + 15_000;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(pid)) signal('SIGKILL');
  while (isAlive(pid)) await sleep(20);
}

/**
 * Stops the profile's server by its PID and waits until it is gone. Its data dir is removed unless
 * `keepState` (the state file and data stay, for a restart on the same port with the same data).
 */
export async function stopServer(profile = 'v2', { keepState = false } = {}) {
  const state = readState(profile);
  if (!state) return false;
  if (isOurs(state)) {
    await killAndWait(state.pid);
    log(`stopped ${state.version} (${profile}) pid ${state.pid}`);
  }
  if (!keepState) {
    rmSync(stateFile(profile), { force: true });
    rmSync(state.dataDir, { recursive: true, force: true });
  }
  return true;
}

/** Stops and starts the profile's server on the same ports with the same data and signing key (outage tests). */
export async function restartServer(profile) {
  const state = readState(profile);
  if (!state) throw new Error(`no ${profile} server to restart`);
  await stopServer(profile, { keepState: true });
  return startServer({ profile, base: state.base, port: state.port, dataDir: state.dataDir, secretKey: state.secretKey, ...(state.cluster ? { cluster: state.cluster } : {}) });
}

/**
 * Starts (or reuses) a cluster of `size` official servers of `base` on loopback, all at once: profiles
 * `${name}-1` … `${name}-${size}`, each a member of the same cluster.conf, sharing one token signing key. A member can
 * be stopped and restarted alone (restartServer) for fault tests. Resolves once every member answers reads.
 * @param {{ name?: string, base?: string, size?: number }} [options]
 * @returns {Promise<ServerState[]>}
 */
export async function startCluster({ name = 'cluster-v2', base = 'v2', size = 3 } = {}) {
  const profiles = Array.from({ length: size }, (_, i) => `${name}-${i + 1}`);
  const running = profiles.map((p) => readState(p));
  if (running.every((state) => state && isOurs(state))) {
    await Promise.all(running.map((state) => waitUntilReady(state, undefined, 30_000)));
    log(`reusing the ${name} cluster (${running.map((state) => state.serverAddr).join(', ')})`);
    return running;
  }
  for (const p of profiles) await stopServer(p);
  if (serverImpl() !== 'official') throw new Error('the cluster needs the official server');
  const generation = baseOf(base).generation;
  await install([base]);
  // Members usually answer within 30–60 s. But a member's start often fails in Nacos 2.5.1 with embedded storage: its
  // first dump reads the config table through raft right after the first leader is known, and that read fails ("The
  // Raft Group [nacos_config] did not find the Leader node": the new leader has committed nothing in its term yet, and
  // the member's route table has no leader). What follows is a deadlock (seen by jstack; the HTTP port never opens):
  // the main thread, creating beans under Spring's singleton lock, waits in EmbeddedDumpService.init for the dump,
  // while the dump thread runs ConfigOpFailureAspect (it only logs), whose lazy creation needs that lock; where the
  // aspect exists already, the member exits instead. A stuck member's raft node still runs, so once one member is
  // ready the cluster has a leader that has committed: a stuck member is then killed and started again alone, one at
  // a time, and joins. (Without Spring AOP every such member exits, its raft node with it, and starts never settle.)
  const timeoutMs = Number(process.env.NACOS_CLUSTER_START_TIMEOUT_MS ?? 240_000);
  const stragglerMs = Number(process.env.NACOS_CLUSTER_STRAGGLER_MS ?? 20_000);
  const ports = [];
  for (let i = 0; i < size; i++) ports.push(await findFreePorts(generation));
  const members = ports.map((port) => `127.0.0.1:${port}`);
  const secretKey = randomBytes(48).toString('base64');
  const ready = new Set();
  /** The member being started again alone, when one is. */
  let again;
  /** Each member's failed attempts. */
  const failures = profiles.map(() => 0);
  const attemptStarted = profiles.map(() => Date.now());
  let firstReady;
  const watchdog = setInterval(() => {
    if (ready.size === 0) return;
    firstReady ??= Date.now();
    // While one member starts again alone, only it is watched (given twice the time: it starts from scratch).
    const candidates = again === undefined ? profiles.map((_, i) => i) : [again];
    const patience = again === undefined ? stragglerMs : 2 * stragglerMs;
    const stuck = candidates.find((i) => !ready.has(i) && Date.now() - Math.max(firstReady, attemptStarted[i]) >= patience);
    const state = stuck === undefined ? undefined : readState(profiles[stuck]);
    if (!state?.pid) return;
    again = stuck;
    log(`${profiles[stuck]} is still starting ${formatDuration(Date.now() - firstReady)} after another member was ready; starting it again alone`);
    try {
      process.kill(-state.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }, 1000);
  const startMember = async (i) => {
    const options = { profile: profiles[i], base, port: ports[i], secretKey, cluster: members, startTimeoutMs: timeoutMs };
    for (;;) {
      attemptStarted[i] = Date.now();
      try {
        return await startServer(options);
      } catch (error) {
        const reason = error.message.split('\n')[0];
        if (++failures[i] >= 5 || !/exited/.test(reason)) {
          if (again === i) again = undefined;
          throw error;
        }
        if (again !== i) log(`${profiles[i]} stopped before it was ready (${reason}); it starts again alone`);
        // One member at a time starts again, so that it joins the others instead of racing them.
        while (again !== undefined && again !== i) await sleep(500);
        again = i;
      }
    }
  };
  // Settled, not raced: a member that failed must not leave the others starting behind the stop below.
  const outcomes = await Promise.allSettled(
    profiles.map(async (_, i) => {
      const state = await startMember(i);
      ready.add(i);
      if (again === i) again = undefined;
      return state;
    }),
  );
  clearInterval(watchdog);
  const failed = outcomes.find((o) => o.status === 'rejected');
  if (failed) {
    for (const p of profiles) await stopServer(p);
    throw failed.reason;
  }
  return outcomes.map((o) => o.value);
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

export function listProfiles() {
  try {
    return readdirSync(RUN_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  } catch {
    return [];
  }
}

function envLines(state) {
  const lines = [`NACOS_SERVER_ADDR=${state.serverAddr}`];
  if (state.auth || state.adminAuth) lines.push(`NACOS_USERNAME=${state.username}`, `NACOS_PASSWORD=${state.password}`);
  return lines;
}

export function formatDuration(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
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
  const profile = flag('profile') ?? 'v2';
  switch (command) {
    case 'install': {
      const versions = rest.filter((a) => !a.startsWith('--'));
      if (serverImpl() === 'rnacos') installRnacos();
      else for (const v of versions.length ? versions : [PINS.v2, PINS.v3]) await installOfficial(v);
      return;
    }
    case 'start': {
      const base = flag('base');
      const state = await startServer({ profile, ...(base ? { base } : {}) });
      if (has('json')) console.log(JSON.stringify({ ...state, password: '***', secretKey: undefined }));
      else console.log(`${state.version} (${profile}) ready at ${state.url}`);
      return;
    }
    case 'stop':
      for (const p of has('all') ? listProfiles() : [profile]) await stopServer(p);
      return;
    case 'restart':
      await restartServer(profile);
      return;
    case 'cluster': {
      const states = await startCluster({ name: flag('name') ?? 'cluster-v2', base: flag('base') ?? 'v2', size: Number(flag('size') ?? 3) });
      console.log(`cluster ready: ${states.map((state) => state.serverAddr).join(',')}`);
      return;
    }
    case 'status': {
      const rows = listProfiles().map((p) => {
        const state = readState(p);
        if (!state) return { profile: p, running: false };
        return { profile: p, running: isOurs(state), version: state.version, url: state.url, pid: state.pid, rssKb: rssKb(state.pid) };
      });
      if (has('json')) console.log(JSON.stringify(rows));
      else for (const r of rows) console.log(r.running ? `${r.profile}: ${r.version} at ${r.url} (pid ${r.pid}, RSS ${r.rssKb} kB)` : `${r.profile}: not running`);
      if (rows.length === 0) console.log('no server started by this script');
      process.exitCode = rows.some((r) => r.running) ? 0 : 3;
      return;
    }
    case 'env': {
      const state = readState(profile);
      if (!state || !isOurs(state)) throw new Error(`no running ${profile} server; run start first`);
      console.log(envLines(state).map((l) => `export ${l}`).join('\n'));
      return;
    }
    default:
      console.error(
        'usage: nacos-server.mjs install [VERSION…] | start [--profile v2|v2-auth|v3|v3-auth|NAME --base BASE] [--json] | cluster [--name cluster-v2 --base v2 --size 3] | stop [--profile P | --all] | restart --profile P | status [--json] | env [--profile P]',
      );
      process.exitCode = 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    log(`error: ${error.message}`);
    process.exitCode = 1;
  });
}
