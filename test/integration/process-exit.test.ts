// A Node process that used the client must exit by itself after shutdown(): no timer or socket left behind, over
// HTTP and over gRPC push (its HTTP/2 session and health checks included).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { isV3, nacos, uniqueId } from './helpers.js';

/** Runs the script under `runtime` until it exits: its output, exit code, run time and how long it lived after `shut down`. */
async function runToExit(push: boolean, runtime: 'node' | 'deno' = 'node'): Promise<{ out: string; code: number | null; ms: number; afterShutdownMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'nacos-edge-exit-'));
  await build({
    entryPoints: { 'nacos-edge': resolve('src/index.ts'), grpc: resolve('src/grpc/index.ts') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
  });
  const script = join(dir, 'main.mjs');
  writeFileSync(
    script,
    `import { ClientConfigBuilder, NacosConfigService, NacosNamingService } from './nacos-edge.mjs';
import { grpcPush } from './grpc.mjs';
const builder = new ClientConfigBuilder().serverAddress(process.argv[2]).logLevel('silent');
if (process.env.NACOS_USERNAME) builder.username(process.env.NACOS_USERNAME).password(process.env.NACOS_PASSWORD ?? '');
if (process.env.PUSH) builder.push(grpcPush());
const config = await NacosConfigService.createConfigService(builder.build());
const dataId = process.argv[3];
await config.publishConfig({ dataId, content: 'x' });
let got = false;
await config.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => { if (content === 'y') got = true; });
await config.publishConfig({ dataId, content: 'y' });
while (!got) await new Promise((r) => setTimeout(r, 10));
let naming;
if (process.env.PUSH) {
  naming = await NacosNamingService.createNamingService(builder.build());
  await naming.registerInstance({ serviceName: dataId, ip: '10.9.9.9', port: 80 });
  await naming.subscribe({ serviceName: dataId, subscribeCallback: () => {} });
}
await Promise.all([config.shutdown(), naming?.shutdown()]);
console.log('shut down');
`,
  );
  // On 3.x the publish goes through the admin API, which needs the admin's login.
  const login = isV3() ? { NACOS_USERNAME: nacos().admin.username, NACOS_PASSWORD: nacos().admin.password } : {};
  const [command, ...pre] = runtime === 'node' ? [process.execPath] : [resolve('node_modules/.bin/deno'), 'run', '-A'];
  const child = spawn(command!, [...pre, script, nacos().serverAddr, uniqueId('exit')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', ...login, ...(push ? { PUSH: '1' } : {}) },
  });
  let out = '';
  let shutAt = 0;
  child.stdout.on('data', (d) => {
    out += d;
    if (!shutAt && out.includes('shut down')) shutAt = Date.now();
  });
  child.stderr.on('data', (d) => (out += d));
  const started = Date.now();
  const code = await new Promise<number | null>((resolveExit) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (c) => {
      clearTimeout(killer);
      resolveExit(c);
    });
  });
  const exited = Date.now();
  return { out, code, ms: exited - started, afterShutdownMs: shutAt ? exited - shutAt : Infinity };
}

describe('lifecycle', () => {
  it('a Node process exits on its own after shutdown()', async () => {
    const { out, code, ms } = await runToExit(false);
    expect(out).toContain('shut down');
    expect(code).toBe(0);
    // A held long poll lasts 30 s; exiting well before that proves shutdown() released it.
    expect(ms).toBeLessThan(15_000);
  }, 30_000);

  it('a Node process exits on its own after shutdown() with gRPC push (config and naming)', async () => {
    const { out, code, ms, afterShutdownMs } = await runToExit(true);
    expect(out).toContain('shut down');
    expect(code).toBe(0);
    // The 5 s health check and the 3 min re-listen are timers of the connection: exiting at once proves they ended.
    expect(ms).toBeLessThan(15_000);
    expect(afterShutdownMs).toBeLessThan(1000);
  }, 30_000);

  it('a Deno process exits on its own after shutdown() with gRPC push (config and naming)', async () => {
    // Deno's timers have no unref, and an AbortSignal.timeout with a listener holds its process until it fires: a
    // 5 s set-up deadline whose listener stayed kept it 4.5 s after shutdown().
    const { out, code, afterShutdownMs } = await runToExit(true, 'deno');
    expect(out).toContain('shut down');
    expect(code).toBe(0);
    expect(afterShutdownMs).toBeLessThan(1000);
  }, 30_000);
});
