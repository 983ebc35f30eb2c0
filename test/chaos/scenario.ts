// The fault suite's building blocks: proxies in front of the cluster's members, a config scenario (a writer publishes
// numbered versions while a fault hits the member a watcher talks to) and its invariant counts, and the report rows
// that `npm run chaos` renders into bench/results/reliability.md.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { expect, inject } from 'vitest';
import { restartServer, stopServer } from '../../scripts/nacos-server.mjs';
import { grpcPush } from '../../src/grpc/index.js';
import { createClientConfig, NacosConfigService, NacosConfigWatcher, NacosNamingService, type ClientConfig, type ClientConfigOptions, type Instance, type Logger } from '../../src/index.js';
import { waitFor } from '../integration/helpers.js';
import { FaultProxy, type Fault } from '../support/fault-proxy.js';

/** Where each scenario's counts go (one JSON line each); `npm run chaos` renders them. */
export const RESULTS = resolve(process.env.CHAOS_RESULTS ?? '.nacos/chaos/results.jsonl');

/** One row of the reliability table. */
export interface ScenarioReport {
  /** The cluster's server version (`nacos 2.5.1`). */
  server: string;
  scenario: string;
  fault: string;
  /** How the client under test follows changes: `long poll` (2.x), `md5 polling` (3.x), `gRPC push`; naming: `heartbeats`, `gRPC`. */
  client: string;
  /** Whether a client with push gave up on it and went over HTTP (its first connection failed): must be false. */
  fellBack: boolean;
  /** Versions published while the scenario ran. */
  published: number;
  /** Distinct versions the listener got. */
  delivered: number;
  /**
   * Published versions the listener never got because a newer one came first: listeners get the latest content,
   * so a version superseded while the client could not see the server is skipped, not lost — `lastDelivered` and
   * `maxStalenessMs` say whether any change was lost or late.
   */
  superseded: number;
  /** The longest a published version waited until the listener had it or a newer one. */
  maxStalenessMs: number;
  /** Deliveries of a version the listener had already had. */
  duplicated: number;
  /** Deliveries older than one delivered before them. */
  outOfOrder: number;
  /** Deliveries of content nobody published (a faulty member's junk taken for the config). */
  foreign: number;
  /** Whether the last published version reached the listener. */
  lastDelivered: boolean;
  /** From the last publish to its delivery. */
  recoveryMs: number;
  /** Requests (connections, for resets) that reached the faulty members' proxies while the fault lasted, per second. */
  faultyRequestsPerSecond: number;
  /** Unhandled rejections seen while the scenario ran. */
  unhandledRejections: number;
  /** Logins the client under test made through the proxies (tokens live 8 s: more than one means it crossed an expiry). */
  logins: number;
  /** Timers of the clients left once they were shut down (must be 0). */
  timersLeft: number;
  /** Free-form notes: what the numbers mean for this fault. */
  note?: string;
}

/**
 * The invariants every config scenario must keep, whatever the fault: the last version delivered, nothing twice,
 * nothing out of order, no unhandled rejection, no timer left after shutdown, and a token expiry crossed (a second login).
 */
export function expectNothingLost(report: ScenarioReport): void {
  expect(report.lastDelivered).toBe(true);
  expect(report.duplicated).toBe(0);
  expect(report.outOfOrder).toBe(0);
  expect(report.foreign).toBe(0);
  expect(report.unhandledRejections).toBe(0);
  expect(report.timersLeft).toBe(0);
  expect(report.logins).toBeGreaterThanOrEqual(2);
  expect(report.fellBack).toBe(false);
}

/** A report of a scenario that publishes nothing (naming, lifecycle): the counts that do not apply are zero. */
export const quietReport = (fields: Pick<ScenarioReport, 'scenario' | 'fault' | 'client' | 'lastDelivered' | 'unhandledRejections' | 'note'> & Partial<ScenarioReport>): ScenarioReport => ({
  server: inject('cluster').version,
  fellBack: false,
  logins: 0,
  timersLeft: 0,
  published: 0,
  delivered: 0,
  superseded: 0,
  maxStalenessMs: 0,
  duplicated: 0,
  outOfOrder: 0,
  foreign: 0,
  recoveryMs: 0,
  faultyRequestsPerSecond: 0,
  ...fields,
});

