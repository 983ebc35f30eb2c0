import { describe, expect, it } from 'vitest';
import { NacosAdminClient, isNacosError } from '../../src/admin.js';

// Every bad input is refused before any request: this fetch fails the test if it is ever called.
let requests = 0;
const admin = new NacosAdminClient({
  serverAddresses: '127.0.0.1:8848',
  logLevel: 'silent',
  fetch: () => {
    requests++;
    throw new Error('no request may be made for bad input');
  },
});

const svc = 'orders';
const inst = { serviceName: svc, ip: '10.0.0.1', port: 8080 };
const cases: [string, () => unknown][] = [
  ['services.listPage: pageSize 0', () => admin.services.listPage({}, { pageSize: 0 })],
  ['services.listPage: pageSize above 500', () => admin.services.listPage({}, { pageSize: 501 })],
  ['services.listPage: pageNumber 0', () => admin.services.listPage({}, { pageNumber: 0 })],
  ['services.listPage: bad namespace', () => admin.services.listPage({ namespaceId: 'a b' })],
  ['services.listPage: unknown field', () => admin.services.listPage({ serviceName: 'x' } as never)],
  ['services.list: pageSize 1.5', () => admin.services.list({}, { pageSize: 1.5 })],
  ['services.get: no name', () => admin.services.get({} as never)],
  ['services.get: empty name', () => admin.services.get({ name: '' })],
  ['services.get: name with @@', () => admin.services.get({ name: 'G@@s' })],
  ['services.get: bad group', () => admin.services.get({ name: svc, groupName: 'a/b' })],
  ['services.get: signal not a signal', () => admin.services.get({ name: svc }, { signal: 'x' as never })],
  ['services.create: threshold above 1', () => admin.services.create({ name: svc, protectThreshold: 1.5 })],
  ['services.create: metadata not strings', () => admin.services.create({ name: svc, metadata: { a: 1 } as never })],
  ['services.create: unknown selector type', () => admin.services.create({ name: svc, selector: { type: 'cmdb' } })],
  ['services.update: ephemeral not boolean', () => admin.services.update({ name: svc, ephemeral: 'no' as never })],
  ['services.delete: name too long', () => admin.services.delete({ name: 'x'.repeat(513) })],
  ['instances.list: no serviceName', () => admin.instances.list({} as never)],
  ['instances.update: port 0', () => admin.instances.update({ ...inst, port: 0 })],
  ['instances.update: port not integer', () => admin.instances.update({ ...inst, port: 80.5 })],
  ['instances.update: weight above 10000', () => admin.instances.update({ ...inst, weight: 10_001 })],
  ['instances.update: bad ip', () => admin.instances.update({ ...inst, ip: 'a b' })],
  ['instances.update: bad cluster', () => admin.instances.update({ ...inst, clusterName: 'a,b' })],
  ['instances.update: unknown field', () => admin.instances.update({ ...inst, healthy: true } as never)],
  ['instances.setEnabled: not a boolean', () => admin.instances.setEnabled(inst, 'yes' as never)],
  ['instances.setEnabled: no ip', () => admin.instances.setEnabled({ serviceName: svc, port: 1 } as never, true)],
  ['instances.setHealthy: not a boolean', () => admin.instances.setHealthy(inst, 1 as never)],
  ['instances.setHealthy: no port', () => admin.instances.setHealthy({ serviceName: svc, ip: '10.0.0.1' } as never, true)],
  ['cluster.members: signal not a signal', () => admin.cluster.members({ signal: {} as never })],
  ['cluster.state: unknown option', () => admin.cluster.state({ signal: 1 as never })],
  ['cluster.switches: signal not a signal', () => admin.cluster.switches({ signal: 'x' as never })],
  ['cluster.health: signal not a signal', () => admin.cluster.health({ signal: [] as never })],
];

describe('admin naming and cluster: validation before any request', () => {
  it.each(cases)('%s', async (_name, call) => {
    let error: unknown;
    try {
      const result = call();
      // list() answers an iterable; its validation runs at the call.
      if (result && typeof (result as Promise<unknown>).then === 'function') await result;
    } catch (e) {
      error = e;
    }
    expect(isNacosError(error, 'VALIDATION'), String(error)).toBe(true);
    expect(requests).toBe(0);
  });

  it('the iterator validates when called, not when iterated', () => {
    expect(() => admin.services.list({ namespaceId: 'a b' })).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(requests).toBe(0);
  });
});
