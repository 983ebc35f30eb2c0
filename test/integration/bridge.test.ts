// The bridge (nacos-edge/bridge) and its client (nacos-edge/grpc-web) against the official servers of each generation:
// the bridge holds gRPC connections to Nacos with its own credentials and serves gRPC-web watch streams; a client
// with bridgePush() gets the same listeners and subscriptions pushed. Its own token, CORS, and a bridge that goes
// away and comes back (the client redoes its listens: a change made meanwhile arrives once).
import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBridge, serveBridge, type Bridge } from '../../src/bridge/index.js';
import { bridgePush } from '../../src/grpc-web/index.js';
import { createClientConfig, NacosConfigService, NacosNamingService, type ClientConfigOptions } from '../../src/index.js';
import { nacos, plainOptions, recordingFetch, recordingLogger, uniqueId, waitFor } from './helpers.js';

const TOKEN = 'bridge-test-token-0123456789';

/** A bridge to the generation's server, logged in as the admin on 3.x (as the plain clients are). */
async function startBridge(port = 0): Promise<{ bridge: Bridge; server: Server; url: string }> {
  const bridge = createBridge({ config: createClientConfig(plainOptions()), token: TOKEN, allowOrigins: ['http://app.example'] });
  const { server, url } = await serveBridge(bridge, { port });
  return { bridge, server, url };
}

async function stopBridge(b: { bridge: Bridge; server: Server }): Promise<void> {
  await b.bridge.close();
  await new Promise<void>((resolve) => {
    b.server.close(() => resolve());
    b.server.closeAllConnections();
  });
}

const closing: { shutdown(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((c) => c.shutdown()));
});

async function configClient(options: Partial<ClientConfigOptions> = {}) {
  const c = await NacosConfigService.createConfigService(createClientConfig(plainOptions(options)));
  closing.push(c);
  return c;
}

let shared: Awaited<ReturnType<typeof startBridge>>;
beforeAll(async () => {
  shared = await startBridge();
});
afterAll(async () => {
  await stopBridge(shared);
});

describe('config through the bridge', () => {
  it('delivers the initial content, each change once and in order, and a deletion as empty, without HTTP listening', async () => {
    const http = recordingFetch();
    const watcher = await configClient({ push: bridgePush({ url: shared.url, token: TOKEN }), fetch: http.fetch, pollIntervalMs: 60_000, longPollTimeoutMs: 600_000 });
    const writer = await configClient();
    const dataId = uniqueId('bridge');
    await writer.publishConfig({ dataId, content: 'v0' });
    await waitFor(async () => (await watcher.getConfig({ dataId })) === 'v0', { what: 'v0 to be readable' });
    const seen: string[] = [];
    await watcher.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen.push(content));
    expect(seen).toEqual(['v0']);
    for (const content of ['v1', 'v2', 'v3']) {
      const started = Date.now();
      await writer.publishConfig({ dataId, content });
      await waitFor(() => seen.includes(content), { what: content, timeoutMs: 5000 });
      // Pushed: well under the 60 s poll interval.
      expect(Date.now() - started).toBeLessThan(3000);
    }
    await writer.removeConfig({ dataId });
    await waitFor(() => seen.at(-1) === '', { what: 'the deletion', timeoutMs: 5000 });
    expect(seen).toEqual(['v0', 'v1', 'v2', 'v3', '']);
    expect(http.paths.filter((p) => p.endsWith('/cs/configs/listener'))).toEqual([]);
    // The bridge's answers went to the bridge, not to Nacos: the client's own fetch saw only reads.
    expect(http.paths.every((p) => p.startsWith('/nacos/'))).toBe(true);
  }, 60_000);

  it('many clients share the bridge’s one upstream listen; a client that leaves stops only its own', async () => {
    const writer = await configClient();
    const dataId = uniqueId('bridge-shared');
    await writer.publishConfig({ dataId, content: 'a' });
    const clients = await Promise.all([1, 2, 3].map(() => configClient({ push: bridgePush({ url: shared.url, token: TOKEN }), pollIntervalMs: 60_000 })));
    const seen = clients.map(() => [] as string[]);
    for (const [i, c] of clients.entries()) {
      await waitFor(async () => (await c.getConfig({ dataId })) === 'a', { what: 'a to be readable' });
      await c.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen[i]!.push(content));
    }
    await waitFor(() => shared.bridge.sessions >= 3, { what: 'three watch streams' });
    await clients[0]!.shutdown();
    await writer.publishConfig({ dataId, content: 'b' });
    await waitFor(() => seen[1]!.includes('b') && seen[2]!.includes('b'), { what: 'b at the clients that stayed', timeoutMs: 5000 });
    expect(seen[0]).toEqual(['a']);
  }, 60_000);
});