export function record(report: ScenarioReport): void {
  mkdirSync(dirname(RESULTS), { recursive: true });
  appendFileSync(RESULTS, `${JSON.stringify({ ...report, at: new Date().toISOString() })}\n`);
}

/** The faults a member the client talks to meets in both config suites (polled and over push). */
export const MEMBER_FAULTS: Fault[] = [
  { kind: 'reset' },
  { kind: 'http-error', status: 503 },
  { kind: 'malformed' },
  { kind: 'truncate', bytes: 40 },
  { kind: 'stall' },
  { kind: 'blackhole' },
  { kind: 'latency', ms: 1500 },
];

export const describeFault = (fault: Fault): string =>
  fault.kind === 'latency' ? `latency ${fault.ms} ms` : fault.kind === 'http-error' ? `HTTP ${fault.status}` : fault.kind === 'truncate' ? `truncated after ${fault.bytes} B` : fault.kind;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops the member and starts it again on the same port and data after `downMs`. */
export async function bounce(profile: string, downMs: number): Promise<void> {
  await stopServer(profile, { keepState: true });
  await sleep(downMs);
  await restartServer(profile);
}

/** A client config for the cluster: its admin login, quiet logs, and `options` on top. */
export function clusterConfig(serverAddresses: string | string[], options: Partial<ClientConfigOptions> = {}): ClientConfig {
  const { username, password } = inject('cluster');
  return createClientConfig({ serverAddresses, username, password, logLevel: (process.env.CHAOS_LOG_LEVEL as 'debug' | undefined) ?? 'silent', ...options });
}

/** Timers alive in this process right now (the clients' own, once nothing else runs). */
export const activeTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** Waits (up to 5 s) until no more timers are alive than `before`, and returns how many are left over it. */
export async function timersLeftOver(before: number): Promise<number> {
  const deadline = Date.now() + 5000;
  while (activeTimers() > before && Date.now() < deadline) await sleep(50);
  return Math.max(0, activeTimers() - before);
}

/** What the scenarios do with the proxies in front of one member. */
export interface MemberFront {
  /** `127.0.0.1:port`, to put in a client's server list. */
  readonly address: string;
  /** Connections accepted and requests seen since the last `resetCounts()`; logins since the front started. */
  readonly counts: { readonly connections: number; readonly requests: number; readonly logins: number };
  set(fault: Fault): void;
  resetCounts(): void;
  close(): Promise<void>;
}

/** grpcPush's default: a member's gRPC port is its HTTP port + 1000, and so is its front's. */
const GRPC_PORT_OFFSET = 1000;

/**
 * Both ports of one member behind proxies, for a client with gRPC push: a fault hits the member, not one port. One
 * gRPC connection carries every request of the client, so its attempts are connections: they count as requests.
 */
class PushFront implements MemberFront {
  constructor(
    private readonly http: FaultProxy,
    private readonly grpc: FaultProxy,
  ) {}

  static async start(member: string): Promise<PushFront> {
    const [host, port] = member.split(':');
    for (let attempt = 1; ; attempt++) {
      const grpc = await FaultProxy.start(`${host}:${Number(port) + GRPC_PORT_OFFSET}`);
      try {
        return new PushFront(await FaultProxy.start(member, grpc.port - GRPC_PORT_OFFSET), grpc);
      } catch (error) {
        // The port 1000 below the free one was taken: try another pair.
        await grpc.close();
        if (attempt === 10) throw error;
      }
    }
  }

  get address(): string {
    return this.http.address;
  }

  get counts() {
    const { http, grpc } = this;
    return { connections: http.counts.connections + grpc.counts.connections, requests: http.counts.requests + grpc.counts.connections, logins: http.counts.logins };
  }

  set(fault: Fault): void {
    this.http.set(fault);
    this.grpc.set(fault);
  }

  resetCounts(): void {
    this.http.resetCounts();
    this.grpc.resetCounts();
  }

