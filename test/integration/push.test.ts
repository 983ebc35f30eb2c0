// Push over gRPC (nacos-edge/grpc) against the official servers of each generation: the same listeners, watch() and
// subscriptions, with pushes instead of polls; naming bound to the connection (no heartbeats); redo after a server
// restart; HTTP when the gRPC port cannot be had. Each client records the HTTP paths it calls, to show what went
// over push and what did not.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { restartServer } from '../../scripts/nacos-server.mjs';
import { createClientConfig, NacosConfigService, NacosNamingService, type ClientConfigOptions, type Instance } from '../../src/index.js';
import { grpcPush } from '../../src/grpc/index.js';
import { GrpcPushProxy } from '../support/grpc-push-proxy.js';
import { nacos, plainOptions, recordingFetch, recordingLogger, restartableServer, uniqueId, waitFor } from './helpers.js';

/** Timers alive in this process (the clients' own, when nothing else runs). */
const activeTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

const closing: { shutdown(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((c) => c.shutdown()));
});

async function configClient(options: Partial<ClientConfigOptions> = {}) {
  const c = await NacosConfigService.createConfigService(createClientConfig(plainOptions(options)));
  closing.push(c);
  return c;
}

async function namingClient(options: Partial<ClientConfigOptions> = {}) {
  const n = await NacosNamingService.createNamingService(createClientConfig(plainOptions(options)));
  closing.push(n);
  return n;
}

describe('config over gRPC push', () => {
  it('delivers the initial content, each change once and in order, and a deletion as empty; no HTTP listening', async () => {
    const http = recordingFetch();
    const watcher = await configClient({ push: grpcPush(), fetch: http.fetch, pollIntervalMs: 60_000, longPollTimeoutMs: 600_000 });
    const writer = await configClient();
    const dataId = uniqueId('push');
    await writer.publishConfig({ dataId, content: 'v0' });
    await waitFor(async () => (await watcher.getConfig({ dataId })) === 'v0', { what: 'v0 to be readable' });
    const seen: string[] = [];
    await watcher.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen.push(content));
    expect(seen).toEqual(['v0']);
    for (const content of ['v1', 'v2', 'v3']) {
      const started = Date.now();
      await writer.publishConfig({ dataId, content });
      await waitFor(() => seen.includes(content), { what: content, timeoutMs: 5000 });
      // Pushed: well under the md5 poll interval (60 s here) or a held long poll's timeout.
      expect(Date.now() - started).toBeLessThan(3000);
    }
    // The same content again is no change.
    await writer.publishConfig({ dataId, content: 'v3' });
    await writer.removeConfig({ dataId });
    await waitFor(() => seen.at(-1) === '', { what: 'the deletion', timeoutMs: 5000 });
    expect(seen).toEqual(['v0', 'v1', 'v2', 'v3', '']);
    // Reads went over HTTP (one per push); no long poll was held.
    expect(http.paths.filter((p) => p.endsWith('/cs/configs/listener'))).toEqual([]);
  }, 60_000);

  it('watch() yields pushed changes, typed', async () => {
    const watcher = await configClient({ push: grpcPush() });
    const writer = await configClient();
    const dataId = uniqueId('push-watch');
    await writer.publishConfig({ dataId, content: '{"n":1}', type: 'json' });
    await waitFor(async () => (await watcher.getConfig({ dataId })) === '{"n":1}', { what: 'the first value to be readable' });
    const values: unknown[] = [];
    const stop = new AbortController();
    const loop = (async () => {
      for await (const change of watcher.watch({ dataId, format: 'json', signal: stop.signal })) {
        values.push(change.value);
        if (values.length === 2) stop.abort();
      }
    })();
    await waitFor(() => values.length === 1, { what: 'the initial value' });
    await writer.publishConfig({ dataId, content: '{"n":2}', type: 'json' });
    await loop;
    expect(values).toEqual([{ n: 1 }, { n: 2 }]);
  }, 30_000);

  it('a key added after the connection is up is listened to, and a removed listener stops its deliveries', async () => {
    const watcher = await configClient({ push: grpcPush() });
    const writer = await configClient();
    const first = uniqueId('push-a');
    const second = uniqueId('push-b');
    const seen: string[] = [];
    const a = (_t: string, dataId: string, _g: string, content: string) => void seen.push(`${dataId === first ? 'a' : 'b'}:${content}`);
    await watcher.addListener(first, 'DEFAULT_GROUP', a);
    await watcher.addListener(second, 'DEFAULT_GROUP', a);
    await writer.publishConfig({ dataId: second, content: '1' });
    await waitFor(() => seen.includes('b:1'), { what: 'b:1', timeoutMs: 5000 });
    await watcher.removeListener(second, 'DEFAULT_GROUP', a);
    await writer.publishConfig({ dataId: second, content: '2' });
    await writer.publishConfig({ dataId: first, content: 'x' });
    await waitFor(() => seen.includes('a:x'), { what: 'a:x', timeoutMs: 5000 });
    expect(seen).toEqual(['b:1', 'a:x']);
  }, 30_000);

  it('falls back to HTTP, and says so once, when the gRPC port cannot be had', async () => {
    const { lines, logger } = recordingLogger();
    // An offset that points at a closed port: the HTTP API answers, gRPC does not.
    const watcher = await configClient({ push: grpcPush({ portOffset: 2, connectTimeoutMs: 2000 }), logger, logLevel: 'warn', pollIntervalMs: 500 });
    const writer = await configClient();
    const dataId = uniqueId('push-fallback');
    const seen: string[] = [];
    const timersBefore = activeTimers();
    await watcher.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen.push(content));
    await writer.publishConfig({ dataId, content: 'over http' });
    await waitFor(() => seen.includes('over http'), { what: 'the change over HTTP', timeoutMs: 20_000 });
    // A key added after the fall-back is polled too (the driver is not asked again).
    const later = uniqueId('push-fallback-later');
    await watcher.addListener(later, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen.push(content));
    await writer.publishConfig({ dataId: later, content: 'later over http' });
    await waitFor(() => seen.includes('later over http'), { what: 'the later key over HTTP', timeoutMs: 20_000 });
    expect(lines.filter((l) => /push unavailable/.test(l))).toHaveLength(1);
    // Nothing of the driver outlives the fall-back: after shutdown no timer of the watcher is left.
    await watcher.shutdown();
    await waitFor(() => activeTimers() <= timersBefore, { what: 'no timer left after shutdown', timeoutMs: 5000 });
  }, 60_000);
});

