// The naming push driver with a scripted source: the orderings that timing would only sometimes produce.
import { describe, expect, it } from 'vitest';
import type { InstanceFields } from '../../src/naming/protocol.js';
import { namingDriver, type NamingSource } from '../../src/push/naming-driver.js';
import type { NamingPushHost, PushContext, ServiceKey } from '../../src/push/port.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const context = {
  log: quiet,
  scope: (signal?: AbortSignal) => ({ signal: signal ?? new AbortController().signal, release() {} }),
} as unknown as PushContext;

function instance(ip: string): InstanceFields {
  return { serviceName: 'svc', groupName: 'DEFAULT_GROUP', namespaceId: '', ip, port: 80, clusterName: 'DEFAULT', weight: 1, healthy: true, enabled: true, ephemeral: true, metadata: {} };
}

function host(): NamingPushHost & { fellBack: number } {
  return { context, registered: new Map(), subscriptions: new Map(), apply() {}, fellBack: 0, fallBack() { this.fellBack++; }, resume() {} };
}

/** A source whose start and registrations resolve when the test says. */
function scriptedSource() {
  const sent: string[][] = [];
  const pending: (() => void)[] = [];
  let failStart: (error: Error) => void = () => {};
  const source: NamingSource = {
    start: () => new Promise((_resolve, reject) => (failStart = reject)),
    register: (_service: ServiceKey, instances: readonly InstanceFields[]) => {
      sent.push(instances.map((i) => i.ip));
      return new Promise<void>((resolve) => pending.push(resolve));
    },
    subscribe: () => new Promise(() => {}),
    unsubscribe: async () => {},
    close: async () => {},
  };
  return { source, sent, pending, failStart: (e: Error) => failStart(e) };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('naming push driver', () => {
  it('sends two registrations of one service one after the other, the second with the first instance in it', async () => {
    const h = host();
    const s = scriptedSource();
    const driver = namingDriver(h, 'test', () => s.source);
    const first = driver.register([instance('10.0.0.1')], false, undefined);
    const second = driver.register([instance('10.0.0.2')], false, undefined);
    await tick();
    // The second waits for the first: otherwise it would send [10.0.0.2] alone and replace the first on the server.
    expect(s.sent).toEqual([['10.0.0.1']]);
    s.pending.shift()!();
    await first;
    await tick();
    expect(s.sent).toEqual([['10.0.0.1'], ['10.0.0.1', '10.0.0.2']]);
    s.pending.shift()!();
    expect(await second).toBe(true);
    expect([...h.registered.values()].map((f) => f.ip)).toEqual(['10.0.0.1', '10.0.0.2']);
    await driver.close();
  });

  it('answers false, not an error, to a registration waiting while the first connection fails (the host goes over HTTP)', async () => {
    const h = host();
    const s = scriptedSource();
    s.source.register = () => new Promise((_resolve, reject) => setTimeout(() => reject(new Error('channel closed')), 5));
    const driver = namingDriver(h, 'test', () => s.source);
    const waiting = driver.register([instance('10.0.0.3')], false, undefined);
    s.failStart(new Error('no gRPC port'));
    expect(await waiting).toBe(false);
    expect(h.fellBack).toBe(1);
    expect(h.registered.size).toBe(0);
    // Later calls do not try the source at all.
    expect(await driver.register([instance('10.0.0.4')], false, undefined)).toBe(false);
    await driver.close();
  });
});