  async close(): Promise<void> {
    await Promise.all([this.http.close(), this.grpc.close()]);
  }
}

/** A front for every member, in member order: its HTTP port's proxy, and with `push` its gRPC port's as well. */
export async function proxies(push = false): Promise<MemberFront[]> {
  return Promise.all(inject('cluster').members.map((member) => (push ? PushFront.start(member) : FaultProxy.start(member))));
}

/** What pushOptions gives a scenario. */
interface PushWatch {
  options: Partial<ClientConfigOptions>;
  /** Whether the client gave up on push and went over HTTP. */
  fellBack(): boolean;
  /** Resolves once the client has a gRPC connection of `module` (at once without push). */
  connected(module: 'config' | 'naming'): Promise<void>;
}

/**
 * The client options that put a client on gRPC push, with what its log says of it. A scenario faults the cluster only
 * once the client is connected: a client whose first connection fails goes over HTTP, which is another scenario.
 */
function pushOptions(push: boolean | undefined): PushWatch {
  if (!push) return { options: {}, fellBack: () => false, connected: async () => undefined };
  let fellBack = false;
  const connected = new Set<string>();
  const echo = process.env.CHAOS_LOG_LEVEL ? console : undefined;
  const logger: Logger = {
    debug: (message) => {
      const module = /gRPC (config|naming) connected to /.exec(message)?.[1];
      if (module) connected.add(module);
      echo?.debug(message);
    },
    info: (message) => echo?.info(message),
    warn: (message) => {
      if (/push unavailable/.test(message)) fellBack = true;
      echo?.warn(message);
    },
    error: (message) => echo?.error(message),
  };
  return {
    options: { push: grpcPush(), logger, logLevel: 'debug' },
    fellBack: () => fellBack,
    connected: (module) => waitFor(() => connected.has(module), { what: `a gRPC ${module} connection` }).then(() => undefined),
  };
}

/** How a client follows changes in this cluster. */
const configClient = (push: boolean | undefined) => (push ? 'gRPC push' : inject('cluster').generation === 'v1' ? 'long poll' : 'md5 polling');

