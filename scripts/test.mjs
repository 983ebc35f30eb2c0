#!/usr/bin/env node
// `npm test`: type-check, build and lint the package while the official Nacos servers start (all four at once),
// then every suite against them: vitest (unit, integration once per API generation, workerd, Chromium) and the
// Deno, Bun and Node-LTS suites with the examples (scripts/test-runtimes.mjs), then the fault suite against an
// official 2.5.1 and an official 3.0.3 cluster (scripts/chaos.mjs). Servers this run started are stopped at the end,
// also on Ctrl-C; servers that were running before (npm run nacos:start) are left alone.
import { spawn } from 'node:child_process';
import { ensureTargets, formatDuration, stopServer } from './nacos-server.mjs';

const log = (m) => process.stderr.write(`[test] ${m}\n`);
const started = Date.now();

/** The command running now, so that a signal to this run ends it too (in its own process group: all of it). */
let current;
/** Set by SIGINT/SIGTERM: no further command starts. */
let interrupted = false;
/** Runs a command with inherited output; resolves its exit code. */
function run(command, args, env = process.env) {
  return new Promise((resolve) => {
    if (interrupted) return resolve(1);
    const child = spawn(command, args, { stdio: 'inherit', env, detached: true });
    current = child;
    child.on('exit', (code, signal) => {
      current = undefined;
      resolve(code ?? (signal ? 1 : 0));
    });
    child.on('error', (error) => {
      log(`${command} could not run: ${error.message}`);
      resolve(1);
    });
  });
}

/** Passes the signal on to the running command's group, and kills what is left of it after 10 s. */
async function endCurrent(signal) {
  const child = current;
  if (!child?.pid) return;
  const kill = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  kill(signal);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const timer = setTimeout(() => kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

let startedProfiles = [];
let stopping;
async function stopStarted() {
  stopping ??= Promise.all(startedProfiles.map((p) => stopServer(p)));
  await stopping;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    log(`${signal}: stopping the servers this run started`);
    interrupted = true;
    await endCurrent(signal);
    await stopStarted();
    process.exit(130);
  });
}

// The servers take 15–35 s to start; the checks below take about as long, so both run at once.
const servers = ensureTargets(['v1', 'v3']).then(
  (result) => {
    startedProfiles = result.started;
    return result;
  },
  (error) => ({ error }),
);

const checks = [
  ['npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['npx', ['tsc', '-p', 'tsconfig.node.json', '--noEmit']],
  ['npx', ['tsc', '-p', 'test/tsconfig.json', '--noEmit']],
  ['node', ['scripts/build.mjs']],
  ['npx', ['publint', '--strict']],
  ['npx', ['attw', '--pack', '.', '--profile', 'esm-only', '--quiet']],
];
let status = 0;
for (const [command, args] of checks) {
  log(`${command} ${args.join(' ')}`);
  if ((await run(command, args)) !== 0) {
    status = 1;
    break;
  }
}

const result = await servers;
if (result.error) {
  log(`the Nacos servers did not come up: ${result.error.message}`);
  status = 1;
} else if (status === 0) {
  for (const [generation, t] of Object.entries(result.targets)) log(`${generation}: ${t.version} at ${t.serverAddr}, auth on at ${t.auth.serverAddr}`);
  const vitest = await run('npx', ['vitest', 'run']);
  const runtimes = await run('node', ['scripts/test-runtimes.mjs']);
  // The fault suite last, on clusters of its own: the servers above are stopped first (memory, and two cores).
  await stopStarted();
  const chaos = await run('node', ['scripts/chaos.mjs', '--ci', '--json', process.env.CHAOS_JSON_OUTPUT ?? '.nacos/chaos/vitest']);
  status = vitest !== 0 || runtimes !== 0 || chaos !== 0 ? 1 : 0;
}

await stopStarted();
log(`${status === 0 ? 'passed' : 'FAILED'} in ${formatDuration(Date.now() - started)}`);
process.exitCode = status;
