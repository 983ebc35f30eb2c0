#!/usr/bin/env node
// `npm start`: start (or reuse) a local official Nacos 2.5.1 and run examples/quickstart.ts against it. The first
// run builds the server from source (see scripts/nacos-server.mjs); it says so, with a time estimate, and prints
// progress while it builds and while the server starts.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { readState, startServer, stopServer } from './nacos-server.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const external = process.env.NACOS_SERVER_ADDR;
let startedHere = false;
let serverAddr = external;
if (!serverAddr) {
  const before = readState('v2');
  let state;
  try {
    state = await startServer({ profile: 'v2' });
  } catch (error) {
    console.error(`npm start: no local Nacos could be started.\n${error.message}`);
    process.exit(1);
  }
  startedHere = !before || before.pid !== state.pid;
  serverAddr = state.serverAddr;
  console.log(`Nacos (${state.version}) at ${state.url}`);
}

const outfile = join(root, '.nacos', 'quickstart.mjs');
mkdirSync(dirname(outfile), { recursive: true });
await build({
  entryPoints: [join(root, 'examples', 'quickstart.ts')],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  outfile,
  alias: { 'nacos-edge': join(root, 'src', 'index.ts') },
  logLevel: 'error',
});
console.log('quickstart:');
const run = spawnSync(process.execPath, [outfile], { stdio: 'inherit', env: { ...process.env, NACOS_SERVER_ADDR: serverAddr } });
if (startedHere) await stopServer('v2');
process.exitCode = run.status ?? 1;