describe('naming through the bridge', () => {
  it('a subscription gets the registered instance pushed, well before its poll interval', async () => {
    const registrant = await NacosNamingService.createNamingService(createClientConfig(plainOptions()));
    const subscriber = await NacosNamingService.createNamingService(createClientConfig(plainOptions({ push: bridgePush({ url: shared.url, token: TOKEN }) })));
    closing.push(registrant, subscriber);
    const serviceName = uniqueId('bridge-svc');
    const lists: string[][] = [];
    await subscriber.subscribe({ serviceName, intervalMs: 60_000, subscribeCallback: (hosts) => void lists.push(hosts.map((h) => `${h.ip}:${h.port}`)) });
    const started = Date.now();
    await registrant.registerInstance({ serviceName, ip: '10.9.1.1', port: 80 });
    await waitFor(() => lists.some((l) => l.includes('10.9.1.1:80')), { what: 'the pushed list', timeoutMs: 10_000 });
    expect(Date.now() - started).toBeLessThan(5000);
    await registrant.deregisterInstance({ serviceName, ip: '10.9.1.1', port: 80 });
    // Deregistered: an empty list, which push-empty protection holds back; nothing else arrives.
    await registrant.registerInstance({ serviceName, ip: '10.9.1.2', port: 80 });
    await waitFor(() => lists.some((l) => l.length === 1 && l[0] === '10.9.1.2:80'), { what: 'the second list', timeoutMs: 10_000 });
    expect(lists.every((l) => l.length > 0)).toBe(true);
  }, 60_000);
});

describe('the bridge’s own security', () => {
  it('refuses a wrong token (the client follows over HTTP and says so once), and names no Nacos credential', async () => {
    const { lines, logger } = recordingLogger();
    const watcher = await configClient({ push: bridgePush({ url: shared.url, token: 'not-the-token-at-all', connectTimeoutMs: 2000 }), logger, logLevel: 'warn', pollIntervalMs: 500 });
    const writer = await configClient();
    const dataId = uniqueId('bridge-badtoken');
    const seen: string[] = [];
    await watcher.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen.push(content));
    await writer.publishConfig({ dataId, content: 'over http' });
    await waitFor(() => seen.includes('over http'), { what: 'the change over HTTP', timeoutMs: 20_000 });
    const warnings = lines.filter((l) => /push unavailable/.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/refused the token/);
    expect(lines.join('\n')).not.toContain('not-the-token-at-all');
  }, 60_000);

  it('answers a preflight from an allowed origin only, and a call without a token with UNAUTHENTICATED', async () => {
    const preflight = (origin: string) => fetch(`${shared.url}/nacos.edge.Bridge/Watch`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    const allowed = await preflight('http://app.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect((await preflight('http://evil.example')).status).toBe(403);
    const anonymous = await fetch(`${shared.url}/nacos.edge.Bridge/Watch`, { method: 'POST', headers: { 'content-type': 'application/grpc-web+proto' } });
    expect(anonymous.headers.get('grpc-status')).toBe('16');
    const body = await anonymous.text();
    const { username, password } = nacos().admin;
    for (const secret of [username, password]) expect(body).not.toContain(secret);
  });
});

describe('a bridge that goes away and comes back', () => {
  it('the client opens its stream again, listens again, and a change made meanwhile arrives once', async () => {
    const own = await startBridge();
    const port = Number(new URL(own.url).port);
    const { lines, logger } = recordingLogger();
    const watcher = await configClient({ push: bridgePush({ url: own.url, token: TOKEN }), pollIntervalMs: 60_000, logger, logLevel: 'info' });
    const writer = await configClient();
    const dataId = uniqueId('bridge-restart');
    await writer.publishConfig({ dataId, content: 'before' });
    await waitFor(async () => (await watcher.getConfig({ dataId })) === 'before', { what: 'before to be readable' });
    const seen: string[] = [];
    await watcher.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen.push(content));
    await waitFor(() => own.bridge.sessions === 1, { what: 'the watch stream' });
    await stopBridge(own);
    await writer.publishConfig({ dataId, content: 'while away' });
    const again = await startBridge(port);
    try {
      await waitFor(() => seen.includes('while away'), { what: 'the change made while the bridge was away', timeoutMs: 20_000 });
      await writer.publishConfig({ dataId, content: 'after' });
      await waitFor(() => seen.includes('after'), { what: 'a change after', timeoutMs: 5000 });
      expect(seen).toEqual(['before', 'while away', 'after']);
      expect(lines.some((l) => /bridge stream (lost|back)/.test(l))).toBe(true);
    } finally {
      await watcher.shutdown();
      await stopBridge(again);
    }
  }, 60_000);
});

