// The dashboard's Node server (nacos-edge/dashboard/node) in front of the official servers: a login and an admin call
// through it, what it refuses, the page's files and headers, a log without secrets, and a close that leaves nothing
// running (in-process, in a child process on Node, Bun and Deno, and through `nacos-edge dashboard`).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NacosAdminClient } from '../../src/admin.js';
import { serveDashboard, type DashboardServer } from '../../src/dashboard/node.js';
import { isV3, nacos } from './helpers.js';

/** A stand-in for the built dashboard: what the server serves does not depend on what the app is. */
function fixture(): string {
  const root = mkdtempSync(join(tmpdir(), 'nacos-edge-dashboard-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><html><head><script type="module" src="/assets/index-AbCdEf12.js"></script><link rel="stylesheet" href="/assets/index-XyZ98765.css"></head><body>dashboard</body></html>');
  writeFileSync(join(root, 'assets', 'index-AbCdEf12.js'), 'document.body.dataset.ready = "1";');
  writeFileSync(join(root, 'assets', 'index-XyZ98765.css'), 'body { margin: 0 }');
  writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return root;
}

const paths = () =>
  isV3()
    ? { login: '/nacos/v3/auth/user/login', users: '/nacos/v3/auth/user/list?pageNo=1&pageSize=10', readiness: '/nacos/v3/admin/core/state/readiness' }
    : { login: '/nacos/v1/auth/users/login', users: '/nacos/v1/auth/users?pageNo=1&pageSize=10&search=accurate&username=', readiness: '/nacos/v1/console/health/readiness' };

const root = fixture();
const lines: string[] = [];
const logger = { info: (m: string) => void lines.push(`info ${m}`), warn: (m: string) => void lines.push(`warn ${m}`) };
let auth: DashboardServer;
let plain: DashboardServer;

beforeAll(async () => {
  auth = await serveDashboard({ nacos: `http://${nacos().auth.serverAddr}`, root, logger });
  plain = await serveDashboard({ nacos: nacos().serverAddr, root });
});
afterAll(async () => {
  await Promise.all([auth?.close(), plain?.close()]);
});

async function login(): Promise<string> {
  const { username, password } = nacos().auth;
  const answer = await fetch(`${auth.url}${paths().login}`, { method: 'POST', body: new URLSearchParams({ username, password }) });
  expect(answer.status).toBe(200);
  const body = (await answer.json()) as { accessToken?: string; data?: { accessToken?: string } };
  const token = body.accessToken ?? body.data?.accessToken;
  expect(token).toMatch(/^ey/);
  return token!;
}

describe('through the proxy', () => {
  it('binds 127.0.0.1 by default and says so', () => {
    expect(auth.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines.some((l) => l.startsWith(`info dashboard on ${auth.url} `) && l.includes('this machine only'))).toBe(true);
  });

  it('a login reaches Nacos (password in the form body) and its token comes back; the login headers stay behind', async () => {
    const { username, password } = nacos().auth;
    const answer = await fetch(`${auth.url}${paths().login}`, { method: 'POST', body: new URLSearchParams({ username, password }) });
    expect(answer.status).toBe(200);
    // Nacos also answers a login with `Authorization: Bearer <token>`: the page has the token in the body already.
    const direct = await fetch(`http://${nacos().auth.serverAddr}${paths().login}`, { method: 'POST', body: new URLSearchParams({ username, password }) });
    expect(direct.headers.get('authorization')).toMatch(/^Bearer /);
    expect(answer.headers.get('authorization')).toBeNull();
    expect(answer.headers.get('set-cookie')).toBeNull();
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    // A refused login is the server's own answer (403 on 2.5.1; 3.0.3 answers a wrong password with a 500).
    const wrong = await fetch(`${auth.url}${paths().login}`, { method: 'POST', body: new URLSearchParams({ username, password: 'wrong-password' }) });
    const wrongDirect = await fetch(`http://${nacos().auth.serverAddr}${paths().login}`, { method: 'POST', body: new URLSearchParams({ username, password: 'wrong-password' }) });
    expect(wrong.status).toBe(wrongDirect.status);
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    expect(await wrong.text()).not.toContain('accessToken');
  });

  it('an admin call with the accessToken header is answered; the token as a cookie or Authorization is not passed on', async () => {
    const token = await login();
    const withToken = await fetch(`${auth.url}${paths().users}`, { headers: { accessToken: token } });
    expect(withToken.status).toBe(200);
    expect(JSON.stringify(await withToken.json())).toContain(nacos().auth.username);
    // Nacos itself takes the token from Authorization: the browser may add that header by itself, so it stays here.
    expect((await fetch(`http://${nacos().auth.serverAddr}${paths().users}`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${auth.url}${paths().users}`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(403);
    expect((await fetch(`${auth.url}${paths().users}`, { headers: { Cookie: `accessToken=${token}` } })).status).toBe(403);
    expect((await fetch(`${auth.url}${paths().users}`)).status).toBe(403);
  });

  it('the admin client, as the page uses it, logs in and finds the generation through the proxy', async () => {
    const admin = new NacosAdminClient({ serverAddresses: new URL(auth.url).host, logLevel: 'silent' });
    try {
      const answer = await admin.login(nacos().auth.username, nacos().auth.password);
      expect(answer.accessToken).toMatch(/^ey/);
      const withToken = new NacosAdminClient({ serverAddresses: new URL(auth.url).host, logLevel: 'silent', accessToken: () => answer.accessToken });
      try {
        expect(await withToken.generation()).toBe(isV3() ? 'v3' : 'v2');
      } finally {
        await withToken.shutdown();
      }
    } finally {
      await admin.shutdown();
    }
  });

  it('cross-site requests are refused even with a valid token; the own origin is served', async () => {
    const token = await login();
    const own = new URL(auth.url).origin;
    const ask = (headers: Record<string, string>) => fetch(`${auth.url}${paths().users}`, { headers: { accessToken: token, ...headers } }).then((r) => r.status);
    expect(await ask({ Origin: 'https://evil.example' })).toBe(403);
    expect(await ask({ 'Sec-Fetch-Site': 'cross-site' })).toBe(403);
    expect(await ask({ Origin: own, 'Sec-Fetch-Site': 'same-origin' })).toBe(200);
    // A form another site posts carries its Origin: the login (or a publish) is refused before it reaches Nacos.
    const { username, password } = nacos().auth;
    const posted = await fetch(`${auth.url}${paths().login}`, { method: 'POST', headers: { Origin: 'https://evil.example' }, body: new URLSearchParams({ username, password }) });
    expect(posted.status).toBe(403);
    const preflight = await fetch(`${auth.url}${paths().users}`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' } });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a DNS name that points at the proxy (rebinding) is refused; localhost is fine', async () => {
    const port = new URL(plain.url).port;
    const status = (host: string) =>
      new Promise<string>((resolveStatus, reject) => {
        // Written without ending the socket: a half-closed client may be dropped before its answer.
        const socket = connect(Number(port), '127.0.0.1', () => socket.write(`GET ${paths().readiness} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
        let data = '';
        socket.on('data', (d) => (data += d));
        socket.on('end', () => resolveStatus(data.split(' ')[1] ?? ''));
        socket.on('error', reject);
      });
    expect(await status(`rebind.evil.example:${port}`)).toBe('403');
    expect(await status(`localhost:${port}`)).toBe('200');
    expect(await status(`127.0.0.1:${port}`)).toBe('200');
  });

  it('forwards /nacos/v1, v2 and v3 only', async () => {
    expect((await fetch(`${plain.url}${paths().readiness}`)).status).toBe(200);
    for (const path of ['/nacos/', '/nacos/index.html', '/nacos/actuator/prometheus', '/nacos/v1']) {
      const answer = await fetch(`${plain.url}${path}`);
      expect(answer.status, path).toBe(404);
      expect(await answer.text(), path).toContain('forwards /nacos/v1/, /nacos/v2/ and /nacos/v3/ only');
    }
  });
});

describe('the page', () => {
  it('serves files with their types and caching, index.html for app routes, 404 for missing files', async () => {
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const answer = await fetch(`${plain.url}${path}`, { headers });
      return { status: answer.status, type: answer.headers.get('content-type'), cache: answer.headers.get('cache-control'), body: await answer.text() };
    };
    const page = await get('/');
    expect(page).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', cache: 'no-cache' });
    expect(page.body).toContain('dashboard');
    expect(await get('/services/orders')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: page.body });
    // A route ending in a dataId looks like a file name: opened as a page, it is the app.
    const deepLink = await get('/configs/public/DEFAULT_GROUP/app.yaml', { Accept: 'text/html,application/xhtml+xml', 'Sec-Fetch-Mode': 'navigate' });
    expect(deepLink).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: page.body });
    expect(await get('/missing.js')).toMatchObject({ status: 404 });
    expect(await get('/assets/index-AbCdEf12.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8', cache: 'public, max-age=31536000, immutable' });
    expect(await get('/assets/index-XyZ98765.css')).toMatchObject({ status: 200, type: 'text/css; charset=utf-8', cache: 'public, max-age=31536000, immutable' });
    expect(await get('/favicon.svg')).toMatchObject({ status: 200, type: 'image/svg+xml' });
    expect(await get('/assets/index-Gone1234.js')).toMatchObject({ status: 404 });
  });

  it('has the security headers', async () => {
    const answer = await fetch(`${plain.url}/`);
    const csp = answer.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "script-src 'self'", "object-src 'none'"]) expect(csp).toContain(directive);
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
    expect(answer.headers.get('x-frame-options')).toBe('DENY');
    const api = await fetch(`${plain.url}${paths().readiness}`);
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    expect(api.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});

