// A Node process that used the client must exit by itself after shutdown(): no timer or socket left behind.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { isV3, nacos, uniqueId } from './helpers.js';

describe('lifecycle', () => {
  it('a Node process exits on its own after shutdown()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nacos-edge-exit-'));
    const bundle = join(dir, 'nacos-edge.mjs');
    await build({ entryPoints: [resolve('src/index.ts')], bundle: true, format: 'esm', platform: 'neutral', outfile: bundle, logLevel: 'error' });
    const script = join(dir, 'main.mjs');
    writeFileSync(
      script,
      `import { ClientConfigBuilder, NacosConfigService } from './nacos-edge.mjs';
const builder = new ClientConfigBuilder().serverAddress(process.argv[2]).logLevel('silent');
if (process.env.NACOS_USERNAME) builder.username(process.env.NACOS_USERNAME).password(process.env.NACOS_PASSWORD ?? '');
const config = await NacosConfigService.createConfigService(builder.build());
const dataId = process.argv[3];
await config.publishConfig({ dataId, content: 'x' });
let got = false;
await config.addListener(dataId, 'DEFAULT_GROUP', () => { got = true; });
await config.publishConfig({ dataId, content: 'y' });
while (!got) await new Promise((r) => setTimeout(r, 10));
await config.shutdown();
console.log('shut down');
`,
    );
    // On 3.x the publish goes through the admin API, which needs the admin's login.
    const login = isV3() ? { NACOS_USERNAME: nacos().admin.username, NACOS_PASSWORD: nacos().admin.password } : {};
    const child = spawn(process.execPath, [script, nacos().serverAddr, uniqueId('exit')], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', ...login } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const started = Date.now();
    const code = await new Promise<number | null>((resolveExit) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('exit', (c) => {
        clearTimeout(killer);
        resolveExit(c);
      });
    });
    expect(out).toContain('shut down');
    expect(code).toBe(0);
    // A held long poll lasts 30 s; exiting well before that proves shutdown() released it.
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 30_000);
});