/** Counts unhandled rejections while `work` runs. */
export async function countingUnhandled<T>(work: () => Promise<T>): Promise<{ value: T; unhandled: number }> {
  let unhandled = 0;
  const onUnhandled = () => void unhandled++;
  process.on('unhandledRejection', onUnhandled);
  try {
    return { value: await work(), unhandled };
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
}

export interface ConfigScenarioOptions {
  scenario: string;
  fault: Fault;
  /** Which proxies get the fault (default: the first, the member the watcher prefers). */
  faulty?: number[];
  /** How long the fault lasts. */
  faultMs: number;
  /** Time between two publishes. */
  publishEveryMs?: number;
  /** Client options of the watcher. */
  client?: Partial<ClientConfigOptions>;
  /** Run while the fault is on (a member restart, …) instead of (or besides) the proxy fault. */
  during?: () => Promise<void>;
  /** The watcher follows changes over gRPC push (`nacos-edge/grpc`); both ports of each member are behind proxies. */
  push?: boolean;
  note?: string;
}

/**
 * A writer (straight to the members, the second preferred) publishes `v0`, then `v1`, `v2`, … every `publishEveryMs` from the start
 * of the fault until 2 s after it ends; a watcher behind the proxies (the first member preferred) listens. The fault
 * hits the chosen proxies for `faultMs`. Returns the invariant counts once the last version arrived or 40 s passed.
 */
export async function configScenario(options: ConfigScenarioOptions): Promise<ScenarioReport> {
  const { members } = inject('cluster');
  const fronts = await proxies(options.push);
  const faulty = (options.faulty ?? [0]).map((i) => fronts[i]!);
  const publishEveryMs = options.publishEveryMs ?? 500;
  const push = pushOptions(options.push);
  const timersBefore = activeTimers();
  // The writer goes straight to the members, the second first (the fault suite cuts only the watcher off).
  const writer = await NacosConfigService.createConfigService(clusterConfig([members[1]!, members[2]!, members[0]!]));
  const watcher = await NacosConfigWatcher.createConfigWatcher(
    clusterConfig(
      fronts.map((p) => p.address),
      { timeoutMs: 2000, longPollTimeoutMs: 10_000, pollIntervalMs: 1000, ...push.options, ...options.client },
    ),
  );
  const dataId = `chaos-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const deliveries: number[] = [];
  const deliveredAt: number[] = [];
  const publishedAt: number[] = [];
  try {
    const { value, unhandled } = await countingUnhandled(async () => {
      // A write the cluster refuses for a moment (a leader election) is made again: versions stay consecutive.
      const publish = async (content: string) => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await writer.publishConfig({ dataId, content });
          } catch (error) {
            if (attempt >= 40) throw error;
            await sleep(250);
          }
        }
      };
      await publish('v0');
      publishedAt.push(Date.now());
      await waitFor(async () => (await watcher.getConfig({ dataId })) === 'v0', { what: 'v0 to be readable' });
      let foreign = 0;
      await watcher.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => {
        if (!/^v\d+$/.test(content)) {
          foreign++;
          return;
        }
        deliveries.push(Number(content.slice(1)));
        deliveredAt.push(Date.now());
      });
      let version = 0;
      const publishUntil = async (until: number) => {
        while (Date.now() < until) {
          await sleep(publishEveryMs);
          version++;
          await publish(`v${version}`);
          publishedAt.push(Date.now());
        }
      };
      await push.connected('config');
      for (const p of faulty) p.set(options.fault);
      for (const p of faulty) p.resetCounts();
      const faultStart = Date.now();
      await Promise.all([publishUntil(faultStart + options.faultMs), options.during?.()]);
      // A reset connection never shows a request line: there, each connection is one attempt.
      const faultyRequests = faulty.reduce((sum, p) => sum + (options.fault.kind === 'reset' ? p.counts.connections : p.counts.requests), 0);
      const faultMs = Date.now() - faultStart;
      for (const p of faulty) p.set({ kind: 'pass' });
      await publishUntil(Date.now() + 2000);
      const last = version;
      const lastPublished = Date.now();
      const deadline = lastPublished + 40_000;
      while (!deliveries.includes(last) && Date.now() < deadline) await sleep(20);
      const recoveryMs = Date.now() - lastPublished;
      const seen = new Set<number>();
      let duplicated = 0;
      let outOfOrder = 0;
      let highest = -1;
      for (const v of deliveries) {
        if (seen.has(v)) duplicated++;
        if (v < highest) outOfOrder++;
        highest = Math.max(highest, v);
        seen.add(v);
      }
      const published = last + 1;
      let superseded = 0;
      for (let v = 0; v <= last; v++) if (!seen.has(v)) superseded++;
      // For each version, the first delivery of it or of a newer one.
      let maxStalenessMs = 0;
      for (let v = 0; v <= last; v++) {
        const i = deliveries.findIndex((d) => d >= v);
        const at = i < 0 ? Date.now() : deliveredAt[i]!;
        maxStalenessMs = Math.max(maxStalenessMs, at - publishedAt[v]!);
      }
      return {
        server: inject('cluster').version,
        scenario: options.scenario,
        fault: describeFault(options.fault),
        client: configClient(options.push),
        fellBack: push.fellBack(),
        published,
        delivered: seen.size,
        superseded,
        maxStalenessMs,
        duplicated,
        outOfOrder,
        foreign,
        lastDelivered: seen.has(last),
        recoveryMs: seen.has(last) ? recoveryMs : -1,
        faultyRequestsPerSecond: Math.round((faultyRequests / (faultMs / 1000)) * 10) / 10,
        ...(options.note ? { note: options.note } : {}),
      };
    });
    const logins = fronts.reduce((sum, p) => sum + p.counts.logins, 0);
    await Promise.all([watcher.shutdown(), writer.shutdown()]);
    await Promise.all(fronts.map((p) => p.close()));
    const report = { ...value, unhandledRejections: unhandled, logins, timersLeft: await timersLeftOver(timersBefore) };
    record(report);
    return report;
  } finally {
    await Promise.all([watcher.shutdown(), writer.shutdown()]);
    await Promise.all(fronts.map((p) => p.close()));
  }
}

export interface NamingScenarioOptions {
  scenario: string;
  fault: Fault;
  /** Which proxies get the fault (default: the first, the member the registrant prefers). */
  faulty?: number[];
  /** How long the fault lasts. */
  faultMs: number;
  /** Run while the fault is on (a member restart, …) instead of (or besides) the proxy fault. */
  during?: () => Promise<void>;
  /** The registrant registers over gRPC (`nacos-edge/grpc`: the connection keeps the instance, no heartbeats). */
  push?: boolean;
  note?: string;
}

/** What a naming scenario found, besides the report row. */
export interface NamingOutcome {
  report: ScenarioReport;
  /** Lists the subscriber got that were empty. */
  emptyPushes: number;
  /** From the end of the fault until the instance was listed healthy again (-1: not within 30 s). */
  relistedMs: number;
  /** Requests that reached the faulty members' proxies while the fault lasted, per second. */
  requestsPerSecond: number;
}

/**
 * A registrant behind the proxies (the first member preferred) registers one instance and keeps it alive by
 * heartbeats; a subscriber straight to the third member follows the service. The fault hits the chosen proxies for
 * `faultMs`; afterwards the instance must be listed healthy again and the subscriber must never have had an empty list.
 */
export async function namingScenario(options: NamingScenarioOptions): Promise<NamingOutcome> {
  const { members } = inject('cluster');
  const fronts = await proxies(options.push);
  const faulty = (options.faulty ?? [0]).map((i) => fronts[i]!);
  const timersBefore = activeTimers();
  const push = pushOptions(options.push);
  const registrant = await NacosNamingService.createNamingService(clusterConfig(fronts.map((p) => p.address), { timeoutMs: 2000, ...push.options }));
  const observer = await NacosNamingService.createNamingService(clusterConfig(members[2]!));
  const serviceName = `chaos-svc-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  const ip = `10.99.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
  const pushes: Instance[][] = [];
  const listed = async () => (await observer.listInstances({ serviceName, healthyOnly: true })).some((h) => h.ip === ip);
  let shutDown = false;
  try {
    const { value, unhandled } = await countingUnhandled(async () => {
      await registrant.registerInstance({ serviceName, ip, port: 8080 });
      await observer.subscribe({ serviceName, intervalMs: 500, subscribeCallback: (instances) => void pushes.push(instances) });
      await waitFor(async () => pushes.some((list) => list.some((h) => h.ip === ip)), { what: 'the subscriber to see the instance', timeoutMs: 20_000 });
      await push.connected('naming');
      for (const p of faulty) p.set(options.fault);
      for (const p of faulty) p.resetCounts();
      const faultStart = Date.now();
      await Promise.all([sleep(options.faultMs), options.during?.()]);
      const faultRequests = faulty.reduce((sum, p) => sum + (options.fault.kind === 'reset' ? p.counts.connections : p.counts.requests), 0);
      const faultSeconds = (Date.now() - faultStart) / 1000;
      for (const p of faulty) p.set({ kind: 'pass' });
      const faultEnd = Date.now();
      let relistedMs = -1;
      while (Date.now() - faultEnd < 30_000) {
        if (await listed().catch(() => false)) {
          relistedMs = Date.now() - faultEnd;
          break;
        }
        await sleep(200);
      }
      return { relistedMs, requestsPerSecond: Math.round((faultRequests / faultSeconds) * 10) / 10 };
    });
    const logins = fronts.reduce((sum, p) => sum + p.counts.logins, 0);
    await registrant.shutdown({ deregister: true });
    await observer.shutdown();
    shutDown = true;
    await Promise.all(fronts.map((p) => p.close()));
    const emptyPushes = pushes.filter((list) => list.length === 0).length;
    const report: ScenarioReport = {
      ...quietReport({
        scenario: options.scenario,
        fault: describeFault(options.fault),
        client: options.push ? 'gRPC' : 'heartbeats',
        fellBack: push.fellBack(),
        lastDelivered: value.relistedMs >= 0,
        unhandledRejections: unhandled,
        note: `${options.note ? `${options.note}; ` : ''}listed healthy again ${value.relistedMs >= 0 ? `${value.relistedMs} ms after the fault` : '**not within 30 s**'}; empty lists pushed: ${emptyPushes}`,
      }),
      published: 1,
      delivered: value.relistedMs >= 0 ? 1 : 0,
      recoveryMs: value.relistedMs,
      faultyRequestsPerSecond: value.requestsPerSecond,
      logins,
      timersLeft: await timersLeftOver(timersBefore),
    };
    record(report);
    return { report, emptyPushes, ...value };
  } finally {
    if (!shutDown) await Promise.all([registrant.shutdown({ deregister: true }), observer.shutdown()]);
    await Promise.all(fronts.map((p) => p.close()));
  }
}

/** The invariants of every naming scenario: listed again within the heartbeat timeout (15 s), no empty list, no leaks. */
export function expectRegistrationKept(outcome: NamingOutcome): void {
  expect(outcome.relistedMs).toBeGreaterThanOrEqual(0);
  expect(outcome.relistedMs).toBeLessThan(15_000);
  expect(outcome.emptyPushes).toBe(0);
  expect(outcome.report.unhandledRejections).toBe(0);
  expect(outcome.report.timersLeft).toBe(0);
  expect(outcome.report.logins).toBeGreaterThanOrEqual(2);
  expect(outcome.report.fellBack).toBe(false);
}

/** What a lifecycle scenario found: this process's timers and sockets before the clients and after their shutdown. */
export interface LifecycleOutcome {
  before: { timers: number; sockets: number };
  after: { timers: number; sockets: number };
  unhandled: number;
}

/**
 * 50 config watchers and 50 naming services behind the proxies, each listening and subscribing, created and shut down
 * three times over (with `push`, each on gRPC: two connections a client). Records the row and returns the counts.
 */
export async function lifecycleScenario(options: { scenario: string; push?: boolean }): Promise<LifecycleOutcome> {
  const fronts = await proxies(options.push);
  const ours = () => ({ timers: activeTimers(), sockets: process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length });
  const before = ours();
  const push = pushOptions(options.push);
  const { unhandled } = await countingUnhandled(async () => {
    for (let round = 0; round < 3; round++) {
      const clients = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const config = clusterConfig(fronts.map((p) => p.address), push.options);
          const watcher = await NacosConfigWatcher.createConfigWatcher(config);
          const naming = await NacosNamingService.createNamingService(config);
          await watcher.addListener(`chaos-load-${i % 10}`, 'DEFAULT_GROUP', () => {});
          await naming.subscribe({ serviceName: `chaos-load-${i % 10}`, subscribeCallback: () => {} });
          return { watcher, naming };
        }),
      );
      await Promise.all(clients.flatMap(({ watcher, naming }) => [watcher.shutdown(), naming.shutdown()]));
    }
  });
  // Connections the platform's fetch keeps alive close by themselves (undici: 4 s idle); cut them at the proxies.
  await Promise.all(fronts.map((p) => p.close()));
  const deadline = Date.now() + 10_000;
  let after = ours();
  while ((after.timers > before.timers || after.sockets > before.sockets) && Date.now() < deadline) {
    await sleep(100);
    after = ours();
  }
  record(
    quietReport({
      scenario: options.scenario,
      fault: 'none',
      client: options.push ? 'gRPC push; gRPC' : `${configClient(false)}; heartbeats`,
      fellBack: push.fellBack(),
      lastDelivered: true,
      unhandledRejections: unhandled,
      timersLeft: Math.max(0, after.timers - before.timers),
      note: `timers ${before.timers} → ${after.timers}, sockets ${before.sockets} → ${after.sockets} (before → after shutdown)`,
    }),
  );
  return { before, after, unhandled };
}

/** The invariants of a lifecycle scenario: no timer or socket of the clients left, no unhandled rejection. */
export function expectNoLeaks(outcome: LifecycleOutcome): void {
  expect(outcome.after.timers).toBeLessThanOrEqual(outcome.before.timers);
  expect(outcome.after.sockets).toBeLessThanOrEqual(outcome.before.sockets);
  expect(outcome.unhandled).toBe(0);
}