describe('a bridge that is not there at first', () => {
  it('the client follows over HTTP, takes pushes once the bridge is up, and its HTTP registrations stay (the bridge does not register)', async () => {
    // A port with nothing behind it yet: a bridge started and stopped on it.
    const probe = await startBridge();
    const port = Number(new URL(probe.url).port);
    await stopBridge(probe);
    const { lines, logger } = recordingLogger();
    const push = bridgePush({ url: probe.url, token: TOKEN, connectTimeoutMs: 1000, fallBackRetryMs: 1000 });
    const client = await NacosNamingService.createNamingService(createClientConfig(plainOptions({ push, logger, logLevel: 'info' })));
    const registrant = await NacosNamingService.createNamingService(createClientConfig(plainOptions()));
    const reader = await NacosNamingService.createNamingService(createClientConfig(plainOptions()));
    closing.push(client, registrant, reader);
    const own = uniqueId('bridge-late-own');
    const watched = uniqueId('bridge-late-watched');
    await client.registerInstance({ serviceName: own, ip: '10.9.2.1', port: 80 });
    const lists: string[][] = [];
    await client.subscribe({ serviceName: watched, intervalMs: 60_000, subscribeCallback: (hosts) => void lists.push(hosts.map((h) => h.ip)) });
    await waitFor(() => lines.some((l) => /push unavailable/.test(l)), { what: 'the fall-back', timeoutMs: 10_000 });
    const listed = async () => (await reader.getService({ serviceName: own })).hosts.some((h) => h.ip === '10.9.2.1');
    await waitFor(listed, { what: 'the HTTP registration listed', timeoutMs: 10_000 });
    const again = await startBridge(port);
    try {
      await waitFor(() => lines.some((l) => /push connected after the fall-back/.test(l)), { what: 'push again', timeoutMs: 15_000 });
      // Pushed now: a new instance arrives long before the 60 s poll.
      const started = Date.now();
      await registrant.registerInstance({ serviceName: watched, ip: '10.9.2.2', port: 80 });
      await waitFor(() => lists.some((l) => l.includes('10.9.2.2')), { what: 'the pushed list', timeoutMs: 10_000 });
      expect(Date.now() - started).toBeLessThan(5000);
      // Its own instance stays registered over HTTP, with its heartbeats: a hand-back that deregistered it would show in a second or two.
      const until = Date.now() + 3000;
      while (Date.now() < until) {
        expect(await listed()).toBe(true);
        await new Promise((r) => setTimeout(r, 250));
      }
      // Warned once, when it fell back: the retries while the bridge was not there said nothing above debug.
      expect(lines.filter((l) => /^(warn|error) /.test(l))).toEqual([expect.stringMatching(/push unavailable/)]);
    } finally {
      await client.shutdown();
      await stopBridge(again);
    }
  }, 90_000);
});
