/**
 * The same-origin proxy of the admin dashboard, as a web-standard `(Request) => Promise<Response>` handler: the
 * Cloudflare Worker (examples/dashboard/worker) and the Node/Bun/Deno server (`nacos-edge/dashboard/node`) both run it.
 *
 * The page and the Nacos API share one origin, so the page needs no CORS and Nacos needs no change. What the proxy
 * forwards is narrow on purpose, because a proxy in front of an admin API is what other sites would like to drive:
 *
 * - only `/nacos/v1/…`, `/nacos/v2/…` and `/nacos/v3/…` go upstream, to the one server the configuration names
 *   (never to a host taken from the request: not an open proxy); every other `/nacos` path is a 404;
 * - requests another site makes are refused (403): an `Origin` that is not the proxy's own, `Sec-Fetch-Site` other than
 *   `same-origin`/`none`, CORS preflights. Only the page's own scripts can call, and only they can set `accessToken`;
 * - request headers are an allowlist: the token travels in the `accessToken` header the page sets; cookies and
 *   `Authorization` (which a browser adds by itself, so another site could make it send them) never reach Nacos;
 * - response headers are an allowlist too (no `Set-Cookie`, no `Authorization` echo of the login, no CORS grants), with
 *   `Cache-Control: no-store` so no cache keeps an admin answer;
 * - bodies are limited in size, every upstream request has a deadline, and the log gets method and path only (never
 *   the query string, a header or a body: that is where tokens and passwords are).
 *
 * @module
 */
import { NacosError } from '../errors.js';

/** The logger the proxy writes to: method, path, status and time; never a query string, header or body. */
export interface DashboardLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** Options of {@link createDashboardProxy}. */
export interface DashboardProxyOptions {
  /**
   * The Nacos server(s): `host:port`, `http://host:port` or `https://host:port`, a path in it being the server's context
   * path (`http://host:8848/nacos`). A list (or a comma-separated string) fails over to the next server when one does
   * not answer.
   */
  target: string | readonly string[];
  /** The server's context path when the target names none. Default `/nacos`. The page always calls `/nacos/…`. */
  contextPath?: string;
  /** Answers every request that is not for `/nacos/…`: the dashboard's files. Without it those are 404s. */
  assets?: (request: Request) => Promise<Response> | Response;
  /** The fetch that reaches Nacos. Default: the global fetch. */
  fetch?: typeof fetch;
  /** Deadline of one upstream request, in ms; longer than the 30 s of a config long poll. Default 60 000. */
  timeoutMs?: number;
  /** The largest request body forwarded, in bytes (a 413 beyond). Default 10 MiB, the servers' own config limit. */
  maxBodyBytes?: number;
  /**
   * The `Host` names (with port when not the scheme's default) requests may carry; others get a 403. A server on
   * loopback should list its loopback names: a DNS name an attacker points at 127.0.0.1 then cannot reach it
   * (DNS rebinding). Default: any host (a Worker is reached by its own routes only).
   */
  allowedHosts?: readonly string[];
  /** Origins besides the request's own whose pages may call the API, e.g. the `https://` origin of a TLS terminator in front. */
  allowedOrigins?: readonly string[];
  /** The page's Content-Security-Policy (default {@link DEFAULT_CSP}). */
  contentSecurityPolicy?: string;
  /** Where to log. Default: nothing. */
  logger?: DashboardLogger;
}

/**
 * The page's policy: its own scripts and styles only, API calls to its own origin, never framed (clickjacking), no
 * `<base>` games. Inline `style` is allowed because editors (CodeMirror, Monaco) inject their themes as `<style>`;
 * inline scripts are not.
 */
export const DEFAULT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** An API answer is data, never a page: if one is opened as a document it runs nothing and cannot be framed. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox";

/** The prefix the page calls; what follows it is forwarded only for these API generations. */
const API_PATH = /^\/nacos\/v[123]\//;

/**
 * Request headers the page may send on: the token, content negotiation, conditional reads, the long poll's hold time,
 * and the two headers a config publish carries its compare-and-swap md5 and its beta IPs in (without `casmd5` a
 * publish through the proxy would silently overwrite a config that changed behind the editor).
 */
const REQUEST_HEADERS = ['accesstoken', 'accept', 'accept-language', 'content-type', 'if-none-match', 'if-modified-since', 'long-pulling-timeout', 'long-pulling-timeout-no-hangup', 'casmd5', 'betaips'];

/** Response headers passed back: what the clients read (config type, md5, encrypted data key) and file downloads (export). */
const RESPONSE_HEADERS = ['content-type', 'content-language', 'content-disposition', 'etag', 'last-modified', 'config-type', 'content-md5', 'encrypted-data-key'];

