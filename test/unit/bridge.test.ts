// The bridge and its client in one process, the upstream scripted: what the bridge refuses before it asks Nacos (a
// token, an origin, a malformed or foreign request), how it shares upstream listens between sessions and tells every
// session of a new upstream connection, and the client's stream reopened and its listens redone when a stream ends.
// The same paths run against the official servers in test/integration/bridge.test.ts.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { BridgeHub, type HubLimits, type UpstreamSources } from '../../src/bridge/hub.js';
import { createBridge } from '../../src/bridge/index.js';
import { serveBridge } from '../../src/bridge/node.js';
import { bridgeHandler, type BridgeServerOptions, type ConnectionInfo } from '../../src/bridge/server.js';
import { createClientConfig } from '../../src/client-config.js';
import type { ConfigKey } from '../../src/config/model.js';
import { NacosError, NacosValidationError } from '../../src/errors.js';
import { grpcPush } from '../../src/grpc/index.js';
import { bridgePush } from '../../src/grpc-web/index.js';
import { deferred } from './controlled-fetch.js';
import { bridgeConfigSource } from '../../src/grpc-web/sources.js';
import { CONTENT_TYPE, parseTrailers, REQUEST_PATH, WATCH_PATH } from '../../src/push/bridge-protocol.js';
import type { ServiceInfo } from '../../src/naming/model.js';
import type { ConfigSourceEvents } from '../../src/push/config-driver.js';
import type { NamingSourceEvents } from '../../src/push/naming-driver.js';
import type { PushContext, ServiceKey } from '../../src/push/port.js';
import { decodePayload, encodePayload, frame, FrameReader, type NacosPayload } from '../../src/push/wire.js';

const TOKEN = 'unit-test-token-0123456789';
const BASE = 'http://bridge.test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const listOf = (service: ServiceKey): ServiceInfo => ({
  name: service.serviceName,
  groupName: service.groupName,
  clusters: '',
  hosts: [],
  checksum: '',
  lastRefTime: 1,
  cacheMillis: 10_000,
  reachProtectionThreshold: false,
});

/**
 * An upstream whose sources record what the hub asks and let the test push changes and reconnects, fail the next
 * call (`fail`), or hold listens and subscriptions until it releases them (`hold`).
 */
function scriptedUpstream() {
  const calls: string[] = [];
  let events: ConfigSourceEvents | undefined;
  let namingEvents: NamingSourceEvents | undefined;
  /** `calls`, and when each held call was answered (`… answered`), in order. */
  const timeline: string[] = [];
  const script = {
    fail: undefined as unknown,
    hold: undefined as ReturnType<typeof deferred<void>> | undefined,
    /** Fails the naming connection's start. */
    failStart: undefined as unknown,
  };
  const record = (call: string) => {
    calls.push(call);
    timeline.push(call);
  };
  /** The scripted failure or hold, then the answer. */
  const answer = async <T>(call: string, value: () => T): Promise<T> => {
    const fail = script.fail;
    script.fail = undefined;
    try {
      if (fail !== undefined) throw fail;
      await script.hold?.promise;
      return value();
    } finally {
      timeline.push(`${call} answered`);
    }
  };
  const upstream: UpstreamSources = {
    config(e) {
      events = e;
      return {
        start: async () => e.connected(),
        listen: (entries) => {
          const call = `listen ${entries.map((x) => `${x.key.dataId}@${x.md5}`).join(',')}`;
          record(call);
          return answer(call, () => entries.filter((x) => x.md5 !== 'current').map((x) => x.key));
        },
        unlisten: async (keys) => record(`unlisten ${keys.map((k) => k.dataId).join(',')}`),
        close: async () => record('close'),
      };
    },
    naming(e) {
      namingEvents = e;
      return {
        start: async () => {
          if (script.failStart !== undefined) throw script.failStart;
          e.connected();
        },
        subscribe: (service) => {
          const call = `subscribe ${service.serviceName}`;
          record(call);
          return answer(call, () => listOf(service));
        },
        unsubscribe: async (service) => record(`unsubscribe ${service.serviceName}`),
        close: async () => record('close naming'),
      };
    },
  };
  return { upstream, calls, timeline, script, events: () => events!, namingEvents: () => namingEvents! };
}

function makeBridge(options: { allowOrigins?: string[]; namespace?: string; limits?: HubLimits; server?: Partial<BridgeServerOptions> } = {}) {
  const script = scriptedUpstream();
  const hub = new BridgeHub(script.upstream, options.limits);
  const handler = bridgeHandler(hub, options.namespace ?? '', { token: TOKEN, ...(options.allowOrigins ? { allowOrigins: options.allowOrigins } : {}), ...options.server });
  return { ...script, hub, handler };
}

