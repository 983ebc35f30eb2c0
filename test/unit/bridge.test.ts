// The bridge and its client in one process, the upstream scripted: what the bridge refuses before it asks Nacos (a
// token, an origin, a malformed or foreign request), how it shares upstream listens between sessions and tells every
// session of a new upstream connection, and the client's stream reopened and its listens redone when a stream ends.
// The same paths run against the official servers in test/integration/bridge.test.ts.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { BridgeHub, type UpstreamSources } from '../../src/bridge/hub.js';
import { serveBridge } from '../../src/bridge/node.js';
import { bridgeHandler } from '../../src/bridge/server.js';
import type { ConfigKey } from '../../src/config/model.js';
import { bridgeConfigSource } from '../../src/grpc-web/sources.js';
import { CONTENT_TYPE, parseTrailers, REQUEST_PATH, WATCH_PATH } from '../../src/push/bridge-protocol.js';
import type { ConfigSourceEvents } from '../../src/push/config-driver.js';
import type { PushContext } from '../../src/push/port.js';
import { decodePayload, encodePayload, frame, FrameReader, type NacosPayload } from '../../src/push/wire.js';

const TOKEN = 'unit-test-token-0123456789';
const BASE = 'http://bridge.test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An upstream whose config source records what the hub asks and lets the test push changes and reconnects. */
function scriptedUpstream() {
  const calls: string[] = [];
  let events: ConfigSourceEvents | undefined;
  const upstream: UpstreamSources = {
    config(e) {
      events = e;
      return {
        start: async () => e.connected(),
        listen: async (entries) => {
          calls.push(`listen ${entries.map((x) => `${x.key.dataId}@${x.md5}`).join(',')}`);
          return entries.filter((x) => x.md5 !== 'current').map((x) => x.key);
        },
        unlisten: async (keys) => void calls.push(`unlisten ${keys.map((k) => k.dataId).join(',')}`),
        close: async () => void calls.push('close'),
      };
    },
    naming: () => {
      throw new Error('no naming in this test');
    },
  };
  return { upstream, calls, events: () => events! };
}

function makeBridge(options: { allowOrigins?: string[]; namespace?: string } = {}) {
  const script = scriptedUpstream();
  const hub = new BridgeHub(script.upstream);
  const handler = bridgeHandler(hub, options.namespace ?? '', { token: TOKEN, ...(options.allowOrigins ? { allowOrigins: options.allowOrigins } : {}) });
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
async function openWatch(handler: { fetch(r: Request): Promise<Response> }) {
  const response = await handler.fetch(post(WATCH_PATH, { type: 'WatchRequest', headers: {}, body: {} }));
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

  it('takes no token shorter than 16 characters', () => {
    expect(() => bridgeHandler(new BridgeHub(scriptedUpstream().upstream), '', { token: 'short' })).toThrow(/16 characters/);
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

  it('cuts a client that reads nothing once 10,000 messages wait for it, on node:http too (the bridge holds no backlog)', async () => {
    const { handler, events, hub } = makeBridge();
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
      // Each upstream reconnect is a message to the session: ~12 MB of them, more than sockets buffer on loopback.
      for (let i = 0; i < 200_000 && hub.sessions > 0; i++) {
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
});