/** Statuses whose Response may not have a body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH']);

/** Hashed build outputs (Vite's `assets/name-HASH.ext`, an 8-character hash): their name changes with their content, so they may be cached for good. */
const HASHED_ASSET = /^\/assets\/.+[-.][A-Za-z0-9_-]{8}\.[a-z0-9]+$/;

/** Security headers on every answer the proxy gives. */
function secure(headers: Headers, csp: string): Headers {
  headers.set('Content-Security-Policy', csp);
  headers.set('X-Content-Type-Options', 'nosniff');
  headers.set('Referrer-Policy', 'no-referrer');
  headers.set('X-Frame-Options', 'DENY');
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return headers;
}

/** The proxy's own answer (refusals, upstream failures): short plain text, never an echo of the request. */
function plain(status: number, message: string, extra: Record<string, string> = {}): Response {
  const headers = secure(new Headers({ 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra }), API_CSP);
  return new Response(`${message}\n`, { status, headers });
}

interface Upstream {
  /** `scheme://host:port`. */
  origin: string;
  /** The server's context path without a trailing slash: `/nacos`, or '' for a server at the root. */
  contextPath: string;
}

function normalizeContextPath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** Parses the configured targets once, so a bad one fails at startup and not on the first request. */
export function parseTargets(target: string | readonly string[], contextPath = '/nacos'): Upstream[] {
  const list = (typeof target === 'string' ? target.split(',') : target).map((t) => t.trim()).filter((t) => t !== '');
  if (list.length === 0) throw new NacosError('VALIDATION', 'the dashboard proxy needs a Nacos server to forward to (target)');
  return list.map((entry) => {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `http://${entry}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch (cause) {
      throw new NacosError('VALIDATION', `the Nacos server "${entry}" is neither host:port nor an http(s) URL`, { cause });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new NacosError('VALIDATION', `the Nacos server "${entry}" must be http:// or https://`);
    // Credentials in the URL would be sent with every request and shown wherever the target is printed.
    if (url.username || url.password) throw new NacosError('VALIDATION', 'the Nacos server URL must not carry a user or password');
    if (url.search || url.hash) throw new NacosError('VALIDATION', `the Nacos server "${entry}" must not have a query or fragment`);
    return { origin: url.origin, contextPath: normalizeContextPath(url.pathname === '/' ? contextPath : url.pathname) };
  });
}

/** Reads a request body into memory, refusing it once it passes `limit` bytes (so a failover can resend it too). */
async function readBody(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer> | 'too large'> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) return 'too large';
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return 'too large';
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

/** True when the failed attempt certainly did not reach the server, so even a write may go to the next one. */
function neverSent(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'UND_ERR_CONNECT_TIMEOUT') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** A short, secret-free name of a failure for the log: its code or type, never its message (which may quote a URL). */
function failureName(error: unknown): string {
  let e: unknown = error;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return error instanceof Error ? error.name : 'error';
}

/**
 * Creates the dashboard's request handler: `/nacos/v1|v2|v3/…` to the configured Nacos server, everything else to
 * `assets` (with the page's security headers, long caching for hashed assets and none for the HTML).
 *
 * @example
 * ```ts
 * const handle = createDashboardProxy({ target: env.NACOS_URL, assets: (request) => env.ASSETS.fetch(request) });
 * export default { fetch: handle };
 * ```
 */