describe('the log', () => {
  it('has method, path and status, and no password, token or query string', async () => {
    const token = await login();
    await fetch(`${auth.url}${paths().users}&accessToken=${token}`);
    await fetch(`${auth.url}${paths().users}`, { headers: { accessToken: token, Origin: 'https://evil.example' } });
    const text = lines.join('\n');
    expect(text).toMatch(new RegExp(`info POST ${paths().login} → 200 \\(\\d+ ms\\)`));
    expect(text).toContain(`warn refused another origin: GET ${paths().users.split('?')[0]}`);
    expect(text).not.toContain(nacos().auth.password);
    expect(text).not.toContain(token);
    expect(text).not.toMatch(/\?|pageNo|accessToken=/);
  });
});

describe('close', () => {
  it('ends open connections, a request still sending its body and an idle keep-alive one', async () => {
    const server = await serveDashboard({ nacos: nacos().serverAddr, root });
    const { port } = new URL(server.url);
    const open = (request: string) =>
      new Promise<{ closed: Promise<number> }>((resolveOpen) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write(request);
          resolveOpen({ closed: new Promise((c) => socket.on('close', () => c(Date.now()))) });
        });
        socket.on('data', () => undefined);
        socket.on('error', () => undefined);
      });
    // Declares 1000 bytes and sends 10: the proxy is still reading the body.
    const sending = await open(`POST /nacos/v1/cs/configs HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ndataId=abc`);
    const idle = await open(`GET ${paths().readiness} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await server.close();
    const [a, b] = await Promise.all([sending.closed, idle.closed]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(Math.max(a, b) - started).toBeLessThan(2000);
    await expect(fetch(`${server.url}/`)).rejects.toThrow();
  });

  it.runIf(!isV3())('ends a config long poll held upstream', async () => {
    const server = await serveDashboard({ nacos: nacos().serverAddr, root });
    const listening = fetch(`${server.url}/nacos/v1/cs/configs/listener`, {
      method: 'POST',
      headers: { 'Long-Pulling-Timeout': '30000', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `Listening-Configs=${encodeURIComponent(`dashboard-close\u0002DEFAULT_GROUP\u0002\u0001`)}`,
    }).then(
      (r) => r.text().then(() => 'answered', () => 'cut'),
      () => 'cut',
    );
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    await server.close();
    expect(await listening).toBe('cut');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('a process', () => {
  let script = '';
  beforeAll(async () => {
    mkdirSync(resolve('.nacos'), { recursive: true });
    const dir = mkdtempSync(join(resolve('.nacos'), 'dashboard-exit-'));
    await build({ entryPoints: { dashboard: resolve('src/dashboard/node.ts') }, bundle: true, format: 'esm', platform: 'node', outdir: dir, outExtension: { '.js': '.mjs' }, logLevel: 'error' });
    script = join(dir, 'main.mjs');
    writeFileSync(
      script,
      `import { serveDashboard } from './dashboard.mjs';
const server = await serveDashboard({ nacos: process.argv[2], root: process.argv[3] });
// A proxied call (a kept-alive connection to Nacos), the page, and a client connection left open.
const api = await fetch(server.url + process.argv[4]);
const page = await fetch(server.url + '/');
await api.text(); await page.text();
console.log('served ' + api.status + ' ' + page.status);
await server.close();
console.log('closed');
`,
    );
  });

  const runtimes = [
    ['node', process.execPath, []],
    ['bun', resolve('node_modules/.bin/bun'), []],
    ['deno', resolve('node_modules/.bin/deno'), ['run', '-A']],
  ] as const;
  for (const [name, command, pre] of runtimes) {
    it(`exits by itself after close() (${name})`, async () => {
      const child = spawn(command, [...pre, script, nacos().serverAddr, root, paths().readiness], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
      });
      let out = '';
      let closedAt = 0;
      child.stdout.on('data', (d) => {
        out += d;
        if (!closedAt && out.includes('closed')) closedAt = Date.now();
      });
      child.stderr.on('data', (d) => (out += d));
      const code = await new Promise<number | null>((resolveExit) => {
        const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.on('exit', (c) => {
          clearTimeout(killer);
          resolveExit(c);
        });
      });
      expect(out).toContain('served 200 200');
      expect(out).toContain('closed');
      expect(code).toBe(0);
      // Node's fetch keeps its connections for 4 s after use, unreferenced; anything holding the process would show here.
      expect(Date.now() - closedAt).toBeLessThan(3000);
    });
  }
});

describe('nacos-edge dashboard', () => {
  let cli = '';
  beforeAll(async () => {
    mkdirSync(resolve('.nacos'), { recursive: true });
    cli = join(mkdtempSync(join(resolve('.nacos'), 'cli-dashboard-')), 'cli', 'index.mjs');
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

  /** Runs `nacos-edge dashboard` from `entry` (default: the CLI built from src/ above). */
  function start(args: string[], entry = cli) {
    const child = spawn(process.execPath, [entry, 'dashboard', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    return { child, exited, stderr: () => stderr };
  }

  /** The URL the command says it listens on. */
  async function urlOf(run: ReturnType<typeof start>): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const found = /dashboard on (http:\/\/127\.0\.0\.1:\d+)/.exec(run.stderr());
      if (found) return found[1]!;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no URL in ${run.stderr()}`);
  }

  it('serves the built files and proxies to --nacos until interrupted, then exits 0', async () => {
    const run = start(['--nacos', nacos().serverAddr, '--root', root, '--port', '0', '--verbose']);
    try {
      const url = await urlOf(run);
      expect(run.stderr()).toContain('this machine only');
      expect((await fetch(`${url}${paths().readiness}?secret=query`)).status).toBe(200);
      expect(await (await fetch(`${url}/services`)).text()).toContain('dashboard');
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(run.stderr()).toContain(`GET ${paths().readiness} → 200`);
      expect(run.stderr()).not.toContain('secret=query');
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('from the built package (dist/, as npx runs it), serves the dashboard the package ships', async () => {
    const packaged = resolve('dist/cli/index.js');
    expect(existsSync(packaged), 'dist/cli/index.js: run npm run build first').toBe(true);
    const run = start(['--nacos', nacos().serverAddr, '--port', '0'], packaged);
    try {
      const url = await urlOf(run);
      const page = await (await fetch(`${url}/`)).text();
      expect(page).toContain('<div id="app">');
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(page)?.[1];
      expect(existsSync(resolve('dist/dashboard-app', `.${script}`))).toBe(true);
      expect((await fetch(`${url}${script}`)).status).toBe(200);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('says to build when the package has no built dashboard', async () => {
    const run = start(['--nacos', nacos().serverAddr, '--port', '0']);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('run npm run build');
  });

  it('refuses a bad port as a usage error', async () => {
    const run = start(['--nacos', nacos().serverAddr, '--root', root, '--port', '70000']);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('--port must be a whole number from 0 to 65535');
  });
});