const post = (path: string, payload: NacosPayload | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) =>
  new Request(`${BASE}${path}`, {
    method: 'POST',
    headers: { 'content-type': CONTENT_TYPE, authorization: `Bearer ${TOKEN}`, ...headers },
    body: payload instanceof Uint8Array ? payload : frame(encodePayload(payload)),
  });

/** A unary answer: its status and body. */
async function unary(response: Response) {
  const frames = new FrameReader().push(new Uint8Array(await response.arrayBuffer()));
  const trailers = parseTrailers(new TextDecoder().decode(frames.find((f) => f.flag === 0x80)!.message));
  const message = frames.find((f) => f.flag === 0);
  return { ...trailers, body: message ? decodePayload(message.message).body : undefined };
}

/** Opens a watch stream and reads its messages as they come. */
async function openWatch(handler: { fetch(r: Request, info?: ConnectionInfo): Promise<Response> }, info?: ConnectionInfo) {
  const response = await handler.fetch(post(WATCH_PATH, { type: 'WatchRequest', headers: {}, body: {} }), info);
  const reader = response.body!.getReader();
  const frames = new FrameReader();
  const messages: NacosPayload[] = [];
  let ended = false;
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done || !value) return void (ended = true);
      for (const f of frames.push(value)) if (f.flag === 0) messages.push(decodePayload(f.message));
    }
  })();
  const deadline = Date.now() + 2000;
  while (messages.length === 0 && Date.now() < deadline) await sleep(1);
  return { session: messages[0]!.body['session'] as string, messages, ended: () => ended, cancel: () => reader.cancel() };
}

const listen = (session: string, entries: { dataId: string; md5: string }[], tenant = '') =>
  post(REQUEST_PATH, { type: 'ConfigListen', headers: { session }, body: { entries: entries.map((e) => ({ ...e, group: 'G', tenant })) } });