export function createDashboardProxy(options: DashboardProxyOptions): (request: Request) => Promise<Response> {
  const upstreams = parseTargets(options.target, options.contextPath ?? '/nacos');
  const fetchUpstream = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  if (!(timeoutMs > 0)) throw new NacosError('VALIDATION', 'timeoutMs must be a positive number of milliseconds');
  if (!(maxBodyBytes >= 0)) throw new NacosError('VALIDATION', 'maxBodyBytes must be a number of bytes');
  const allowedHosts = options.allowedHosts?.map((h) => h.toLowerCase());
  const allowedOrigins = new Set(options.allowedOrigins ?? []);
  const csp = options.contentSecurityPolicy ?? DEFAULT_CSP;
  const log = options.logger;
  /** The server that answered last: the next request starts there. */
  let current = 0;

  const crossSite = (request: Request, url: URL): string | undefined => {
    const origin = request.headers.get('origin');
    if (origin !== null && origin !== url.origin && !allowedOrigins.has(origin)) return 'another origin';
    const site = request.headers.get('sec-fetch-site');
    if (site !== null && site !== 'same-origin' && site !== 'none') return `a ${site} request`;
    return undefined;
  };

  async function forward(request: Request, url: URL, path: string): Promise<Response> {
    const method = request.method.toUpperCase();
    if (method === 'OPTIONS') {
      // A preflight means another origin wants to call: the API is for the page's own origin only.
      log?.warn(`refused a CORS preflight for ${path}`);
      return plain(403, 'cross-origin requests are not allowed');
    }
    if (!METHODS.has(method)) return plain(405, 'method not allowed', { Allow: [...METHODS].join(', ') });
    const refused = crossSite(request, url);
    if (refused) {
      log?.warn(`refused ${refused}: ${method} ${path}`);
      return plain(403, 'cross-site requests are not allowed');
    }
    // An encoded slash, backslash or dot could climb out of the context path on a server that decodes them.
    if (/%2f|%5c|%2e|\\/i.test(path)) return plain(400, 'encoded path separators are not allowed');

    const headers = new Headers();
    for (const name of REQUEST_HEADERS) {
      const value = request.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    let body: Uint8Array<ArrayBuffer> | undefined;
    if (method !== 'GET' && method !== 'HEAD') {
      const read = await readBody(request, maxBodyBytes).catch(() => undefined);
      if (read === undefined) return plain(400, 'the request body could not be read');
      if (read === 'too large') {
        log?.warn(`refused a body over ${maxBodyBytes} bytes: ${method} ${path}`);
        return plain(413, 'request body too large');
      }
      body = read;
    }

    const started = Date.now();
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([request.signal, deadline]);
    const rest = path.slice('/nacos'.length) + url.search;
    let lastError: unknown;
    for (let attempt = 0; attempt < upstreams.length; attempt++) {
      const index = (current + attempt) % upstreams.length;
      const upstream = upstreams[index]!;
      try {
        const answer = await fetchUpstream(`${upstream.origin}${upstream.contextPath}${rest}`, {
          method,
          headers,
          signal,
          redirect: 'manual',
          ...(body ? { body } : {}),
        });
        current = index;
        const out = new Headers();
        for (const name of RESPONSE_HEADERS) {
          const value = answer.headers.get(name);
          if (value !== null) out.set(name, value);
        }
        out.set('Cache-Control', 'no-store');
        secure(out, API_CSP);
        log?.info(`${method} ${path} → ${answer.status} (${Date.now() - started} ms)`);
        // A redirect from Nacos (a console page) would lead the page off the API; pass its status, not where it points.
        const bodyless = method === 'HEAD' || NULL_BODY.has(answer.status);
        return new Response(bodyless ? null : answer.body, { status: answer.status, statusText: answer.statusText, headers: out });
      } catch (error) {
        lastError = error;
        if (request.signal.aborted) return plain(499, 'client went away');
        if (deadline.aborted) {
          log?.warn(`${method} ${path}: no answer in ${timeoutMs} ms`);
          return plain(504, 'the Nacos server did not answer in time');
        }
        // A write that may have reached the server is not sent again: it could apply twice.
        if (method !== 'GET' && method !== 'HEAD' && !neverSent(error)) break;
      }
    }
    log?.warn(`${method} ${path}: no Nacos server reachable (${failureName(lastError)})`);
    return plain(502, 'the Nacos server could not be reached');
  }

  async function asset(request: Request, url: URL): Promise<Response> {
    if (!options.assets) return plain(404, 'not found');
    const method = request.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') return plain(405, 'method not allowed', { Allow: 'GET, HEAD' });
    const answer = await options.assets(request);
    // Copy: a Response from a binding or fetch has immutable headers.
    const headers = secure(new Headers(answer.headers), csp);
    if (answer.ok) {
      const type = headers.get('content-type') ?? '';
      if (HASHED_ASSET.test(url.pathname)) headers.set('Cache-Control', 'public, max-age=31536000, immutable');
      // The HTML names the current hashed assets: always revalidated, so a new build is seen at once.
      else if (type.startsWith('text/html')) headers.set('Cache-Control', 'no-cache');
    }
    return new Response(NULL_BODY.has(answer.status) ? null : answer.body, { status: answer.status, statusText: answer.statusText, headers });
  }

  return async (request: Request): Promise<Response> => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return plain(400, 'bad request');
    }
    if (allowedHosts && !allowedHosts.includes(url.host.toLowerCase())) {
      log?.warn(`refused a request for host ${JSON.stringify(url.host.slice(0, 100))}`);
      return plain(403, 'unexpected Host; add it to the allowed hosts');
    }
    const path = url.pathname;
    try {
      if (API_PATH.test(path)) return await forward(request, url, path);
      if (path === '/nacos' || path.startsWith('/nacos/')) return plain(404, 'not found: the proxy forwards /nacos/v1/, /nacos/v2/ and /nacos/v3/ only');
      return await asset(request, url);
    } catch (error) {
      log?.warn(`${request.method} ${path}: failed (${failureName(error)})`);
      return plain(500, 'internal error');
    }
  };
}
