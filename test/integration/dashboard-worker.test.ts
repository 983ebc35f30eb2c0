// The dashboard as a Cloudflare Worker (examples/dashboard/worker) in `wrangler dev --local` (real workerd, the real
// static-assets binding), with the freshly built page as its assets, in front of the official auth-on server of this
// generation. A recording pass-through sits between the Worker and Nacos, so the test sees what the Worker forwards
// (every answer still comes from the real server): the page and its assets with the security headers, a login that
// reaches Nacos, the token passed on, cookies and browser credentials not, cross-site requests refused.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboardApp } from '../support/dashboard-build.js';
import { dashboardWorkerConfig } from '../support/dashboard-worker.js';
import { freePort, isV3, nacos, waitFor } from './helpers.js';

const paths = () =>
  isV3()
    ? { login: '/nacos/v3/auth/user/login', users: '/nacos/v3/auth/user/list?pageNo=1&pageSize=10' }
    : { login: '/nacos/v1/auth/users/login', users: '/nacos/v1/auth/users?pageNo=1&pageSize=10&search=accurate&username=' };

/** What reached Nacos through the Worker: each request's path and headers. */
const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
let recorder: Server;
let worker: ChildProcess | undefined;
let base: string;
let appRoot: string;
let output = '';

/** Forwards every request unchanged to the real server and records what arrived. */
async function startRecorder(target: string): Promise<string> {
  const [host, port] = target.split(':');
  recorder = createHttpServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const upstream = httpRequest({ host, port: Number(port), method: req.method, path: req.url, headers: { ...req.headers, host: target } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(recorder.address() as { port: number }).port}`;
}

beforeAll(async () => {
  // The Worker imports nacos-edge/dashboard: the built package (npm test builds it first).
  if (!existsSync(resolve('dist/dashboard.js'))) throw new Error('dist/dashboard.js is missing: run npm run build first');
  appRoot = (await buildDashboardApp()).root;
  const nacosUrl = await startRecorder(nacos().auth.serverAddr);
  const config = dashboardWorkerConfig({ assets: appRoot, nacosUrl });
  const port = await freePort();
  worker = spawn(resolve('node_modules/.bin/wrangler'), ['dev', '--local', '-c', config, '--ip', '127.0.0.1', '--port', String(port), '--show-interactive-dev-session=false', '--log-level', 'warn'], {
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout?.on('data', (d) => (output += d));
  worker.stderr?.on('data', (d) => (output += d));
  base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${base}/`)).ok, { what: `wrangler dev to serve the dashboard (${output})`, timeoutMs: 60_000, intervalMs: 100 });
}, 120_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await new Promise((r) => worker!.once('exit', r));
  }
  await new Promise((r) => recorder?.close(r));
  if (appRoot) rmSync(appRoot, { recursive: true, force: true });
});

async function login(): Promise<string> {
  const { username, password } = nacos().auth;
  const answer = await fetch(`${base}${paths().login}`, { method: 'POST', body: new URLSearchParams({ username, password }) });
  expect(answer.status).toBe(200);
  // Nacos answers a login with `Authorization: Bearer <token>` as well: the page has the token in the body already.
  expect(answer.headers.get('authorization')).toBeNull();
  expect(answer.headers.get('set-cookie')).toBeNull();
  expect(answer.headers.get('cache-control')).toBe('no-store');
  const body = (await answer.json()) as { accessToken?: string; data?: { accessToken?: string } };
  const token = body.accessToken ?? body.data?.accessToken;
  expect(token).toMatch(/^ey/);
  return token!;
}

describe('the dashboard Worker in wrangler dev', () => {
  it('serves the built page with the security headers, its hashed assets cached for good, and the page for app routes', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="app">');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${base}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect(readdirSync(resolve(appRoot, 'assets'))).toContain(script!.slice('/assets/'.length));
    // A hash route's deep link (#/…) loads "/", but a path the app may use is the page too, not a 404.
    const deep = await fetch(`${base}/configs`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="app">');
  });

  it('a login reaches Nacos with the password in the form body, never in the URL', async () => {
    const before = seen.length;
    await login();
    const arrived = seen.slice(before);
    expect(arrived.map((r) => r.path.split('?')[0])).toContain(paths().login);
    for (const r of arrived) expect(r.path).not.toContain(nacos().auth.password);
  });

  it('passes the token on in the accessToken header, and neither cookies nor browser credentials', async () => {
    const token = await login();
    const before = seen.length;
    const answer = await fetch(`${base}${paths().users}`, {
      headers: { accessToken: token, Cookie: `JSESSIONID=abc; accessToken=${token}`, Authorization: 'Basic bmFjb3M6bmFjb3M=', 'X-Forwarded-For': '6.6.6.6' },
    });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain(nacos().auth.username);
    const forwarded = seen.slice(before).find((r) => r.path.startsWith(paths().users.split('?')[0]!));
    expect(forwarded?.headers.accesstoken).toBe(token);
    expect(forwarded?.headers.cookie).toBeUndefined();
    expect(forwarded?.headers.authorization).toBeUndefined();
    expect(forwarded?.headers['x-forwarded-for']).not.toBe('6.6.6.6');
    // Without the header the server refuses (auth is on): a token in a cookie does not get through.
    const cookieOnly = await fetch(`${base}${paths().users}`, { headers: { Cookie: `accessToken=${token}` } });
    expect(cookieOnly.status).toBe(403);
  });

  it('refuses cross-site and cross-origin requests before they reach Nacos, and paths outside the API', async () => {
    const token = await login();
    const before = seen.length;
    const crossSite = await fetch(`${base}${paths().users}`, { headers: { accessToken: token, 'Sec-Fetch-Site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    const otherOrigin = await fetch(`${base}${paths().login}`, { method: 'POST', headers: { Origin: 'https://evil.example' }, body: new URLSearchParams({ username: 'nacos', password: 'x' }) });
    expect(otherOrigin.status).toBe(403);
    const outside = await fetch(`${base}/nacos/actuator/prometheus`);
    expect(outside.status).toBe(404);
    expect(seen.length).toBe(before);
  });
});