describe('naming over gRPC push', () => {
  it('registers on the connection without heartbeats, and subscribers get register, update and deregister as diffs', async () => {
    const http = recordingFetch();
    const registrant = await namingClient({ push: grpcPush(), fetch: http.fetch });
    const subscriber = await namingClient({ push: grpcPush() });
    const serviceName = uniqueId('push-svc');
    const lists: { hosts: string[]; added: number; removed: number; modified: number }[] = [];
    await subscriber.subscribe({
      serviceName,
      subscribeCallback: (hosts, diff) => void lists.push({ hosts: hosts.map((h) => `${h.ip}:${h.weight}`).sort(), added: diff.added.length, removed: diff.removed.length, modified: diff.modified.length }),
    });
    await registrant.registerInstance({ serviceName, ip: '10.8.0.1', port: 80 });
    await waitFor(() => lists.some((l) => l.hosts.includes('10.8.0.1:1')), { what: 'the registration', timeoutMs: 5000 });
    await registrant.updateInstance({ serviceName, ip: '10.8.0.1', port: 80, weight: 3 });
    await waitFor(() => lists.some((l) => l.hosts.includes('10.8.0.1:3')), { what: 'the update', timeoutMs: 5000 });
    await registrant.deregisterInstance({ serviceName, ip: '10.8.0.1', port: 80 });
    const observer = await namingClient();
    await waitFor(async () => (await observer.listInstances({ serviceName })).length === 0, { what: 'the deregistration', timeoutMs: 5000 });
    expect(lists.map((l) => [l.added, l.removed, l.modified])).toEqual([
      [1, 0, 0],
      [0, 0, 1],
    ]);
    // No heartbeat and no registration went over HTTP.
    expect(http.paths.filter((p) => p.includes('/ns/instance'))).toEqual([]);
  }, 30_000);

  it('keeps an instance registered over the connection healthy for longer than the heartbeat timeout, without beats', async () => {
    const registrant = await namingClient({ push: grpcPush() });
    const observer = await namingClient();
    const serviceName = uniqueId('push-alive');
    await registrant.registerInstance({ serviceName, ip: '10.8.1.1', port: 80 });
    await waitFor(async () => (await observer.listInstances({ serviceName, healthyOnly: true })).length === 1, { what: 'the instance', timeoutMs: 5000 });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      expect((await observer.listInstances({ serviceName, healthyOnly: true })).map((h) => h.ip)).toEqual(['10.8.1.1']);
      await new Promise((r) => setTimeout(r, 2000));
    }
    expect(registrant.heartbeats.instances).toBe(0);
  }, 40_000);

  it('registers a batch at once, subscribes every cluster, and removes everything at shutdown', async () => {
    const registrant = await NacosNamingService.createNamingService(createClientConfig(plainOptions({ push: grpcPush() })));
    const subscriber = await namingClient({ push: grpcPush() });
    const serviceName = uniqueId('push-batch');
    let latest: Instance[] = [];
    let east: Instance[] = [];
    await subscriber.subscribe({ serviceName, allowEmptyPush: true, subscribeCallback: (hosts) => void (latest = hosts) });
    // A second subscription of the service, to one cluster: the connection holds one subscription per service, so
    // lists come whole and each subscription gets its clusters' instances.
    const eastCallback = (hosts: Instance[]) => void (east = hosts);
    await subscriber.subscribe({ serviceName, clusters: ['east'], allowEmptyPush: true, subscribeCallback: eastCallback });
    await registrant.batchRegisterInstances({
      serviceName,
      instances: [
        { ip: '10.8.2.1', port: 80, clusterName: 'east' },
        { ip: '10.8.2.2', port: 80, clusterName: 'west' },
        { ip: '10.8.2.3', port: 80 },
      ],
    });
    await waitFor(() => latest.length === 3, { what: 'the three instances', timeoutMs: 5000 });
    expect(latest.map((h) => h.clusterName).sort()).toEqual(['DEFAULT', 'east', 'west']);
    await waitFor(() => east.length === 1, { what: 'the east instance', timeoutMs: 5000 });
    expect(east.map((h) => h.ip)).toEqual(['10.8.2.1']);
    // Unsubscribing the cluster subscription leaves the service subscribed for the other one.
    await subscriber.unsubscribe({ serviceName, clusters: ['east'], subscribeCallback: eastCallback });
    await registrant.shutdown({ deregister: true });
    await waitFor(() => latest.length === 0, { what: 'everything gone after shutdown', timeoutMs: 8000 });
  }, 30_000);
});