const request = (type: string, session: string, body: Record<string, unknown>, init: RequestInit = {}) => {
  const r = post(REQUEST_PATH, { type, headers: { session }, body });
  return new Request(r, init);
};
const subscribe = (session: string, serviceName: string, init?: RequestInit) => request('ServiceSubscribe', session, { serviceName, groupName: 'G' }, init);
/** Polls `condition` until it holds or 2 s pass. */
async function until(condition: () => boolean) {
  const deadline = Date.now() + 2000;
  while (!condition() && Date.now() < deadline) await sleep(2);
  return condition();
}
/** A logger that keeps its lines. */
function lines() {
  const kept: string[] = [];
  const keep = (level: string) => (message: string) => void kept.push(`${level} ${message}`);
  return { kept, log: { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') } };
}

describe('the bridge refuses before it asks Nacos', () => {
  it('a missing or wrong token (UNAUTHENTICATED), a foreign origin (403), a wrong method or path', async () => {
    const { handler, calls } = makeBridge({ allowOrigins: ['http://app.example'] });
    for (const authorization of ['', 'Bearer wrong-token-0123456789xx', `Basic ${TOKEN}`]) {
      const response = await handler.fetch(post(WATCH_PATH, { type: 'WatchRequest', headers: {}, body: {} }, { authorization }));
      expect(response.headers.get('grpc-status')).toBe('16');
    }
    expect((await handler.fetch(post(WATCH_PATH, new Uint8Array(), { origin: 'http://evil.example' }))).status).toBe(403);
    // The page's own origin needs no CORS (a same-origin POST carries Origin too): refused here for the token only.
    expect((await handler.fetch(post(WATCH_PATH, new Uint8Array(), { origin: BASE, authorization: '' }))).headers.get('grpc-status')).toBe('16');
    expect((await handler.fetch(new Request(`${BASE}${WATCH_PATH}`))).status).toBe(405);
    expect((await handler.fetch(new Request(`${BASE}/nacos/v1/cs/configs`))).status).toBe(404);
    expect(calls).toEqual([]);
  });

  it('a malformed body, an unknown request, another namespace, no session: INVALID_ARGUMENT or NOT_FOUND', async () => {
    const { handler, calls } = makeBridge({ namespace: 'team-a' });
    expect((await unary(await handler.fetch(post(REQUEST_PATH, new Uint8Array([0, 0, 0, 0, 9, 1]))))).status).toBe(3);
    expect((await unary(await handler.fetch(post(REQUEST_PATH, new Uint8Array([0, 0, 0, 0, 2, 0xff, 0xff]))))).status).toBe(3);
    expect((await unary(await handler.fetch(post(REQUEST_PATH, { type: 'Drop', headers: {}, body: {} })))).status).toBe(3);
    const watch = await openWatch(handler);
    const foreign = await unary(await handler.fetch(listen(watch.session, [{ dataId: 'a', md5: '' }], 'team-b')));
    expect(foreign).toMatchObject({ status: 3, message: expect.stringMatching(/serves namespace "team-a"/) });
    expect((await unary(await handler.fetch(listen('no-such-session', [{ dataId: 'a', md5: '' }], 'team-a')))).status).toBe(5);
    expect(calls).toEqual([]);
    await watch.cancel();
  });

  it('takes no token shorter than 16 characters, and no limit that is not a whole number at or above its least', () => {
    const hub = new BridgeHub(scriptedUpstream().upstream);
    expect(() => bridgeHandler(hub, '', { token: 'short' })).toThrow(/16 characters/);
    expect(() => bridgeHandler(hub, '', { token: TOKEN, maxQueuedBytes: 10 })).toThrow(/maxQueuedBytes: must be a whole number of at least 1024, not 10/);
    expect(() => bridgeHandler(hub, '', { token: TOKEN, maxQueuedBytes: 10 })).toThrow(NacosValidationError);
    expect(() => bridgeHandler(hub, '', { token: TOKEN, maxSessionsPerClient: 0 })).toThrow(/maxSessionsPerClient/);
    expect(() => bridgeHandler(hub, '', { token: TOKEN, maxConfigsPerSession: 1.5 })).toThrow(/maxConfigsPerSession/);
    expect(() => bridgeHandler(hub, '', { token: TOKEN, maxRequestBytes: Number.NaN })).toThrow(/maxRequestBytes/);
    expect(bridgeHandler(hub, '', { token: TOKEN, maxQueuedBytes: 1024, maxSessions: 1 })).toBeDefined();
  });
});

describe('the hub', () => {
  it('answers each session by its own md5, hands a change to the sessions that follow it, and unlistens what none follows', async () => {
    const { handler, calls, events } = makeBridge();
    const one = await openWatch(handler);
    const two = await openWatch(handler);
    const first = await unary(await handler.fetch(listen(one.session, [{ dataId: 'a', md5: 'current' }, { dataId: 'b', md5: 'old' }])));
    expect(first.body).toEqual({ changed: [{ dataId: 'b', group: 'G', tenant: '' }] });
    await unary(await handler.fetch(listen(two.session, [{ dataId: 'a', md5: 'current' }])));
    events().changed({ dataId: 'a', group: 'G', tenant: '' });
    events().changed({ dataId: 'b', group: 'G', tenant: '' });
    await sleep(5);
    const changed = (w: typeof one) => w.messages.filter((m) => m.type === 'ConfigChanged').map((m) => m.body['dataId']);
    expect(changed(one)).toEqual(['a', 'b']);
    expect(changed(two)).toEqual(['a']);
    // One leaves: b was its alone; a stays followed for the other.
    await one.cancel();
    await sleep(5);
    expect(calls.filter((c) => c.startsWith('unlisten'))).toEqual(['unlisten b']);
    await two.cancel();
    await sleep(5);
    expect(calls.filter((c) => c.startsWith('unlisten'))).toEqual(['unlisten b', 'unlisten a']);
  });

  it('tells every session of a new upstream connection (the server forgot the listens), but not of the first', async () => {
    const { handler, events } = makeBridge();
    const watch = await openWatch(handler);
    await unary(await handler.fetch(listen(watch.session, [{ dataId: 'a', md5: '' }])));
    expect(watch.messages.some((m) => m.type === 'Reconnected')).toBe(false);
    events().connected();
    await sleep(5);
    expect(watch.messages.filter((m) => m.type === 'Reconnected')).toHaveLength(1);
    await watch.cancel();
  });

  it('cuts a client that reads nothing on node:http too, once maxQueuedBytes wait for it (the bridge holds no backlog)', async () => {
    const { handler, events, hub } = makeBridge({ server: { maxQueuedBytes: 1024 * 1024 } });
    const { server, url } = await serveBridge(handler);
    try {
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = httpRequest(`${url}${WATCH_PATH}`, { method: 'POST', headers: { 'content-type': CONTENT_TYPE, authorization: `Bearer ${TOKEN}` } }, resolve);
        req.on('error', reject);
        req.end(frame(encodePayload({ type: 'WatchRequest', headers: {}, body: {} })));
      });
      // The session's first message, then the client reads nothing more.
      const session = await new Promise<string>((resolve) => {
        const frames = new FrameReader();
        res.on('data', (chunk: Buffer) => {
          const first = frames.push(new Uint8Array(chunk)).find((f) => f.flag === 0);
          if (!first) return;
          res.pause();
          resolve(decodePayload(first.message).body['session'] as string);
        });
      });
      await unary(await handler.fetch(listen(session, [{ dataId: 'a', md5: '' }])));
      // Each upstream reconnect is a message to the session: up to ~24 MB of them, more than sockets buffer on loopback
      // plus the 1 MiB the stream may queue.
      for (let i = 0; i < 400_000 && hub.sessions > 0; i++) {
        events().connected();
        if (i % 1000 === 0) await sleep(0);
      }
      const deadline = Date.now() + 5000;
      while (hub.sessions > 0 && Date.now() < deadline) await sleep(10);
      expect(hub.sessions).toBe(0);
      res.destroy();
    } finally {
      handler.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }, 30_000);

  it('ends every watch stream on close, with UNAVAILABLE, and takes no new one', async () => {
    const { handler } = makeBridge();
    const watch = await openWatch(handler);
    handler.close();
    const deadline = Date.now() + 1000;
    while (!watch.ended() && Date.now() < deadline) await sleep(1);
    expect(watch.ended()).toBe(true);
    expect((await handler.fetch(post(WATCH_PATH, { type: 'WatchRequest', headers: {}, body: {} }))).headers.get('grpc-status')).toBe('14');
  });
});

describe('the bridge bounds what a client may hold', () => {
  it('cuts a stream whose unread bytes pass maxQueuedBytes, and frees its queue at once', async () => {
    const { handler, events, hub } = makeBridge({ server: { maxQueuedBytes: 4096 } });
    const response = await handler.fetch(post(WATCH_PATH, { type: 'WatchRequest', headers: {}, body: {} }));
    expect(hub.sessions).toBe(1);
    const reader = response.body!.getReader();
    const frames = new FrameReader().push((await reader.read()).value!);
    await unary(await handler.fetch(listen(decodePayload(frames[0]!.message).body['session'] as string, [{ dataId: 'a', md5: '' }])));
    // Nothing is read: ~100 reconnect messages of ~60 bytes pass 4 KiB.
    for (let i = 0; i < 200 && hub.sessions > 0; i++) events().connected();
    expect(hub.sessions).toBe(0);
    // Errored, not closed: what was queued is dropped, so the reader gets the error and not 4 KiB of backlog first.
    await expect(reader.read()).rejects.toThrow(/fell too far behind/);
  });

  it('refuses a listen or a subscription past the per-session limits (RESOURCE_EXHAUSTED), counting each key once', async () => {
    const { handler, calls } = makeBridge({ limits: { maxConfigsPerSession: 2, maxServicesPerSession: 1 } });
    const watch = await openWatch(handler);
    const three = [{ dataId: 'a', md5: '' }, { dataId: 'b', md5: '' }, { dataId: 'c', md5: '' }];
    expect(await unary(await handler.fetch(listen(watch.session, three)))).toMatchObject({ status: 8, message: expect.stringMatching(/at most 2 configs/) });
    expect(calls).toEqual([]);
    expect((await unary(await handler.fetch(listen(watch.session, three.slice(0, 2))))).status).toBe(0);
    // The same keys again are no new ones.
    expect((await unary(await handler.fetch(listen(watch.session, three.slice(0, 2))))).status).toBe(0);
    expect((await unary(await handler.fetch(listen(watch.session, three.slice(2))))).status).toBe(8);
    expect((await unary(await handler.fetch(subscribe(watch.session, 'one')))).status).toBe(0);
    expect((await unary(await handler.fetch(subscribe(watch.session, 'one')))).status).toBe(0);
    expect(await unary(await handler.fetch(subscribe(watch.session, 'two')))).toMatchObject({ status: 8, message: expect.stringMatching(/at most 1 services/) });
    expect(calls.filter((c) => c.startsWith('subscribe'))).toEqual(['subscribe one']);
    await watch.cancel();
  });

  it('refuses a client its 3rd stream past maxSessionsPerClient: 2, by peer address or by clientKey, and tells the log once', async () => {
    const { kept, log } = lines();
    const { handler, hub } = makeBridge({ server: { maxSessionsPerClient: 2, log } });
    const watchRequest = () => post(WATCH_PATH, { type: 'WatchRequest', headers: {}, body: {} });
    const here = { remoteAddress: '10.0.0.1' };
    const one = await openWatch(handler, here);
    await openWatch(handler, here);
    expect((await handler.fetch(watchRequest(), here)).headers.get('grpc-status')).toBe('8');
    expect((await handler.fetch(watchRequest(), here)).headers.get('grpc-status')).toBe('8');
    // Another address, in Deno's and Bun's shapes, has its own count.
    await openWatch(handler, { remoteAddr: { hostname: '10.0.0.2' } });
    await openWatch(handler, { requestIP: () => ({ address: '10.0.0.3' }) });
    expect(hub.sessions).toBe(4);
    // A stream that ends frees its place.
    await one.cancel();
    await openWatch(handler, here);
    expect(kept.filter((l) => l.includes('holds 2 watch streams'))).toEqual(['warn bridge: client "10.0.0.1" holds 2 watch streams, new ones are refused (behind a proxy, give clientKey)']);

    const proxied = makeBridge({ server: { maxSessionsPerClient: 1, clientKey: (r) => r.headers.get('x-client') } });
    const behind = { remoteAddress: '127.0.0.1' };
    const as = (client: string) => post(WATCH_PATH, { type: 'WatchRequest', headers: {}, body: {} }, { 'x-client': client });
    expect((await proxied.handler.fetch(as('a'), behind)).headers.get('grpc-status')).toBeNull();
    expect((await proxied.handler.fetch(as('b'), behind)).headers.get('grpc-status')).toBeNull();
    expect((await proxied.handler.fetch(as('a'), behind)).headers.get('grpc-status')).toBe('8');
    handler.close();
    proxied.handler.close();
  });

  it('refuses a body over maxRequestBytes as it arrives, though it was sent chunked (no content-length)', async () => {
    const { handler, calls } = makeBridge({ server: { maxRequestBytes: 1024 } });
    const watch = await openWatch(handler);
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // An endless body: the bridge must stop reading it, not wait for its end.
        pulled++;
        controller.enqueue(new Uint8Array(800));
      },
    });
    const chunked = new Request(`${BASE}${REQUEST_PATH}`, { method: 'POST', headers: { 'content-type': CONTENT_TYPE, authorization: `Bearer ${TOKEN}` }, body, duplex: 'half' } as RequestInit);
    expect(chunked.headers.get('content-length')).toBeNull();
    expect(await unary(await handler.fetch(chunked))).toMatchObject({ status: 3, message: expect.stringMatching(/over the bridge's 1024-byte limit/) });
    expect(pulled).toBeLessThan(10);
    expect(calls).toEqual([]);
    await watch.cancel();
  });
});

describe('the hub keeps sessions apart', () => {
  it('ignores an unlisten or unsubscribe of what the session does not follow (another session’s keys stay followed)', async () => {
    const { handler, calls, events, namingEvents } = makeBridge();
    const owner = await openWatch(handler);
    const other = await openWatch(handler);
    await unary(await handler.fetch(listen(owner.session, [{ dataId: 'a', md5: '' }])));
    await unary(await handler.fetch(subscribe(owner.session, 'svc')));
    expect((await unary(await handler.fetch(request('ConfigUnlisten', other.session, { keys: [{ dataId: 'a', group: 'G' }] })))).status).toBe(0);
    expect((await unary(await handler.fetch(request('ServiceUnsubscribe', other.session, { serviceName: 'svc', groupName: 'G' })))).status).toBe(0);
    expect(calls.filter((c) => c.startsWith('unlisten') || c.startsWith('unsubscribe'))).toEqual([]);
    events().changed({ dataId: 'a', group: 'G', tenant: '' });
    namingEvents().pushed(listOf({ serviceName: 'svc', groupName: 'G' }));
    expect(await until(() => owner.messages.filter((m) => m.type === 'ConfigChanged' || m.type === 'ServicePushed').length === 2)).toBe(true);
    expect(other.messages.map((m) => m.type)).toEqual(['SessionStarted']);
    await owner.cancel();
    await other.cancel();
  });

  it('drops upstream what a session asked for while its stream ended (no leaked listen or subscription)', async () => {
    const { handler, calls, script } = makeBridge();
    const watch = await openWatch(handler);
    script.hold = deferred<void>();
    const listening = handler.fetch(listen(watch.session, [{ dataId: 'a', md5: '' }]));
    const subscribing = handler.fetch(subscribe(watch.session, 'svc'));
    expect(await until(() => calls.includes('listen a@') && calls.includes('subscribe svc'))).toBe(true);
    // The stream ends while both are on the wire; the close finds nothing to drop yet or drops it too early.
    await watch.cancel();
    await sleep(5);
    script.hold.resolve();
    await unary(await listening);
    await unary(await subscribing);
    expect(await until(() => calls.includes('unlisten a') && calls.includes('unsubscribe svc'))).toBe(true);
  });

  it('one caller that gives up does not fail the others waiting on the same subscription (CANCELLED for it alone)', async () => {
    const { handler, calls, script, hub } = makeBridge();
    const one = await openWatch(handler);
    const two = await openWatch(handler);
    script.hold = deferred<void>();
    const giveUp = new AbortController();
    const first = handler.fetch(subscribe(one.session, 'svc', { signal: giveUp.signal }));
    expect(await until(() => calls.includes('subscribe svc'))).toBe(true);
    // The hub's own call, so that the second session follows the service before the first gives up.
    const second = hub.subscribe(two.session, { serviceName: 'svc', groupName: 'G' }, new AbortController().signal);
    giveUp.abort();
    expect((await unary(await first)).status).toBe(1);
    script.hold.resolve();
    expect(await second).toMatchObject({ name: 'svc', groupName: 'G' });
    // One upstream subscription, still followed by the session that waited.
    expect(calls.filter((c) => c.includes('subscribe'))).toEqual(['subscribe svc']);
    await one.cancel();
    await two.cancel();
  });
});

describe('the hub orders its upstream work', () => {
  it('unsubscribes a service its only caller gave up on after the subscribe on the wire, never across it', async () => {
    const { handler, timeline, script } = makeBridge();
    const watch = await openWatch(handler);
    script.hold = deferred<void>();
    const giveUp = new AbortController();
    const asked = handler.fetch(subscribe(watch.session, 'svc', { signal: giveUp.signal }));
    expect(await until(() => timeline.includes('subscribe svc'))).toBe(true);
    giveUp.abort();
    expect((await unary(await asked)).status).toBe(1);
    await sleep(5);
    // The unsubscribe waits for the subscribe's answer: sent now, Nacos could take it first and keep the subscription.
    expect(timeline).toEqual(['subscribe svc']);
    script.hold.resolve();
    expect(await until(() => timeline.length === 3)).toBe(true);
    expect(timeline).toEqual(['subscribe svc', 'subscribe svc answered', 'unsubscribe svc']);
    await watch.cancel();
  });

  it('unlistens a key whose listen failed after its session ended', async () => {
    const { handler, timeline, script } = makeBridge();
    const watch = await openWatch(handler);
    script.hold = deferred<void>();
    const asked = handler.fetch(listen(watch.session, [{ dataId: 'a', md5: '' }]));
    expect(await until(() => timeline.includes('listen a@'))).toBe(true);
    await watch.cancel();
    script.hold.reject(new NacosError('NETWORK', 'the connection dropped'));
    await unary(await asked);
    // Whatever reached Nacos of the listen, an unlisten comes after its answer.
    expect(await until(() => timeline.lastIndexOf('unlisten a') > timeline.indexOf('listen a@ answered'))).toBe(true);
  });

  it('drops every service of a closed session though its close gives up at once (the drops are the hub’s work)', async () => {
    const { handler, hub, calls } = makeBridge();
    const watch = await openWatch(handler);
    for (const name of ['s1', 's2', 's3']) await unary(await handler.fetch(subscribe(watch.session, name)));
    const gone = new AbortController();
    gone.abort();
    await hub.close(watch.session, gone.signal);
    expect(await until(() => ['s1', 's2', 's3'].every((n) => calls.includes(`unsubscribe ${n}`)))).toBe(true);
    await watch.cancel();
  });

  it('leaves no unhandled rejection when a caller that already gave up meets a naming connection that fails', async () => {
    const { hub, script } = makeBridge();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      script.failStart = new NacosError('NETWORK', 'nacos down');
      hub.open({ id: 'one', send() {} });
      const gone = new AbortController();
      gone.abort();
      await expect(hub.subscribe('one', { serviceName: 'svc', groupName: 'G' }, gone.signal)).rejects.toMatchObject({ code: 'ABORTED' });
      await sleep(20);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('sends a message larger than maxQueuedBytes to a client that has read everything (no cut loop on a big list)', async () => {
    const { handler, hub, namingEvents } = makeBridge({ server: { maxQueuedBytes: 1024 } });
    const watch = await openWatch(handler);
    await unary(await handler.fetch(subscribe(watch.session, 'big')));
    const big = { ...listOf({ serviceName: 'big', groupName: 'G' }), checksum: 'x'.repeat(4000) };
    namingEvents().pushed(big);
    expect(await until(() => watch.messages.some((m) => m.type === 'ServicePushed'))).toBe(true);
    expect(hub.sessions).toBe(1);
    await watch.cancel();
  });
});

describe('the bridge tells clients only what is theirs to know', () => {
  it('refuses bad names, @@ in a service, null entries and junk fields before any upstream call (INVALID_ARGUMENT)', async () => {
    const { handler, calls } = makeBridge();
    const watch = await openWatch(handler);
    const bad = [
      request('ConfigListen', watch.session, { entries: [{ dataId: 'a b', group: 'G' }] }),
      request('ConfigListen', watch.session, { entries: [{ dataId: '../x', group: 'G' }] }),
      request('ConfigListen', watch.session, { entries: [{ dataId: 'a', group: '' }] }),
      request('ConfigListen', watch.session, { entries: [{ dataId: 'x'.repeat(257), group: 'G' }] }),
      request('ConfigListen', watch.session, { entries: [null] }),
      request('ConfigListen', watch.session, { entries: 'a' }),
      request('ConfigUnlisten', watch.session, { keys: [42] }),
      request('ServiceSubscribe', watch.session, { serviceName: 'G@@svc' }),
      request('ServiceSubscribe', watch.session, { serviceName: 'svc', groupName: 'a/b' }),
      request('ServiceSubscribe', watch.session, { serviceName: 7 }),
    ];
    for (const r of bad) expect((await unary(await handler.fetch(r))).status).toBe(3);
    expect(calls).toEqual([]);
    await watch.cancel();
  });

  it("answers Nacos' failures in general terms (PERMISSION_DENIED, UNAVAILABLE) and logs the detail", async () => {
    const { kept, log } = lines();
    const { handler, script } = makeBridge({ server: { log } });
    const watch = await openWatch(handler);
    script.fail = new NacosError('AUTH', 'user bridge-admin has no permission on namespace secret-ns');
    const denied = await unary(await handler.fetch(listen(watch.session, [{ dataId: 'a', md5: '' }])));
    expect(denied).toMatchObject({ status: 7, message: "Nacos refused the bridge's account for this request" });
    script.fail = new NacosError('NETWORK', 'connect ECONNREFUSED 10.1.2.3:9848');
    const down = await unary(await handler.fetch(subscribe(watch.session, 'svc')));
    expect(down).toMatchObject({ status: 14, message: 'the bridge could not get an answer from Nacos; try again' });
    expect(kept.some((l) => l.startsWith('warn') && l.includes('secret-ns'))).toBe(true);
    expect(kept.some((l) => l.startsWith('warn') && l.includes('10.1.2.3:9848'))).toBe(true);
    await watch.cancel();
  });

  it('opens no session for a request already aborted (CANCELLED)', async () => {
    const { handler, hub } = makeBridge();
    const gone = new AbortController();
    gone.abort();
    const response = await handler.fetch(new Request(post(WATCH_PATH, { type: 'WatchRequest', headers: {}, body: {} }), { signal: gone.signal }));
    expect(response.headers.get('grpc-status')).toBe('1');
    expect(hub.sessions).toBe(0);
  });
});

describe('TLS stays on for pushes', () => {
  it('bridgePush takes plain http on loopback only, and no option it cannot use', () => {
    for (const url of ['http://10.0.0.5:8849', 'http://push.example.com', 'http://127.0.0.1.example.com']) {
      expect(() => bridgePush({ url, token: TOKEN })).toThrow(/url: must be https: the bridge token would cross the network in clear/);
    }
    expect(() => bridgePush({ url: 'ftp://push.example.com', token: TOKEN })).toThrow(/url: must be the bridge's http\(s\) URL/);
    expect(() => bridgePush({ url: new URL('https://push.example.com') as unknown as string, token: TOKEN })).toThrow(NacosValidationError);
    expect(() => bridgePush({ url: 'https://push.example.com', token: TOKEN, idleTimeoutMs: 10_000 })).toThrow(/idleTimeoutMs: must be more than the bridge's 15000 ms/);
    expect(() => bridgePush({ url: 'https://push.example.com', token: '', connectTimeoutMs: -1 })).toThrow(/token: .*; connectTimeoutMs: must be a positive/);
    for (const url of ['https://push.example.com', 'http://localhost:8849', 'http://app.localhost', 'http://127.0.0.1:1', 'http://[::1]:8849']) {
      expect(bridgePush({ url, token: TOKEN }).name).toBe('bridge');
    }
  });

  it('grpcPush and createBridge refuse TLS options that turn verification off', () => {
    for (const tls of [{ rejectUnauthorized: false }, { checkServerIdentity: () => undefined }]) {
      expect(() => grpcPush({ tls })).toThrow(NacosValidationError);
      const config = createClientConfig({ serverAddresses: '127.0.0.1:8848' });
      expect(() => createBridge({ config, token: TOKEN, grpc: { tls } })).toThrow(/tls\.(rejectUnauthorized|checkServerIdentity)/);
    }
    expect(grpcPush({ tls: { rejectUnauthorized: true } }).name).toBe('gRPC');
  });
});

const clientContext = () =>
  ({
    config: { namespaceId: '', timeoutMs: 2000 },
    log: { debug() {}, info() {}, warn() {}, error() {} },
    scope: (signal?: AbortSignal) => ({ signal: signal ?? new AbortController().signal, release() {} }),
  }) as unknown as PushContext;

describe('the client’s stream', () => {
  it('opens again when the stream ends and tells its driver (which listens again); a request names the new session', async () => {
    let bridge = makeBridge();
    const context = {
      config: { namespaceId: '', timeoutMs: 2000 },
      log: { debug() {}, info() {}, warn() {}, error() {} },
      scope: (signal?: AbortSignal) => ({ signal: signal ?? new AbortController().signal, release() {} }),
    } as unknown as PushContext;
    let connections = 0;
    // Whichever bridge is up now answers (a restart swaps them).
    const viaBridge = ((input: string, init?: RequestInit) => bridge.handler.fetch(new Request(input, init))) as typeof fetch;
    const source = bridgeConfigSource(context, { url: BASE, token: TOKEN, fetch: viaBridge }, { connected: () => void connections++, changed: () => {} });
    await source.start();
    expect(connections).toBe(1);
    const key = { dataId: 'a', group: 'G', tenant: '' };
    const signal = new AbortController().signal;
    expect(await source.listen([{ key, md5: 'old' }], signal)).toEqual([key]);
    expect(bridge.hub.sessions).toBe(1);
    // The bridge ends its streams (a restart): the client opens a new one on the next, and its driver hears of it.
    const first = bridge;
    first.handler.close();
    bridge = makeBridge();
    const deadline = Date.now() + 5000;
    while (connections < 2 && Date.now() < deadline) await sleep(10);
    expect(connections).toBe(2);
    expect(await source.listen([{ key, md5: 'current' }], signal)).toEqual([]);
    expect(bridge.hub.sessions).toBe(1);
    expect(bridge.calls).toEqual(['listen a@current']);
    await source.close();
    await sleep(5);
    expect(bridge.hub.sessions).toBe(0);
  });

  it('takes a stream silent past idleTimeoutMs as lost and opens a new one (a dead stream that never ends)', async () => {
    const bridge = makeBridge();
    let watches = 0;
    const viaBridge = ((input: string, init?: RequestInit) => {
      if (input.endsWith(WATCH_PATH)) watches++;
      return bridge.handler.fetch(new Request(input, init));
    }) as typeof fetch;
    let connections = 0;
    // The bridge pings every 15 s: a 300 ms idle limit sees its streams as silent.
    const source = bridgeConfigSource(clientContext(), { url: BASE, token: TOKEN, fetch: viaBridge, idleTimeoutMs: 300 }, { connected: () => void connections++, changed: () => {} });
    await source.start();
    const started = Date.now();
    const deadline = started + 5000;
    while (connections < 2 && Date.now() < deadline) await sleep(10);
    expect(connections).toBe(2);
    expect(watches).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    // The silent stream was ended at the bridge too: one session, not two.
    expect(await until(() => bridge.hub.sessions === 1)).toBe(true);
    await source.close();
  });

  it('drops a session the bridge no longer knows (NOT_FOUND) and sends the request again in a new one', async () => {
    const bridge = makeBridge();
    let forget = true;
    const viaBridge = (async (input: string, init?: RequestInit) => {
      const request = new Request(input, init);
      if (forget && input.endsWith(REQUEST_PATH)) {
        // The bridge lost the session just before the request came (its stream ended; the client has not seen it end).
        forget = false;
        const payload = decodePayload(new FrameReader().push(new Uint8Array(await request.clone().arrayBuffer()))[0]!.message);
        await bridge.hub.close(payload.headers['session']!, new AbortController().signal);
      }
      return bridge.handler.fetch(request);
    }) as typeof fetch;
    let connections = 0;
    const source = bridgeConfigSource(clientContext(), { url: BASE, token: TOKEN, fetch: viaBridge }, { connected: () => void connections++, changed: () => {} });
    await source.start();
    const key = { dataId: 'a', group: 'G', tenant: '' };
    expect(await source.listen([{ key, md5: 'old' }], new AbortController().signal)).toEqual([key]);
    expect(connections).toBe(2);
    expect(bridge.calls).toEqual(['listen a@old']);
    expect(await until(() => bridge.hub.sessions === 1)).toBe(true);
    await source.close();
  });

  it('gives up on a watch whose response never comes, within idleTimeoutMs, and asks again', async () => {
    const bridge = makeBridge();
    let watches = 0;
    const viaBridge = ((input: string, init?: RequestInit) => {
      // The first watch hangs before its headers (a proxy that holds it); the next reaches the bridge.
      if (input.endsWith(WATCH_PATH) && watches++ === 0) {
        return new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason), { once: true }));
      }
      return bridge.handler.fetch(new Request(input, init));
    }) as typeof fetch;
    let connections = 0;
    const source = bridgeConfigSource(clientContext(), { url: BASE, token: TOKEN, fetch: viaBridge, idleTimeoutMs: 300, connectTimeoutMs: 5000 }, { connected: () => void connections++, changed: () => {} });
    await source.start();
    expect(watches).toBe(2);
    expect(connections).toBe(1);
    await source.close();
  });
});
