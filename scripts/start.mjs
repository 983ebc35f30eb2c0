#!/usr/bin/env node
// `npm start`: start (or reuse) a local real Nacos and run examples/quickstart.ts against it.
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
  const before = readState('default');
  const state = await startServer({ profile: 'default' });
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
if (startedHere) await stopServer('default');
process.exitCode = run.status ?? 1;
