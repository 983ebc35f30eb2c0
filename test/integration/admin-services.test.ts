import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { NacosAdminClient, isNacosError, type ServiceSummary } from '../../src/admin.js';
import { createClientConfig, NacosNamingService } from '../../src/index.js';
import { nacos, plainOptions, uniqueId, waitFor as waitForAny } from './helpers.js';

// The admin API of the plain server: on 3.x it wants the admin's login (plainOptions carries it there).
const admin = new NacosAdminClient(plainOptions());
afterAll(() => admin.shutdown());

const namings: NacosNamingService[] = [];
afterEach(async () => {
  await Promise.all(namings.splice(0).map((n) => n.shutdown({ deregister: true })));
});
async function naming() {
  const n = await NacosNamingService.createNamingService(createClientConfig(plainOptions()));
  namings.push(n);
  return n;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** waitFor, typed for checks that answer the value once it is there and undefined (or false) before. */
const waitFor = <T>(check: () => Promise<T | undefined | false> | T | undefined | false, options: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> =>
  waitForAny(check, options) as Promise<T>;

describe('admin services', () => {
  it('creates a service with settings and reads them back', async () => {
    const name = uniqueId('adm-svc');
    await admin.services.create({ name, protectThreshold: 0.3, metadata: { team: 'a' }, selector: { type: 'label', expression: 'CONSUMER.label.zone = PROVIDER.label.zone' }, ephemeral: false });
    const detail = await waitFor(() => admin.services.get({ name }), { what: 'the service' });
    expect(detail).toMatchObject({ name, groupName: 'DEFAULT_GROUP', namespaceId: 'public', protectThreshold: 0.3, metadata: { team: 'a' }, ephemeral: false, clusters: [] });
    expect(detail.selector).toEqual({ type: 'label', expression: 'CONSUMER.label.zone = PROVIDER.label.zone' });
    await admin.services.delete({ name });
  });

  it('creates an ephemeral service that clients may register ephemeral instances into', async () => {
    const name = uniqueId('adm-eph');
    await admin.services.create({ name, ephemeral: true });
    expect(await waitFor(() => admin.services.get({ name }), { what: 'the service' })).toMatchObject({ ephemeral: true, protectThreshold: 0, metadata: {}, selector: { type: 'none' } });
    const n = await naming();
    expect(await n.registerInstance({ serviceName: name, ip: '10.30.0.1', port: 80 })).toBe(true);
    await waitFor(async () => (await admin.services.listPage({ name })).items.find((s) => s.name === name)?.ipCount === 1, { what: 'the instance counted' });
  });

  it('an update changes only what it is given (the servers would reset the rest)', async () => {
    const name = uniqueId('adm-upd');
    const groupName = uniqueId('G').slice(0, 40);
    await admin.services.create({ name, groupName, namespaceId: '', protectThreshold: 0.4, metadata: { keep: 'me' }, selector: { type: 'label', expression: 'CONSUMER.label.a = PROVIDER.label.a' } });
    await waitFor(() => admin.services.get({ name, groupName }), { what: 'the service' });

    await admin.services.update({ name, groupName, protectThreshold: 0.7 });
    const afterThreshold = await waitFor(async () => {
      const d = await admin.services.get({ name, groupName });
      return d.protectThreshold === 0.7 ? d : undefined;
    }, { what: 'the new threshold' });
    expect(afterThreshold.metadata).toEqual({ keep: 'me' });
    expect(afterThreshold.selector).toEqual({ type: 'label', expression: 'CONSUMER.label.a = PROVIDER.label.a' });

    await admin.services.update({ name, groupName, metadata: { other: 'x' }, selector: { type: 'none' } });
    const afterMetadata = await waitFor(async () => {
      const d = await admin.services.get({ name, groupName, namespaceId: 'public' });
      return d.metadata['other'] === 'x' ? d : undefined;
    }, { what: 'the new metadata' });
    expect(afterMetadata).toMatchObject({ protectThreshold: 0.7, metadata: { other: 'x' }, selector: { type: 'none' } });
    await expect(admin.services.update({ name, groupName, ephemeral: true })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await admin.services.delete({ name, groupName });
  });

  it('an absent service is NOT_FOUND for get, update and delete', async () => {
    const name = uniqueId('adm-none');
    await expect(admin.services.get({ name })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(admin.services.update({ name, protectThreshold: 0.1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const deleted = await admin.services.delete({ name }).then(
      () => 'ok',
      (e: unknown) => (isNacosError(e) ? e.code : 'other'),
    );
    // 2.x and 3.x answer the delete of an absent service with an error; which one is the server's.
    expect(['NOT_FOUND', 'SERVER', 'ok']).toContain(deleted);
  });

  it('lists services with instance counts across clusters, paged, and iterates every page', async () => {
    const groupName = uniqueId('LG').slice(0, 40);
    const names: [string, string, string] = [uniqueId('adm-l1'), uniqueId('adm-l2'), uniqueId('adm-l3')];
    const n = await naming();
    await n.registerInstance({ serviceName: names[0], groupName, ip: '10.31.0.1', port: 80, clusterName: 'east' });
    await n.registerInstance({ serviceName: names[0], groupName, ip: '10.31.0.2', port: 80, clusterName: 'west' });
    for (const name of names.slice(1)) await admin.services.create({ name, groupName });

    const counted = await waitFor(async () => {
      const page = await admin.services.listPage({ groupName, name: names[0] }, { pageSize: 10 });
      const s = page.items.find((i) => i.name === names[0]);
      // The servers count clusters from a cache that fills when the service is read, so the count lags the instances.
      return s && s.ipCount === 2 && s.clusterCount === 2 ? s : undefined;
    }, { what: 'the service with its two instances in two clusters' });
    expect(counted).toMatchObject<Partial<ServiceSummary>>({ groupName, namespaceId: 'public', clusterCount: 2, ipCount: 2, healthyInstanceCount: 2, triggerFlag: false });

    const page1 = await waitFor(async () => {
      const p = await admin.services.listPage({ groupName }, { pageNumber: 1, pageSize: 2 });
      return p.totalCount === 3 ? p : undefined;
    }, { what: 'three services in the group' });
    expect(page1).toMatchObject({ pageNumber: 1, pagesAvailable: 2, totalCount: 3 });
    expect(page1.items).toHaveLength(2);
    const page2 = await admin.services.listPage({ groupName }, { pageNumber: 2, pageSize: 2 });
    expect(page2.items).toHaveLength(1);

    const all = await collect(admin.services.list({ groupName }, { pageSize: 1 }));
    expect(all.map((s) => s.name).sort()).toEqual([...names].sort());
    for (const name of names.slice(1)) await admin.services.delete({ name, groupName });
  });

  it('refuses to delete a service that still has instances', async () => {
    const serviceName = uniqueId('adm-busy');
    const n = await naming();
    await n.registerInstance({ serviceName, ip: '10.32.0.1', port: 80 });
    await waitFor(async () => (await admin.services.get({ name: serviceName })).clusters.length === 1, { what: 'the instance to show' });
    await expect(admin.services.delete({ name: serviceName })).rejects.toSatisfy((e) => isNacosError(e) && e.code !== 'VALIDATION');
    expect((await admin.services.get({ name: serviceName })).name).toBe(serviceName);
  });

  it('knows the generation of the server', async () => {
    expect(await admin.generation()).toBe(nacos().generation === 'v3' ? 'v3' : 'v2');
  });
});