describe('after a server restart (the restartable server)', () => {
  let server: Awaited<ReturnType<typeof restartableServer>>;
  beforeAll(async () => {
    server = await restartableServer();
  });

  it('listens, registers and subscribes again, and delivers a change made meanwhile exactly once', async () => {
    const { lines, logger } = recordingLogger();
    const config = await NacosConfigService.createConfigService(createClientConfig(server.options({ push: grpcPush(), logger, logLevel: 'info' })));
    const naming = await NacosNamingService.createNamingService(createClientConfig(server.options({ push: grpcPush(), logger, logLevel: 'info' })));
    closing.push(config, naming);
    const dataId = uniqueId('push-restart');
    const serviceName = uniqueId('push-restart-svc');
    await config.publishConfig({ dataId, content: 'before' });
    const seen: string[] = [];
    await waitFor(async () => (await config.getConfig({ dataId })) === 'before', { what: 'before to be readable' });
    await config.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen.push(content));
    const lists: string[][] = [];
    await naming.registerInstance({ serviceName, ip: '10.8.3.1', port: 80 });
    await naming.subscribe({ serviceName, subscribeCallback: (hosts) => void lists.push(hosts.map((h) => h.ip)) });
    await waitFor(() => lists.some((l) => l.includes('10.8.3.1')), { what: 'the instance before the restart', timeoutMs: 5000 });

    await restartServer(server.profile);
    const writer = await NacosConfigService.createConfigService(createClientConfig(server.options()));
    closing.push(writer);
    await writer.publishConfig({ dataId, content: 'after' });
    await waitFor(() => seen.includes('after'), { what: 'the change after the restart', timeoutMs: 30_000 });
    const observer = await NacosNamingService.createNamingService(createClientConfig(server.options()));
    closing.push(observer);
    // The restarted server lost the ephemeral instance; the client registered it again on its new connection.
    await waitFor(async () => (await observer.listInstances({ serviceName, healthyOnly: true })).some((h) => h.ip === '10.8.3.1'), { what: 'the instance registered again', timeoutMs: 30_000 });
    await writer.publishConfig({ dataId, content: 'final' });
    await waitFor(() => seen.includes('final'), { what: 'the final change', timeoutMs: 10_000 });
    expect(seen).toEqual(['before', 'after', 'final']);
    expect(lines.some((l) => /registrations and subscriptions made again/.test(l))).toBe(true);
    // The subscription is live again on the new connection: a new instance shows.
    const other = await NacosNamingService.createNamingService(createClientConfig(server.options({ push: grpcPush() })));
    closing.push(other);
    await other.registerInstance({ serviceName, ip: '10.8.3.2', port: 80 });
    await waitFor(() => lists.some((l) => l.includes('10.8.3.2')), { what: 'a new instance pushed after the restart', timeoutMs: 10_000 });
  }, 180_000);
});

