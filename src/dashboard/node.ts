/**
 * The admin dashboard on Node, Bun or Deno: its built files and the same-origin `/nacos/*` proxy
 * ({@link createDashboardProxy}) on one node:http server. `npx nacos-edge dashboard` runs it.
 *
 * @module
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { respond } from '../bridge/node.js';
import { NacosError } from '../errors.js';
import { isLoopbackHost } from '../util/loopback.js';
import { createDashboardProxy, type DashboardLogger, type DashboardProxyOptions } from './proxy.js';

export { createDashboardProxy, DEFAULT_CSP, type DashboardLogger, type DashboardProxyOptions } from './proxy.js';

/** Options of {@link serveDashboard}. */
export interface ServeDashboardOptions {
  /** The Nacos server(s): `host:port` or `http(s)://host:port[/context-path]`; a list (or comma-separated) fails over. */
  nacos: string | readonly string[];
  /**
   * The folder of a built dashboard (its index.html and assets/). Default: the one the npm package ships
   * ({@link bundledDashboardRoot}); from the sources (JSR, a checkout) give the folder of your own build.
   */
  root?: string;
  /** The port to listen on; 0 (the default) takes any free one (see `url`). */
  port?: number;
  /**
   * The address to listen on. Default 127.0.0.1: only this machine reaches the dashboard, and so the Nacos admin API
   * behind it. Another address exposes both over plain HTTP: put TLS and an access check in front.
   */
  host?: string;
  /** The Nacos server's context path when `nacos` names none. Default `/nacos`. */
  contextPath?: string;
  /**
   * The `Host` values browsers may use besides the loopback names with the port (always allowed). Default: `host` with
   * the port, so a DNS name an attacker points at this machine cannot reach the proxy (DNS rebinding). Behind a
   * reverse proxy, list the name it forwards (e.g. `admin.example.com`, with `:port` when not 80). `['*']` accepts any.
   */
  allowedHosts?: readonly string[];
  /** Origins besides the page's own whose requests are accepted, e.g. `https://admin.example.com` of a TLS terminator. */
  allowedOrigins?: readonly string[];
  /** Passed to the proxy: the upstream fetch, deadline and body limit. */
  fetch?: DashboardProxyOptions['fetch'];
  timeoutMs?: number;
  maxBodyBytes?: number;
  /** Where to log requests (method, path, status) and refusals. Default: nothing. */
  logger?: DashboardLogger;
}

