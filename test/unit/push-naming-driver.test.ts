// The naming push driver with a scripted source: the orderings that timing would only sometimes produce.
import { describe, expect, it } from 'vitest';
import type { InstanceFields } from '../../src/naming/protocol.js';
import { namingDriver, type NamingSource, type NamingSourceEvents } from '../../src/push/naming-driver.js';
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

/** A source's calls but start: each registration is recorded in `sent` and resolves when the test calls its `pending`. */
function heldCalls(sent: string[][], pending: (() => void)[]): Omit<NamingSource, 'start'> {
  return {
    register: (_service: ServiceKey, instances: readonly InstanceFields[]) => {
      sent.push(instances.map((i) => i.ip));
      return new Promise<void>((resolve) => pending.push(resolve));
    },
    subscribe: () => new Promise(() => {}),
    unsubscribe: async () => {},
    close: async () => {},
  };
}

/** A source whose start and registrations resolve when the test says. */
function scriptedSource() {
  const sent: string[][] = [];
  const pending: (() => void)[] = [];
  let failStart: (error: Error) => void = () => {};
  const source: NamingSource = { start: () => new Promise((_resolve, reject) => (failStart = reject)), ...heldCalls(sent, pending) };
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

describe('naming push driver, resuming after a fall-back', () => {
  /** A first source that cannot connect, then sources that connect at once and hold each registration until told. */
  function resuming() {
    const h = host();
    let resumed = 0;
    h.resume = () => void resumed++;
    const sent: string[][] = [];
    const pending: (() => void)[] = [];
    let events!: NamingSourceEvents;
    let opened = 0;
    const open = (e: NamingSourceEvents): NamingSource => {
      events = e;
      const first = ++opened === 1;
      return {
        start: async () => {
          if (first) throw new Error('no gRPC port');
          e.connected();
        },
        ...heldCalls(sent, pending),
      };
    };
    h.registered.set('a', instance('10.0.1.1'));
    const driver = namingDriver(h, 'test', open, { fallBackRetryMs: 1 });
    return { h, driver, sent, pending, resumed: () => resumed, connectAgain: () => events.connected() };
  }

  const until = async (condition: () => boolean, what: string) => {
    const deadline = Date.now() + 2000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`${what}: not within 2 s`);
      await new Promise((r) => setTimeout(r, 1));
    }
  };

  it('registers again what the host registered over HTTP meanwhile, and hands the host back only after that', async () => {
    const r = resuming();
    await until(() => r.sent.length === 1, 'the redo on the new connection');
    expect(r.h.fellBack).toBe(1);
    // The host is still on HTTP: a registration made now is not in the pass on the wire.
    r.h.registered.set('b', instance('10.0.1.2'));
    r.pending[0]!();
    await until(() => r.sent.length === 2, 'a second pass');
    expect(r.sent[1]).toEqual(['10.0.1.1', '10.0.1.2']);
    expect(r.resumed()).toBe(0);
    r.pending[1]!();
    await until(() => r.resumed() === 1, 'the hand-back');
    await r.driver.close();
  });

  it('hands the host back once when the connection is replaced during the redo (the newer redo does it)', async () => {
    const r = resuming();
    await until(() => r.sent.length === 1, 'the redo on the new connection');
    r.connectAgain();
    await until(() => r.sent.length === 2, "the new connection's redo");
    r.pending[0]!();
    await tick();
    expect(r.resumed()).toBe(0);
    r.pending[1]!();
    await until(() => r.resumed() === 1, 'the hand-back');
    await tick();
    expect(r.resumed()).toBe(1);
    await r.driver.close();
  });
});