// The proxy loses a push before the client sees it, so the client never acks it: the official server's own retry of
// an unacked push (config: after its 3 s ack timeout; naming: 5 s, then 1 s) must bring the change, once.
describe('a push lost on the way (never acked)', () => {
  let proxy: GrpcPushProxy;
  beforeAll(async () => {
    proxy = await GrpcPushProxy.start(nacos().serverAddr);
    return () => proxy.close();
  });

  it('config: the server pushes again, and the change is delivered once, in order', async () => {
    const watcher = await configClient({ serverAddresses: proxy.address, push: grpcPush(), pollIntervalMs: 600_000, longPollTimeoutMs: 600_000 });
    const writer = await configClient();
    const dataId = uniqueId('push-lost');
    await writer.publishConfig({ dataId, content: 'v0' });
    await waitFor(async () => (await watcher.getConfig({ dataId })) === 'v0', { what: 'v0 to be readable' });
    const seen: string[] = [];
    await watcher.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen.push(content));
    // addListener returns before the push driver's (coalesced) listen is in effect on the server; a change made before
    // that is found by the listen's own md5 check, not pushed.
    await waitFor(() => proxy.answered.some((r) => r.type === 'ConfigBatchListenRequest' && JSON.stringify(r.body).includes(dataId)), { what: 'the listen in effect' });
    const ofKey = (p: { type: string; body: Record<string, unknown> }) => p.type === 'ConfigChangeNotifyRequest' && p.body['dataId'] === dataId;
    proxy.drop(ofKey);
    const started = Date.now();
    await writer.publishConfig({ dataId, content: 'v1' });
    await waitFor(() => seen.includes('v1'), { what: 'v1 from the pushed-again notification', timeoutMs: 20_000 });
    const elapsed = Date.now() - started;
    // The first push was lost; the one that delivered came after the server's ack timeout, well before the client's
    // own full re-listen (3 min) or its polling (10 min) could have found it.
    expect(proxy.pushes.filter(ofKey).map((p) => p.dropped)).toEqual([true, false]);
    expect(elapsed).toBeGreaterThan(2500);
    expect(elapsed).toBeLessThan(15_000);
    // The next change is pushed at once, and nothing came twice.
    await writer.publishConfig({ dataId, content: 'v2' });
    await waitFor(() => seen.includes('v2'), { what: 'v2', timeoutMs: 5000 });
    expect(seen).toEqual(['v0', 'v1', 'v2']);
  }, 60_000);

  it('naming: the server pushes the list again, and the subscriber gets it once', async () => {
    const subscriber = await namingClient({ serverAddresses: proxy.address, push: grpcPush() });
    const registrant = await namingClient();
    const serviceName = uniqueId('push-lost-svc');
    const lists: string[][] = [];
    await subscriber.subscribe({ serviceName, intervalMs: 600_000, allowEmptyPush: true, subscribeCallback: (hosts) => void lists.push(hosts.map((h) => `${h.ip}:${h.port}`).sort()) });
    const withInstance = (p: { type: string; body: Record<string, unknown> }) => p.type === 'NotifySubscriberRequest' && JSON.stringify(p.body).includes('10.73.0.1');
    proxy.drop(withInstance);
    const started = Date.now();
    await registrant.registerInstance({ serviceName, ip: '10.73.0.1', port: 80 });
    await waitFor(() => lists.some((l) => l.includes('10.73.0.1:80')), { what: 'the list from the pushed-again notification', timeoutMs: 30_000 });
    const elapsed = Date.now() - started;
    expect(proxy.pushes.filter(withInstance).map((p) => p.dropped)).toEqual([true, false]);
    expect(elapsed).toBeGreaterThan(4000);
    expect(lists.filter((l) => l.includes('10.73.0.1:80'))).toHaveLength(1);
    await registrant.deregisterInstance({ serviceName, ip: '10.73.0.1', port: 80 });
    await waitFor(() => lists.at(-1)?.length === 0, { what: 'the deregistration pushed', timeoutMs: 10_000 });
  }, 60_000);
});