/** A running dashboard server. */
export interface DashboardServer {
  /** `http://host:port` it listens on. */
  url: string;
  /** Stops listening, ends open connections (held long polls included) and resolves once the server is closed. */
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/**
 * A web-standard handler of the files in `root`, for a single-page app: a path that names no file is the app's own
 * route and gets index.html, except under `assets/` and for a file name (`x.js`) asked for other than as a page
 * load, which are 404s. Dotfiles and paths that leave `root` are 404s. Use it as the proxy's `assets` with `Bun.serve` or `Deno.serve` too.
 */
export function staticFiles(root: string): (request: Request) => Promise<Response> {
  const base = resolve(root);
  const file = async (path: string): Promise<{ body: Uint8Array; type: string } | undefined> => {
    try {
      if (!(await stat(path)).isFile()) return undefined;
      return { body: await readFile(path), type: TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream' };
    } catch {
      return undefined;
    }
  };
  const answer = (found: { body: Uint8Array; type: string }, head: boolean) =>
    new Response(head ? null : (found.body as Uint8Array<ArrayBuffer>), { headers: { 'Content-Type': found.type, 'Content-Length': String(found.body.byteLength) } });
  return async (request) => {
    const head = request.method === 'HEAD';
    let segments: string[];
    try {
      segments = decodeURIComponent(new URL(request.url).pathname).split('/').filter((s) => s !== '');
    } catch {
      return new Response('bad path\n', { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    }
    const notFound = () => new Response('not found\n', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    // `..`, dotfiles, NUL and backslashes never name a file of the build.
    if (segments.some((s) => s.startsWith('.') || s.includes('\0') || s.includes('\\'))) return notFound();
    const path = join(base, ...segments);
    if (path !== base && !path.startsWith(base + sep)) return notFound();
    const found = segments.length > 0 ? await file(path) : undefined;
    if (found) return answer(found, head);
    // A missing build file is a 404 (a stale page asking for an old hash must not get HTML as script). An app route is
    // index.html, even one that ends like a file name (a config route ends in its dataId, `app.yaml`): that is a
    // page load, which a browser marks as a navigation (or at least as accepting HTML).
    const navigation = request.headers.get('sec-fetch-mode') === 'navigate' || (request.headers.get('accept') ?? '').includes('text/html');
    if (segments[0] === 'assets' || (extname(segments.at(-1) ?? '') !== '' && !navigation)) return notFound();
    const index = await file(join(base, 'index.html'));
    return index ? answer(index, head) : notFound();
  };
}

/** `ReadableStream.from` (Node 20.6+, Bun, Deno), which the DOM types do not declare yet. */
const streamFrom = (source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> =>
  (ReadableStream as unknown as { from(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> }).from(source);

function toRequest(req: IncomingMessage, origin: string, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(new URL(req.url ?? '/', origin), {
    method,
    headers,
    signal,
    // Pulled only when the proxy reads it (and no further than its size limit).
    ...(hasBody ? { body: streamFrom(req), duplex: 'half' } : {}),
  } as RequestInit);
}

const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * The dashboard the npm package ships, built by `npm run build` into dist/dashboard-app. Every module of dist/ that
 * can hold this code (dist/dashboard/, dist/cli/, dist/chunks/) is one folder below dist/, hence `../`.
 */
export function bundledDashboardRoot(): string {
  return fileURLToPath(new URL('../dashboard-app/', import.meta.url));
}

/**
 * Serves the built dashboard in `root` and proxies `/nacos/v1|v2|v3/…` to `nacos`, on node:http (Node, Bun, Deno).
 * Resolves once it listens.
 *
 * @example
 * ```ts
 * const dashboard = await serveDashboard({ nacos: '127.0.0.1:8848', port: 8849 });
 * console.log(`open ${dashboard.url}`);
 * // …
 * await dashboard.close();
 * ```
 */
export async function serveDashboard(options: ServeDashboardOptions): Promise<DashboardServer> {
  const root = resolve(options.root ?? bundledDashboardRoot());
  const index = await stat(join(root, 'index.html')).catch(() => undefined);
  if (!index?.isFile()) {
    const hint = options.root === undefined ? 'the package ships it there once built (npm run build); from the sources, pass root' : 'build the dashboard first (npm run build)';
    throw new NacosError('VALIDATION', `no index.html in ${root}: ${hint}`);
  }
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new NacosError('VALIDATION', `port must be a whole number from 0 to 65535, not ${port}`);

  // The handler needs the port for its Host check, which is known only once listening: it is made then.
  let handle: ((request: Request) => Promise<Response>) | undefined;
  const inFlight = new Set<AbortController>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const gone = new AbortController();
    inFlight.add(gone);
    res.on('close', () => {
      inFlight.delete(gone);
      gone.abort();
    });
    let request: Request;
    try {
      request = toRequest(req, `http://${req.headers.host ?? 'localhost'}`, gone.signal);
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('bad request\n');
      return;
    }
    handle!(request)
      .then((response) => respond(response, res))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });
  // Validate the proxy's options before listening, so bad ones leave nothing open.
  const proxyOptions = (allowedHosts: readonly string[] | undefined): DashboardProxyOptions => ({
    target: options.nacos,
    ...(options.contextPath !== undefined ? { contextPath: options.contextPath } : {}),
    assets: staticFiles(root),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...(allowedHosts ? { allowedHosts } : {}),
    ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  createDashboardProxy(proxyOptions(undefined));

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const address = server.address() as AddressInfo;
  const bound = address.port;
  const shown = address.address.includes(':') ? `[${address.address}]` : address.address;
  const url = `http://${shown}:${bound}`;

  // The loopback names with the port always work (an attacker's DNS name cannot be one of them); then the given names,
  // or the listening host's own. A wildcard address has no name of its own: any Host is accepted unless names are given.
  let allowedHosts: string[] | undefined = ['127.0.0.1', 'localhost', '[::1]'].map((h) => `${h}:${bound}`);
  if (options.allowedHosts?.includes('*')) allowedHosts = undefined;
  else if (options.allowedHosts) allowedHosts.push(...options.allowedHosts);
  else if (WILDCARD.has(host)) {
    allowedHosts = undefined;
    options.logger?.warn(`listening on every address (${host}): any Host name is accepted; give allowedHosts to refuse DNS-rebinding names`);
  } else {
    const own = `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${bound}`;
    if (!allowedHosts.includes(own)) allowedHosts.push(own);
  }
  handle = createDashboardProxy(proxyOptions(allowedHosts));
  const nacosShown = typeof options.nacos === 'string' ? options.nacos : options.nacos.join(',');
  options.logger?.info(
    `dashboard on ${url} for Nacos ${nacosShown}${isLoopbackHost(host) ? ' (this machine only)' : ' (reachable from the network, over plain HTTP: put TLS and an access check in front)'}`,
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        // Held requests (a config long poll) would keep the server open for half a minute: end them now.
        for (const controller of inFlight) controller.abort();
        server.closeIdleConnections?.();
        server.closeAllConnections?.();
      });
      return closing;
    },
  };
}
