// The bridge's downstream side: a fetch handler (Request → Response, so Bun.serve, Deno.serve and the Node adapter in
// ./node.ts all serve it) that checks the bridge's own token and the page's origin, opens a watch stream per client
// and answers its listen and subscribe requests through the hub. Nacos credentials stay in the bridge: downstream
// sees configs' names and md5-driven hints and instance lists, never a Nacos token.
import { configId, type ConfigKey } from '../config/model.js';
import { abortError, isNacosError, messageOf, NacosValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import { serviceNameSchema } from '../naming/naming-service.js';
import type { ServiceKey } from '../push/port.js';
import { CONTENT_TYPE, PING_MS, REQUEST_PATH, STATUS, trailerText, WATCH_PATH } from '../push/bridge-protocol.js';
import { decodePayload, encodePayload, frame, FrameReader, type NacosPayload } from '../push/wire.js';
import { dataIdSchema, DEFAULT_GROUP, groupSchema } from '../validation.js';
import { HubRefusal, type BridgeHub, type HubLimits, type SessionEvent } from './hub.js';

export interface BridgeServerOptions extends HubLimits {
  /** The token every client must send (`authorization: Bearer …`). */
  token: string;
  /** Origins whose pages may call the bridge cross-origin (CORS); `'*'` for any. Default: none (same origin only). */
  allowOrigins?: readonly string[];
  /** Path the bridge is served under (`/push` serves `/push/nacos.edge.Bridge/Watch`). Default: none. */
  basePath?: string;
  /** Watch streams open at once, beyond which new ones are refused. Default 10,000. */
  maxSessions?: number;
  /**
   * Watch streams one client may hold at once (a leaked token then cannot take every slot from one place). Default 256.
   * A client is what {@link BridgeServerOptions.clientKey} says, else the peer's address.
   */
  maxSessionsPerClient?: number;
  /**
   * Who a request comes from, for {@link BridgeServerOptions.maxSessionsPerClient}: behind a proxy, the address it
   * forwards (`(r) => r.headers.get('x-real-ip')`). Default: the peer's address where the server gives it (the Node
   * adapter, `Deno.serve`, `Bun.serve`); requests without one share one count.
   */
  clientKey?: (request: Request) => string | null | undefined;
  /** The largest request body taken, counted as it arrives. Default 8 MiB (a listen of 10,000 keys is about 1 MiB). */
  maxRequestBytes?: number;
  /**
   * Bytes a watch stream may have unread before the bridge cuts it (the client opens a new one and listens again),
   * so that a client that reads nothing cannot hold the bridge's memory. Default 4 MiB.
   */
  maxQueuedBytes?: number;
  /** Where the bridge logs what it does not tell clients (the detail of Nacos' errors). Default: nowhere. */
  log?: Logger;
}

/**
 * What the server hosting the handler knows of the connection (fetch handlers' second argument): the Node adapter's
 * `{ remoteAddress }`, Deno's `{ remoteAddr: { hostname } }`, or Bun's server with `requestIP()`.
 */
export type ConnectionInfo =
  | { remoteAddress?: string | undefined }
  | { remoteAddr?: { hostname?: string } }
  | { requestIP?(request: Request): { address: string } | null };

const encoder = new TextEncoder();

/** Compares in time independent of where the strings differ (the token must not leak through timing). */
function sameSecret(given: string, expected: string): boolean {
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ b[i]!;
  return diff === 0;
}

/** A request the bridge will not serve as sent; its message is for the client. */
class BadRequest extends Error {}

/** `value` checked by `schema`, or a BadRequest naming `what`. */
function checked(schema: typeof dataIdSchema, value: unknown, what: string): string {
  const result = schema.safeParse(value);
  if (!result.success) throw new BadRequest(`${what} ${JSON.stringify(value)} ${result.error.issues[0]?.message ?? 'is invalid'}`);
  return result.data;
}

const fieldsOf = (raw: unknown): Record<string, unknown> => (typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {});

const keyOf = (raw: unknown, namespace: string): ConfigKey => {
  const k = fieldsOf(raw);
  const tenant = typeof k['tenant'] === 'string' ? k['tenant'] : '';
  if ((tenant || 'public') !== (namespace || 'public')) throw new BadRequest(`this bridge serves namespace "${namespace || 'public'}", not "${tenant}"`);
  return { dataId: checked(dataIdSchema, k['dataId'], 'dataId'), group: checked(groupSchema, k['group'], 'group'), tenant: namespace };
};

const serviceOf = (body: Record<string, unknown>): ServiceKey => ({
  serviceName: checked(serviceNameSchema, body['serviceName'], 'serviceName'),
  groupName: body['groupName'] === undefined || body['groupName'] === '' ? DEFAULT_GROUP : checked(groupSchema, body['groupName'], 'groupName'),
});

function sameHost(origin: string, url: string): boolean {
  try {
    return new URL(origin).host === new URL(url).host;
  } catch {
    return false;
  }
}

/** The peer's address as the hosting server gives it, if it does. */
function peerOf(request: Request, info: ConnectionInfo | undefined): string | undefined {
  if (!info || typeof info !== 'object') return undefined;
  if ('remoteAddress' in info && typeof info.remoteAddress === 'string') return info.remoteAddress;
  if ('remoteAddr' in info && typeof info.remoteAddr?.hostname === 'string') return info.remoteAddr.hostname;
  if ('requestIP' in info && typeof info.requestIP === 'function') {
    try {
      return info.requestIP(request)?.address;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Reads `request`'s body, counting bytes as they arrive (a chunked body has no length to check first). */
async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const tooBig = () => new BadRequest(`the request is over the bridge's ${maxBytes}-byte limit`);
  if (Number(request.headers.get('content-length') ?? 0) > maxBytes) throw tooBig();
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read().catch((cause: unknown) => {
      // The client went away or sent a broken body: its own doing, not Nacos'.
      throw request.signal.aborted ? abortError(request.signal, 'reading the request') : new BadRequest(`the request body could not be read: ${messageOf(cause)}`);
    });
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      void reader.cancel().catch(() => undefined);
      throw tooBig();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/**
 * The status and message a client gets for `error`. Nacos' own errors are told in general terms (their text may name
 * the bridge's account, servers or namespace) and logged in full.
 */
function statusOf(error: unknown, log: Logger | undefined): { status: number; message: string } {
  if (error instanceof BadRequest) return { status: STATUS.INVALID_ARGUMENT, message: error.message };
  if (error instanceof RangeError || error instanceof SyntaxError) return { status: STATUS.INVALID_ARGUMENT, message: `a malformed request: ${error.message}` };
  if (error instanceof HubRefusal) return { status: error.reason === 'gone' ? STATUS.NOT_FOUND : STATUS.RESOURCE_EXHAUSTED, message: error.message };
  if (isNacosError(error) && error.code === 'ABORTED') return { status: STATUS.CANCELLED, message: 'the request was cancelled' };
  log?.warn(`bridge: a client's request failed upstream: ${messageOf(error)}`);
  if (isNacosError(error) && error.code === 'AUTH') return { status: STATUS.PERMISSION_DENIED, message: "Nacos refused the bridge's account for this request" };
  if (isNacosError(error) && error.code === 'VALIDATION') return { status: STATUS.INVALID_ARGUMENT, message: 'Nacos refused the request as invalid' };
  return { status: STATUS.UNAVAILABLE, message: 'the bridge could not get an answer from Nacos; try again' };
}

/** The least each limit may be: a count of one, and room for a message of a few hundred bytes. */
const LEAST = { maxSessions: 1, maxSessionsPerClient: 1, maxConfigsPerSession: 1, maxServicesPerSession: 1, maxRequestBytes: 1024, maxQueuedBytes: 1024 } as const;

/** Throws NacosValidationError before anything is served: a short token, a limit that is not a whole number at or above its least. */
function checkOptions(options: BridgeServerOptions): void {
  const issues = [];
  if (typeof options.token !== 'string' || options.token.length < 16) issues.push({ path: 'token', message: 'must be at least 16 characters' });
  for (const [name, least] of Object.entries(LEAST)) {
    const value = options[name as keyof typeof LEAST];
    if (value !== undefined && !(Number.isInteger(value) && value >= least)) issues.push({ path: name, message: `must be a whole number of at least ${least}, not ${String(value)}` });
  }
  if (issues.length > 0) throw new NacosValidationError(issues, 'bridge');
}

/** The bridge's fetch handler over `hub`; `namespace` is the one the hub's upstream serves. */
export function bridgeHandler(
  hub: BridgeHub,
  namespace: string,
  options: BridgeServerOptions,
): { fetch(request: Request, info?: ConnectionInfo): Promise<Response>; close(): void } {
  checkOptions(options);
  const base = (options.basePath ?? '').replace(/\/+$/, '');
  const maxSessions = options.maxSessions ?? 10_000;
  const maxPerClient = options.maxSessionsPerClient ?? 256;
  const maxBytes = options.maxRequestBytes ?? 8 * 1024 * 1024;
  const maxQueued = options.maxQueuedBytes ?? 4 * 1024 * 1024;
  const allowed = new Set(options.allowOrigins ?? []);
  /** Every open watch stream, to end them on close(). */
  const streams = new Set<() => void>();
  /** Watch streams open per client. */
  const perClient = new Map<string, number>();
  const warned = new Set<string>();
  let closed = false;

  const cors = (request: Request): Record<string, string> | undefined => {
    const origin = request.headers.get('origin');
    // No origin (not a browser), or the page's own (browsers send Origin on same-origin POSTs too; the host is compared,
    // as a TLS terminator in front makes the scheme the bridge sees differ from the page's).
    if (origin === null || sameHost(origin, request.url)) return {};
    if (!allowed.has('*') && !allowed.has(origin)) return undefined;
    return { 'access-control-allow-origin': origin, vary: 'origin', 'access-control-expose-headers': 'grpc-status, grpc-message' };
  };

  const failure = (status: number, message: string, headers: Record<string, string>) =>
    new Response(frame(encoder.encode(trailerText(status, message)), 0x80), {
      status: 200,
      headers: { ...headers, 'content-type': CONTENT_TYPE, 'grpc-status': String(status), 'grpc-message': encodeURIComponent(message) },
    });

  async function readPayload(request: Request): Promise<NacosPayload> {
    const frames = new FrameReader(maxBytes).push(await readBody(request, maxBytes));
    if (frames.length !== 1 || frames[0]!.flag !== 0) throw new BadRequest('a request is one gRPC-web message frame');
    return decodePayload(frames[0]!.message);
  }

  function watch(headers: Record<string, string>, signal: AbortSignal, client: string): Response {
    if (signal.aborted) return failure(STATUS.CANCELLED, 'the client went away', headers);
    if (hub.sessions >= maxSessions) return failure(STATUS.UNAVAILABLE, `the bridge holds ${maxSessions} watch streams; try again later`, headers);
    const held = perClient.get(client) ?? 0;
    if (held >= maxPerClient) {
      // Told once per client: behind a proxy every client has the proxy's address unless clientKey says otherwise.
      if (warned.size < 1000 && !warned.has(client)) {
        warned.add(client);
        options.log?.warn(`bridge: client ${JSON.stringify(client)} holds ${maxPerClient} watch streams, new ones are refused (behind a proxy, give clientKey)`);
      }
      return failure(STATUS.RESOURCE_EXHAUSTED, `one client may hold at most ${maxPerClient} watch streams`, headers);
    }
    perClient.set(client, held + 1);
    const id = crypto.randomUUID();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let ping: ReturnType<typeof setInterval> | undefined;
    const send = (type: string, body: Record<string, unknown>) => {
      const chunk = frame(encodePayload({ type, headers: {}, body }));
      // A client that reads nothing is cut off rather than held in memory: it opens a new stream and listens again.
      // Erroring the stream (not closing it) drops what is queued at once; a trailer could not reach the client anyway.
      // A message larger than the whole allowance still goes to a client that has read everything before it.
      const room = controller.desiredSize ?? 0;
      if (room < maxQueued && room < chunk.byteLength) return end(new Error('the client fell too far behind'));
      try {
        controller.enqueue(chunk);
      } catch {
        end();
      }
    };
    const end = (cut?: Error, trailers?: string) => {
      if (!streams.delete(stop)) return;
      clearInterval(ping);
      const left = (perClient.get(client) ?? 1) - 1;
      if (left > 0) perClient.set(client, left);
      else perClient.delete(client);
      void hub.close(id, AbortSignal.timeout(5000));
      try {
        if (cut) return controller.error(cut);
        if (trailers) controller.enqueue(frame(encoder.encode(trailers), 0x80));
        controller.close();
      } catch {
        // The client went away first.
      }
    };
    const stop = () => end(undefined, trailerText(STATUS.UNAVAILABLE, 'the bridge is shutting down'));
    const body = new ReadableStream<Uint8Array>(
      {
        start(c) {
          controller = c;
          streams.add(stop);
          hub.open({
            id,
            send: (event: SessionEvent) => {
              if (event.kind === 'changed') send('ConfigChanged', { dataId: event.key.dataId, group: event.key.group, tenant: event.key.tenant });
              else if (event.kind === 'pushed') send('ServicePushed', { serviceInfo: event.service });
              else send('Reconnected', {});
            },
          });
          send('SessionStarted', { session: id });
          ping = setInterval(() => send('Ping', {}), PING_MS);
          signal.addEventListener('abort', () => end(), { once: true });
        },
        cancel: () => end(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: maxQueued }),
    );
    return new Response(body, { status: 200, headers: { ...headers, 'content-type': CONTENT_TYPE, 'cache-control': 'no-store', 'x-accel-buffering': 'no' } });
  }

  async function answer(payload: NacosPayload, signal: AbortSignal): Promise<Record<string, unknown>> {
    const session = payload.headers['session'] ?? '';
    const body = payload.body;
    switch (payload.type) {
      case 'ConfigListen': {
        if (!Array.isArray(body['entries'])) throw new BadRequest('ConfigListen needs entries');
        const entries = (body['entries'] as unknown[]).map((e) => ({ key: keyOf(e, namespace), md5: String(fieldsOf(e)['md5'] ?? '') }));
        const changed = await hub.listen(session, entries, signal);
        return { changed: changed.map((k) => ({ dataId: k.dataId, group: k.group, tenant: k.tenant })) };
      }
      case 'ConfigUnlisten': {
        if (!Array.isArray(body['keys'])) throw new BadRequest('ConfigUnlisten needs keys');
        const keys = new Map((body['keys'] as unknown[]).map((k) => keyOf(k, namespace)).map((k) => [configId(k), k]));
        await hub.unlisten(session, [...keys.values()], signal);
        return {};
      }
      case 'ServiceSubscribe':
        return { serviceInfo: await hub.subscribe(session, serviceOf(body), signal) };
      case 'ServiceUnsubscribe':
        await hub.unsubscribe(session, serviceOf(body), signal);
        return {};
      default:
        throw new BadRequest(`unknown request type ${JSON.stringify(payload.type)}`);
    }
  }

  async function unary(request: Request, headers: Record<string, string>): Promise<Response> {
    try {
      const result = await answer(await readPayload(request), request.signal);
      const message = frame(encodePayload({ type: 'Response', headers: {}, body: result }));
      const trailers = frame(encoder.encode(trailerText(STATUS.OK)), 0x80);
      const out = new Uint8Array(message.length + trailers.length);
      out.set(message);
      out.set(trailers, message.length);
      return new Response(out, { status: 200, headers: { ...headers, 'content-type': CONTENT_TYPE } });
    } catch (error) {
      const { status, message } = statusOf(error, options.log);
      return failure(status, message, headers);
    }
  }

  return {
    async fetch(request: Request, info?: ConnectionInfo): Promise<Response> {
      const { pathname } = new URL(request.url);
      const path = pathname.startsWith(`${base}/`) ? pathname.slice(base.length) : '';
      const headers = cors(request);
      if (path !== WATCH_PATH && path !== REQUEST_PATH) return new Response('not found', { status: 404 });
      if (headers === undefined) return new Response('origin not allowed', { status: 403 });
      if (request.method === 'OPTIONS') {
        return new Response(null, {
          status: 204,
          headers: { ...headers, 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'authorization, content-type, x-grpc-web, x-user-agent', 'access-control-max-age': '600' },
        });
      }
      if (request.method !== 'POST') return new Response('method not allowed', { status: 405, headers: { allow: 'POST, OPTIONS' } });
      if (closed) return failure(STATUS.UNAVAILABLE, 'the bridge is shutting down', headers);
      const auth = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
      if (auth === undefined || !sameSecret(auth, options.token)) return failure(STATUS.UNAUTHENTICATED, 'a valid bridge token is needed (authorization: Bearer …)', headers);
      if (path === REQUEST_PATH) return unary(request, headers);
      return watch(headers, request.signal, options.clientKey?.(request) ?? peerOf(request, info) ?? '');
    },
    close() {
      closed = true;
      for (const stop of [...streams]) stop();
    },
  };
}
