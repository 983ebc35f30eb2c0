// The `nacos-edge` command, run as a subprocess (Node, and Deno for `config get`) against the real server.
import { spawn } from 'node:child_process';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClientConfig, NacosConfigService } from '../../src/index.js';
import { createStorage } from '../../src/storage/fs.js';
import { startTlsTerminator } from '../support/tls-terminator.mjs';
import { startKmsStandin } from '../support/kms-standin.js';
import { aesEncryption } from '../../src/encryption.js';
import { kmsEncryption } from '../../src/kms.js';
import { deadServerAddr, isV3, nacos, plainOptions, uniqueId, waitFor } from './helpers.js';

let cli = '';
beforeAll(async () => {
  // Inside the project, as an installed package would be: its dependencies (undici for --ca) resolve from there.
  mkdirSync(resolve('.nacos'), { recursive: true });
  cli = join(mkdtempSync(join(resolve('.nacos'), 'cli-')), 'cli.mjs');
  await build({
    entryPoints: [resolve('src/cli/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: cli,
    logLevel: 'error',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a CLI run: the plain server and, on 3.x (whose writes need the admin API), the admin login. */
function baseEnv(): Record<string, string> {
  const login = isV3() ? { NACOS_USERNAME: nacos().admin.username, NACOS_PASSWORD: nacos().admin.password } : {};
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NACOS_SERVER_ADDR: nacos().serverAddr, ...login };
}

function run(args: string[], options: { env?: Record<string, string>; input?: string; runtime?: 'node' | 'deno' } = {}): Promise<Run> {
  const env = { ...baseEnv(), ...options.env };
  const command = options.runtime === 'deno' ? resolve('node_modules/.bin/deno') : process.execPath;
  const argv = options.runtime === 'deno' ? ['run', '--allow-net=127.0.0.1', '--allow-env', cli, ...args] : [cli, ...args];
  const child = spawn(command, argv, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(options.input ?? '');
  return new Promise((resolveRun) => child.on('exit', (code) => resolveRun({ code, stdout, stderr })));
}

const closeServers: (() => Promise<void>)[] = [];
/** A throwaway HTTP server on loopback (something that is not Nacos); returns its `host:port`. */
async function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createHttpServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closeServers.push(() => new Promise((r) => server.close(() => r())));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Runs the command again until `done` holds for its result (another process's write shows once applied). */
async function runUntil(args: string[], done: (r: Run) => boolean): Promise<Run> {
  let last: Run | undefined;
  await waitFor(async () => done((last = await run(args))), { what: `nacos-edge ${args.join(' ')}` });
  return last as Run;
}

/** Starts a long-running command and exposes its output as it arrives. */
function start(args: string[]) {
  const child = spawn(process.execPath, [cli, ...args], { env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, out, exited };
}

describe('nacos-edge CLI', () => {
  it('ping reports a ready server', async () => {
    const r = await run(['ping']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`ready, ${nacos().generation} API, version ${nacos().version.replace(/^nacos /, '').replace(/\./g, '\\.')}`));
    const j = await run(['--json', 'ping']);
    expect(JSON.parse(j.stdout)).toMatchObject({ ready: true, generation: nacos().generation });
  });

  it('config publish / get / remove, from flags and stdin, human and JSON', async () => {
    const dataId = uniqueId('cli');
    expect((await run(['config', 'publish', dataId, '--content', 'a=1'])).code).toBe(0);
    // Each command is a process of its own: the next one sees a write once the server has applied it.
    const got = await runUntil(['config', 'get', dataId], (r) => r.code === 0);
    expect([got.code, got.stdout]).toEqual([0, 'a=1\n']);
    expect((await run(['config', 'publish', dataId, '-g', 'CLI_GROUP'], { input: 'from stdin' })).code).toBe(0);
    const json = await runUntil(['--json', 'config', 'get', dataId, '-g', 'CLI_GROUP'], (r) => r.code === 0);
    expect(JSON.parse(json.stdout)).toEqual({ dataId, group: 'CLI_GROUP', namespace: '', content: 'from stdin' });
    expect((await run(['config', 'remove', dataId])).code).toBe(0);
    const missing = await runUntil(['config', 'get', dataId], (r) => r.code !== 0);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/does not exist/);
  });

  it('config watch streams changes until interrupted, then exits 0', async () => {
    const dataId = uniqueId('cli-watch');
    await run(['config', 'publish', dataId, '--content', 'w1']);
    const watch = start(['config', 'watch', dataId]);
    await waitFor(() => watch.out.stdout.includes('w1'), { what: 'the initial content' });
    await run(['config', 'publish', dataId, '--content', 'w2']);
    await waitFor(() => watch.out.stdout.includes('w2'), { what: 'the change' });
    watch.child.kill('SIGINT');
    expect(await watch.exited).toBe(0);
  });

  it('naming register / list / services / watch / deregister', async () => {
    const service = uniqueId('cli-svc');
    const watch = start(['naming', 'watch', service, '--interval', '200']);
    expect((await run(['naming', 'register', service, '10.50.0.1', '8080', '--weight', '2', '--metadata', 'zone=a'])).code).toBe(0);
    // Another process: the server shows the registration when it has applied it (reads lag writes).
    const hosts = async () => (JSON.parse((await run(['--json', 'naming', 'list', service])).stdout) as { ip: string; weight: number; metadata: object }[]).map((h) => [h.ip, h.weight, h.metadata]);
    expect(await waitFor(async () => ((await hosts()).length > 0 ? hosts() : undefined), { what: 'the registration to be listed' })).toEqual([['10.50.0.1', 2, { zone: 'a' }]]);
    expect((await run(['naming', 'services'])).stdout).toContain(service);
    await waitFor(() => watch.out.stdout.includes('+ 10.50.0.1:8080'), { what: 'the watch to see the instance' });
    expect((await run(['naming', 'deregister', service, '10.50.0.1', '8080'])).code).toBe(0);
    await waitFor(() => watch.out.stdout.includes('- 10.50.0.1:8080'), { what: 'the watch to see it go' });
    watch.child.kill('SIGINT');
    expect(await watch.exited).toBe(0);
  });

  it('failover set / clear write the override the library reads', async () => {
    const dataId = uniqueId('cli-failover');
    const dir = mkdtempSync(join(tmpdir(), 'nacos-edge-cli-cache-'));
    await run(['config', 'publish', dataId, '--content', 'server value']);
    expect((await run(['failover', 'set', dataId, '--content', 'override', '--cache-dir', dir])).code).toBe(0);
    const client = await NacosConfigService.createConfigService(createClientConfig(plainOptions({ storage: createStorage({ dir }) })));
    expect(await client.getConfig({ dataId })).toBe('override');
    expect((await run(['failover', 'clear', dataId, '--cache-dir', dir])).code).toBe(0);
    // The publish was another process's: waited for until the server shows it.
    await waitFor(async () => (await client.getConfig({ dataId })) === 'server value', { what: 'the published value' });
    await client.shutdown();
  });

  it('login checks credentials without printing the password or the token', async () => {
    const { serverAddr, username, password } = nacos().auth;
    const ok = await run(['login'], { env: { NACOS_SERVER_ADDR: serverAddr, NACOS_USERNAME: username, NACOS_PASSWORD: password } });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/logged in as .*; token valid for \d+ s/);
    expect(ok.stdout + ok.stderr).not.toContain(password);
    const bad = await run(['login'], { env: { NACOS_SERVER_ADDR: serverAddr, NACOS_USERNAME: username, NACOS_PASSWORD: 'wrong' } });
    expect(bad.code).toBe(4);
    expect(bad.stderr).not.toContain('wrong');
  });

  it('exit codes: bad usage 2, invalid input 2, unreachable server 5', async () => {
    expect((await run(['config', 'frobnicate'])).code).toBe(2);
    expect((await run(['naming', 'register', 's', '10.0.0.1', 'eighty'])).code).toBe(2);
    expect((await run(['config', 'get', 'bad/id'])).code).toBe(2);
    expect((await run(['--timeout', 'soon', 'ping'])).code).toBe(2);
    const down = await run(['config', 'get', 'x'], { env: { NACOS_SERVER_ADDR: await deadServerAddr() } });
    expect(down.code).toBe(5);
    expect(down.stderr).toMatch(/no server answered/);
  });

  it('bad input is exit 2 before any request: an unknown type, an address that is no IP or host, a missing file', async () => {
    const type = await run(['config', 'publish', uniqueId('cli-type'), '--content', 'x', '--type', 'bogus']);
    expect(type.code).toBe(2);
    expect(type.stderr).toMatch(/type: must be one of/);
    const ip = await run(['naming', 'register', 'orders', 'not-an-ip', '8080']);
    expect(ip.code).toBe(2);
    expect(ip.stderr).toMatch(/not an IP address/);
    const file = await run(['config', 'publish', uniqueId('cli-file'), '--file', '/nonexistent/app.json']);
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/cannot read --file \/nonexistent\/app\.json: no such file/);
  });

  it('removing what does not exist says so (exit 3), and with --json errors are JSON', async () => {
    const remove = await run(['--json', 'config', 'remove', uniqueId('cli-absent')]);
    expect(remove.code).toBe(3);
    expect(remove.stdout).toBe('');
    expect(JSON.parse(remove.stderr)).toMatchObject({ error: { code: 'NOT_FOUND', exitCode: 3, message: expect.stringMatching(/does not exist/) } });
    const deregister = await run(['naming', 'deregister', uniqueId('cli-nosvc'), '10.0.0.1', '80']);
    expect(deregister.code).toBe(3);
    expect(deregister.stderr).toMatch(/no instance 10\.0\.0\.1:80/);
  });

  it('config get honours a failover entry set by failover set (the same cache folder)', async () => {
    const dataId = uniqueId('cli-override');
    const dir = mkdtempSync(join(tmpdir(), 'nacos-edge-cli-cache-'));
    await run(['config', 'publish', dataId, '--content', 'server value']);
    expect((await runUntil(['config', 'get', dataId, '--cache-dir', dir], (r) => r.code === 0)).stdout).toBe('server value\n');
    await run(['failover', 'set', dataId, '--content', 'operator value', '--cache-dir', dir]);
    expect((await run(['config', 'get', dataId, '--cache-dir', dir])).stdout).toBe('operator value\n');
    await run(['failover', 'clear', dataId, '--cache-dir', dir]);
    expect((await run(['config', 'get', dataId, '--cache-dir', dir])).stdout).toBe('server value\n');
  });

  it('a server that is not Nacos is named as such, never read as a config (a web server; another app answering JSON)', async () => {
    const web = await httpServer((_req, res) => res.writeHead(404, { 'Content-Type': 'text/html' }).end('<!DOCTYPE HTML><html><body>Not Found</body></html>'));
    const console = await httpServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"data":null,"success":false,"code":"NO_LOGIN","msg":null}'));
    try {
      for (const args of [['ping'], ['config', 'get', 'app.properties', '--cache-dir', mkdtempSync(join(tmpdir(), 'nacos-edge-cli-cache-'))], ['config', 'publish', 'app.properties', '--content', 'a=1']]) {
        const r = await run(args, { env: { NACOS_SERVER_ADDR: web } });
        expect(r.code).toBe(5);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(/not a Nacos server at http:\/\/127\.0\.0\.1:\d+\/nacos/);
        expect(r.stderr).not.toMatch(/3\.2\+/);
      }
      const get = await run(['config', 'get', 'app.properties', '--cache-dir', mkdtempSync(join(tmpdir(), 'nacos-edge-cli-cache-'))], { env: { NACOS_SERVER_ADDR: console } });
      expect(get.code).not.toBe(0);
      expect(get.stdout).toBe('');
      expect(get.stderr).toMatch(/not a Nacos server/);
    } finally {
      await Promise.all(closeServers.splice(0).map((c) => c()));
    }
  });

  it('--help works for every command', async () => {
    for (const args of [[], ['config'], ['config', 'get'], ['config', 'publish'], ['config', 'remove'], ['config', 'watch'], ['naming'], ['naming', 'register'], ['naming', 'deregister'], ['naming', 'list'], ['naming', 'services'], ['naming', 'watch'], ['failover', 'set'], ['failover', 'clear'], ['login'], ['ping']]) {
      const r = await run([...args, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: nacos-edge/);
    }
  }, 60_000);

  it('--ca, --cert and --key reach a server behind TLS that checks client certificates; without them, exit 5', async () => {
    const terminator = await startTlsTerminator({ target: nacos().serverAddr });
    try {
      const { dir } = terminator.certificates;
      const tls = ['--ca', join(dir, 'ca.pem'), '--cert', join(dir, 'client.pem'), '--key', join(dir, 'client-key.pem')];
      const server = ['--server', terminator.url];
      const dataId = uniqueId('cli-tls');
      expect(await run([...server, ...tls, 'config', 'publish', dataId, '--content', 'via tls'])).toMatchObject({ code: 0 });
      const read = await runUntil([...server, ...tls, 'config', 'get', dataId], (x) => x.code === 0);
      expect(read.stdout).toBe('via tls\n');
      // The same from the environment, as a deployment sets it.
      const fromEnv = await run([...server, 'config', 'get', dataId], { env: { NACOS_TLS_CA: join(dir, 'ca.pem'), NACOS_TLS_CERT: join(dir, 'client.pem'), NACOS_TLS_KEY: join(dir, 'client-key.pem') } });
      expect([fromEnv.code, fromEnv.stdout]).toEqual([0, 'via tls\n']);
      // An empty cache folder: the snapshot of the reads above would answer otherwise.
      const empty = () => ['--cache-dir', mkdtempSync(join(tmpdir(), 'nacos-edge-cli-cache-'))];
      expect((await run([...server, '--ca', join(dir, 'ca.pem'), 'config', 'get', dataId, ...empty()])).code).toBe(5);
      expect((await run([...server, 'config', 'get', dataId, ...empty()])).code).toBe(5);
      const missing = await run([...server, '--ca', join(dir, 'nope.pem'), 'config', 'get', dataId]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('nope.pem');
      const halfPair = await run([...server, '--ca', join(dir, 'ca.pem'), '--cert', join(dir, 'client.pem'), 'config', 'get', dataId]);
      expect(halfPair.code).toBe(2);
    } finally {
      await terminator.close();
    }
  }, 60_000);

  it('encrypted configs: cipher-aes- always, KMS from the NACOS_KMS_* variables; bad settings are exit 2', async () => {
    const kms = await startKmsStandin();
    const services: NacosConfigService[] = [];
    try {
      const env = { NACOS_KMS_ENDPOINT: kms.url, NACOS_KMS_ACCESS_KEY: kms.accessKey, NACOS_KMS_SECRET_KEY: kms.secretKey };
      const viaKms = uniqueId('cipher-kms-aes-128-cli');
      expect(await run(['config', 'publish', viaKms, '--content', 'kms=秘密'], { env })).toMatchObject({ code: 0 });
      const plain = await NacosConfigService.createConfigService(createClientConfig(plainOptions()));
      const edge = await NacosConfigService.createConfigService(createClientConfig(plainOptions({ configFilters: [kmsEncryption({ endpoint: kms.url, accessKey: kms.accessKey, secretKey: kms.secretKey })] })));
      services.push(plain, edge);
      await waitFor(async () => (await edge.getConfig({ dataId: viaKms })) === 'kms=秘密', { what: 'the CLI’s KMS publish, read in clear' });
      expect(await plain.getConfig({ dataId: viaKms })).toMatch(/^[A-Za-z0-9+/]+=*$/);
      const read = await runUntil(['config', 'get', viaKms], (x) => x.code === 0 || x.stderr.includes('no encryption provider'));
      expect(read.code).not.toBe(0);
      const cached = ['--cache-dir', mkdtempSync(join(tmpdir(), 'nacos-edge-cli-cache-'))];
      expect(await run(['config', 'get', viaKms, ...cached], { env })).toMatchObject({ code: 0, stdout: 'kms=秘密\n' });
      expect(kms.refused).toEqual([]);

      const viaAes = uniqueId('cipher-aes-cli');
      const aes = await NacosConfigService.createConfigService(createClientConfig(plainOptions({ configFilters: [aesEncryption()] })));
      services.push(aes);
      await aes.publishConfig({ dataId: viaAes, content: 'aes=plugin' });
      expect((await runUntil(['config', 'get', viaAes], (x) => x.code === 0)).stdout).toBe('aes=plugin\n');

      const broken = await run(['config', 'get', viaKms], { env: { NACOS_KMS_ENDPOINT: 'http://kms.example.com' } });
      expect(broken.code).toBe(2);
      expect(broken.stderr).toMatch(/NACOS_KMS_/);
    } finally {
      await Promise.all(services.map((s) => s.shutdown()));
      await kms.close();
    }
  }, 60_000);

  it('config get runs under Deno with only net and env permissions', async () => {
    const dataId = uniqueId('cli-deno');
    await run(['config', 'publish', dataId, '--content', 'from deno']);
    await runUntil(['config', 'get', dataId], (x) => x.code === 0);
    const r = await run(['config', 'get', dataId], { runtime: 'deno' });
    expect(r.stderr).toBe('');
    expect([r.code, r.stdout]).toEqual([0, 'from deno\n']);
  }, 60_000);
});