// The gRPC port refuses connections at first (a firewall, a gRPC port opened late): the client falls back to HTTP,
// tries push again every fallBackRetryMs (doubling), and once a connection holds it goes back to pushes: polling,
// heartbeats and the HTTP registrations stop, and nothing is missed on the way.
describe('push again after a fall-back', () => {
  let proxy: GrpcPushProxy;
  beforeAll(async () => {
    proxy = await GrpcPushProxy.start(nacos().serverAddr);
    return () => proxy.close();
  });
  const retrying = () => grpcPush({ fallBackRetryMs: 1000, connectTimeoutMs: 2000 });
  const backOnPush = (lines: string[]) => lines.some((l) => /push connected after the fall-back to HTTP/.test(l));

  it('config: changes over HTTP while gRPC is refused, pushes once it is not, and no polling after that', async () => {
    proxy.refuse(true);
    const http = recordingFetch();
    const { lines, logger } = recordingLogger();
    const watcher = await configClient({ serverAddresses: proxy.address, push: retrying(), fetch: http.fetch, logger, logLevel: 'info', pollIntervalMs: 500 });
    const writer = await configClient();
    const dataId = uniqueId('push-again');
    const seen: string[] = [];
    await watcher.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen.push(content));
    await writer.publishConfig({ dataId, content: 'over http' });
    await waitFor(() => seen.includes('over http'), { what: 'the change over HTTP', timeoutMs: 20_000 });
    expect(lines.filter((l) => /push unavailable/.test(l))).toHaveLength(1);
    // A change made while the client goes back to push is not lost either.
    proxy.refuse(false);
    await writer.publishConfig({ dataId, content: 'meanwhile' });
    await waitFor(() => backOnPush(lines), { what: 'push used again', timeoutMs: 20_000 });
    const resumedAt = Date.now();
    await writer.publishConfig({ dataId, content: 'pushed' });
    await waitFor(() => seen.includes('pushed'), { what: 'the change pushed', timeoutMs: 5000 });
    // An observation window of six poll intervals: polling would read the config every 500 ms (or hold a long poll);
    // on push only the pushed change is read.
    await waitFor(() => Date.now() - resumedAt > 3000, { what: 'the window', timeoutMs: 5000 });
    const polls = http.calls.filter((c) => c.at > resumedAt && c.path.includes('/cs/config'));
    expect(polls.length).toBeLessThanOrEqual(2);
    expect(polls.some((c) => c.path.endsWith('/listener'))).toBe(false);
    expect(seen.filter((c) => c === 'pushed')).toHaveLength(1);
    expect(seen.at(-1)).toBe('pushed');
    expect(seen.filter((c) => c === 'meanwhile').length).toBeLessThanOrEqual(1);
    expect(lines.filter((l) => /push unavailable/.test(l))).toHaveLength(1);
  }, 60_000);

  it('naming: beats and polls while gRPC is refused; then the connection holds the instance and the subscription, and the HTTP registration goes', async () => {
    proxy.refuse(true);
    const http = recordingFetch();
    const { lines, logger } = recordingLogger();
    const client = await namingClient({ serverAddresses: proxy.address, push: retrying(), fetch: http.fetch, logger, logLevel: 'info' });
    const observer = await namingClient();
    const serviceName = uniqueId('push-again-svc');
    const lists: string[][] = [];
    await client.registerInstance({ serviceName, ip: '10.74.0.1', port: 80 });
    await client.subscribe({ serviceName, intervalMs: 500, subscribeCallback: (hosts) => void lists.push(hosts.map((h) => h.ip).sort()) });
    await waitFor(() => lines.some((l) => /push unavailable/.test(l)), { what: 'the fall-back', timeoutMs: 10_000 });
    expect(client.heartbeats.instances).toBe(1);
    expect(client.subscriptions.activeLoops).toBe(1);
    await waitFor(() => lists.some((l) => l.includes('10.74.0.1')), { what: 'the instance over HTTP', timeoutMs: 10_000 });

    proxy.refuse(false);
    await waitFor(() => backOnPush(lines), { what: 'push used again', timeoutMs: 20_000 });
    await waitFor(() => client.heartbeats.instances === 0 && client.subscriptions.activeLoops === 0, { what: 'beats and polling stopped', timeoutMs: 5000 });
    await waitFor(() => http.calls.some((c) => c.method === 'DELETE' && c.path.includes('/ns/instance')), { what: 'the HTTP registration removed', timeoutMs: 5000 });
    const resumedAt = Date.now();
    // A later instance is pushed to the subscription; by the time the observer lists it, the list is past the HTTP
    // deregistration, and the instance is still there: the connection holds it.
    await observer.registerInstance({ serviceName, ip: '10.74.0.2', port: 80 });
    await waitFor(() => lists.some((l) => l.includes('10.74.0.2')), { what: 'a later instance pushed', timeoutMs: 10_000 });
    await waitFor(async () => (await observer.listInstances({ serviceName, healthyOnly: true })).some((h) => h.ip === '10.74.0.2'), { what: 'the observer sees it' });
    expect((await observer.listInstances({ serviceName, healthyOnly: true })).map((h) => h.ip).sort()).toEqual(['10.74.0.1', '10.74.0.2']);
    expect(lists.every((l) => l.includes('10.74.0.1'))).toBe(true);
    // No poll or beat over HTTP since.
    expect(http.calls.filter((c) => c.at > resumedAt && c.path.includes('/ns/'))).toEqual([]);
    await observer.deregisterInstance({ serviceName, ip: '10.74.0.2', port: 80 });
  }, 60_000);
});

describe('with auth on (8 s tokens)', () => {
  it('keeps receiving pushes across token expiry, and never logs the token or password', async () => {
    const { serverAddr, username, password } = nacos().auth;
    const { lines, logger } = recordingLogger();
    const options = { serverAddresses: serverAddr, username, password, logger, logLevel: 'debug' as const };
    const watcher = await NacosConfigService.createConfigService(createClientConfig({ ...options, push: grpcPush() }));
    const writer = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: serverAddr, username, password, logLevel: 'silent' }));
    closing.push(watcher, writer);
    const dataId = uniqueId('push-auth');
    const seen: string[] = [];
    await watcher.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen.push(content));
    for (let i = 1; i <= 3; i++) {
      await writer.publishConfig({ dataId, content: `v${i}` });
      await waitFor(() => seen.includes(`v${i}`), { what: `v${i}`, timeoutMs: 5000 });
      // Past the token's life between changes.
      if (i < 3) await new Promise((r) => setTimeout(r, 5000));
    }
    expect(seen).toEqual(['v1', 'v2', 'v3']);
    expect(lines.join('\n')).not.toContain(password);
  }, 60_000);
});
