// The bridge's downstream side: a fetch handler (Request → Response, so Bun.serve, Deno.serve and the Node adapter in
// ./node.ts all serve it) that checks the bridge's own token and the page's origin, opens a watch stream per client
// and answers its listen and subscribe requests through the hub. Nacos credentials stay in the bridge: downstream
// sees configs' names and md5-driven hints and instance lists, never a Nacos token.
import { configId, type ConfigKey } from '../config/model.js';
import { isNacosError, messageOf, type NacosErrorCode } from '../errors.js';
import { CONTENT_TYPE, PING_MS, REQUEST_PATH, STATUS, trailerText, WATCH_PATH } from '../push/bridge-protocol.js';
import { decodePayload, encodePayload, frame, FrameReader, type NacosPayload } from '../push/wire.js';
import type { BridgeHub, SessionEvent } from './hub.js';

export interface BridgeServerOptions {
  /** The token every client must send (`authorization: Bearer …`). */
  token: string;
  /** Origins whose pages may call the bridge cross-origin (CORS); `'*'` for any. Default: none (same origin only). */
  allowOrigins?: readonly string[];
  /** Path the bridge is served under (`/push` serves `/push/nacos.edge.Bridge/Watch`). Default: none. */
  basePath?: string;
  /** Watch streams open at once, beyond which new ones are refused. Default 10,000. */
  maxSessions?: number;
  /** The largest request body taken. Default 8 MiB (a listen of 10,000 keys is about 1 MiB). */
  maxRequestBytes?: number;
}

const encoder = new TextEncoder();
/** Messages a watch stream may have unread before the bridge ends it. */
const MAX_QUEUED = 10_000;

/** The gRPC status a NacosError maps to. */
const STATUS_OF: Partial<Record<NacosErrorCode, number>> = { VALIDATION: STATUS.INVALID_ARGUMENT, NOT_FOUND: STATUS.NOT_FOUND, AUTH: STATUS.PERMISSION_DENIED };

/** Compares in time independent of where the strings differ (the token must not leak through timing). */
function sameSecret(given: string, expected: string): boolean {
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ b[i]!;
  return diff === 0;
}

const keyOf = (raw: unknown, namespace: string): ConfigKey => {
  const k = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (typeof k['dataId'] !== 'string' || typeof k['group'] !== 'string') throw new BadRequest('each config needs a dataId and a group');
  const tenant = typeof k['tenant'] === 'string' ? k['tenant'] : '';
  if ((tenant || 'public') !== (namespace || 'public')) throw new BadRequest(`this bridge serves namespace "${namespace || 'public'}", not "${tenant}"`);
  return { dataId: k['dataId'], group: k['group'], tenant: namespace };
};

const serviceOf = (body: Record<string, unknown>) => {
  if (typeof body['serviceName'] !== 'string' || body['serviceName'] === '') throw new BadRequest('a serviceName is needed');
  return { serviceName: body['serviceName'], groupName: typeof body['groupName'] === 'string' && body['groupName'] !== '' ? body['groupName'] : 'DEFAULT_GROUP' };
};

class BadRequest extends Error {}

function sameHost(origin: string, url: string): boolean {
  try {
    return new URL(origin).host === new URL(url).host;
  } catch {
    return false;
  }
}

/** The bridge's fetch handler over `hub`; `namespace` is the one the hub's upstream serves. */
export function bridgeHandler(hub: BridgeHub, namespace: string, options: BridgeServerOptions): { fetch(request: Request): Promise<Response>; close(): void } {
  if (typeof options.token !== 'string' || options.token.length < 16) throw new TypeError('the bridge needs a token of at least 16 characters');
  const base = (options.basePath ?? '').replace(/\/+$/, '');
  const maxSessions = options.maxSessions ?? 10_000;
  const maxBytes = options.maxRequestBytes ?? 8 * 1024 * 1024;
  const allowed = new Set(options.allowOrigins ?? []);
  /** Every open watch stream, to end them on close(). */
  const streams = new Set<() => void>();
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
    const length = Number(request.headers.get('content-length') ?? 0);
    if (length > maxBytes) throw new BadRequest(`the request is over the bridge's ${maxBytes}-byte limit`);
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.length > maxBytes) throw new BadRequest(`the request is over the bridge's ${maxBytes}-byte limit`);
    const frames = new FrameReader(maxBytes).push(bytes);
    if (frames.length !== 1 || frames[0]!.flag !== 0) throw new BadRequest('a request is one gRPC-web message frame');
    return decodePayload(frames[0]!.message);
  }

  function watch(headers: Record<string, string>, signal: AbortSignal): Response {
    if (hub.sessions >= maxSessions) return failure(STATUS.UNAVAILABLE, `the bridge holds ${maxSessions} watch streams; try again later`, headers);
    const id = crypto.randomUUID();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let ping: ReturnType<typeof setInterval> | undefined;
    const send = (type: string, body: Record<string, unknown>) => {
      // A client that reads nothing is cut off rather than held in memory: it opens a new stream and listens again.
      if ((controller.desiredSize ?? 0) < -MAX_QUEUED) return end(trailerText(STATUS.UNAVAILABLE, 'the client fell too far behind'));
      try {
        controller.enqueue(frame(encodePayload({ type, headers: {}, body })));
      } catch {
        end();
      }
    };
    const end = (trailers?: string) => {
      if (!streams.delete(stop)) return;
      clearInterval(ping);
      void hub.close(id, AbortSignal.timeout(5000));
      try {
        if (trailers) controller.enqueue(frame(encoder.encode(trailers), 0x80));
        controller.close();
      } catch {
        // The client went away first.
      }
    };
    const stop = () => end(trailerText(STATUS.UNAVAILABLE, 'the bridge is shutting down'));
    const body = new ReadableStream<Uint8Array>({
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
    });
    return new Response(body, { status: 200, headers: { ...headers, 'content-type': CONTENT_TYPE, 'cache-control': 'no-store', 'x-accel-buffering': 'no' } });
  }

  async function answer(payload: NacosPayload, signal: AbortSignal): Promise<Record<string, unknown>> {
    const session = payload.headers['session'] ?? '';
    const body = payload.body;
    switch (payload.type) {
      case 'ConfigListen': {
        if (!Array.isArray(body['entries'])) throw new BadRequest('ConfigListen needs entries');
        const entries = (body['entries'] as Record<string, unknown>[]).map((e) => ({ key: keyOf(e, namespace), md5: typeof e['md5'] === 'string' ? e['md5'] : '' }));
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
      if (error instanceof BadRequest) return failure(STATUS.INVALID_ARGUMENT, error.message, headers);
      if (error instanceof RangeError || error instanceof SyntaxError) return failure(STATUS.INVALID_ARGUMENT, `a malformed request: ${error.message}`, headers);
      const status = (isNacosError(error) && STATUS_OF[error.code]) || STATUS.UNAVAILABLE;
      return failure(status, messageOf(error), headers);
    }
  }

  return {
    async fetch(request: Request): Promise<Response> {
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
      return path === WATCH_PATH ? watch(headers, request.signal) : unary(request, headers);
    },
    close() {
      closed = true;
      for (const stop of [...streams]) stop();
    },
  };
}
