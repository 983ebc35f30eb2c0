import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { NacosAdminClient, type AdminInstance } from '../../src/admin.js';
import { createClientConfig, NacosNamingService } from '../../src/index.js';
import { isV3, nacos, plainOptions, plainUrl, recordingLogger, uniqueId, waitFor as waitForAny } from './helpers.js';

const admin = new NacosAdminClient(plainOptions());
afterAll(() => admin.shutdown());

const namings: NacosNamingService[] = [];
const persistent: { n: NacosNamingService; serviceName: string; ip: string; port: number; clusterName: string }[] = [];
afterEach(async () => {
  // A persistent instance leaves its (persistent) service behind: delete it once the instance is gone.
  await Promise.all(
    persistent.splice(0).map(async ({ n, ...i }) => {
      await n.deregisterInstance({ ...i, ephemeral: false });
      await waitFor(() => admin.services.delete({ name: i.serviceName }).then(() => true), { what: 'the persistent service deleted' });
    }),
  );
  await Promise.all(namings.splice(0).map((n) => n.shutdown({ deregister: true })));
});
async function naming() {
  const n = await NacosNamingService.createNamingService(createClientConfig(plainOptions()));
  namings.push(n);
  return n;
}

const byAddr = (list: AdminInstance[]) => Object.fromEntries(list.map((i) => [`${i.ip}:${i.port}`, i]));

/** Sets a cluster's health checker to NONE with a raw request (the admin client has no cluster settings call). */
async function healthCheckerNone(serviceName: string, clusterName: string) {
  const form = new URLSearchParams({ serviceName, clusterName, checkPort: '80', useInstancePort4Check: 'true', healthChecker: JSON.stringify({ type: 'NONE' }) });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (isV3()) {
    const { username, password } = nacos().admin;
    const login = await fetch(`${plainUrl()}/nacos/v3/auth/user/login`, { method: 'POST', body: new URLSearchParams({ username, password }) });
    headers['accessToken'] = ((await login.json()) as { accessToken: string }).accessToken;
  }
  const res = await fetch(`${plainUrl()}/nacos/${isV3() ? 'v3/admin/ns/cluster' : 'v1/ns/cluster'}`, { method: 'PUT', headers, body: form });
  expect(res.status, await res.text()).toBe(200);
}

/** waitFor, typed for checks that answer the value once it is there and undefined (or false) before. */
const waitFor = <T>(check: () => Promise<T | undefined | false> | T | undefined | false, options: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> =>
  waitForAny(check, options) as Promise<T>;

describe('admin instances', () => {
  it('lists the instances of every cluster, disabled ones included, and updates only what it is given', async () => {
    const n = await naming();
    const serviceName = uniqueId('adm-inst');
    await n.registerInstance({ serviceName, ip: '10.41.0.1', port: 80 });
    await n.registerInstance({ serviceName, ip: '10.41.0.2', port: 80, clusterName: 'east', weight: 3, metadata: { zone: 'e' } });
    await n.registerInstance({ serviceName, ip: '10.41.0.3', port: 80, clusterName: 'west' });

    const all = await waitFor(async () => {
      const list = await admin.instances.list({ serviceName });
      return list.length === 3 ? list : undefined;
    }, { what: 'three instances in three clusters' });
    const at = byAddr(all);
    expect(at['10.41.0.1:80']).toMatchObject({ clusterName: 'DEFAULT', weight: 1, healthy: true, enabled: true, ephemeral: true });
    expect(at['10.41.0.2:80']).toMatchObject({ clusterName: 'east', weight: 3, enabled: true, ephemeral: true, metadata: { zone: 'e' } });
    expect(at['10.41.0.3:80']).toMatchObject({ clusterName: 'west' });

    const east = { serviceName, ip: '10.41.0.2', port: 80, clusterName: 'east' };
    await admin.instances.setEnabled(east, false);
    const disabled = await waitFor(async () => {
      const i = byAddr(await admin.instances.list({ serviceName }))['10.41.0.2:80'];
      return i && !i.enabled ? i : undefined;
    }, { what: 'the instance disabled' });
    // Listed although disabled (the client lists hide it), and its weight and metadata kept.
    expect(disabled).toMatchObject({ weight: 3, metadata: { zone: 'e' } });

    await admin.instances.update({ ...east, weight: 5 });
    const weighted = await waitFor(async () => {
      const i = byAddr(await admin.instances.list({ serviceName }))['10.41.0.2:80'];
      return i?.weight === 5 ? i : undefined;
    }, { what: 'the new weight' });
    expect(weighted).toMatchObject({ enabled: false, metadata: { zone: 'e' } });

    await admin.instances.update({ ...east, metadata: { zone: 'e', tier: 'gold' }, enabled: true });
    const updated = await waitFor(async () => {
      const i = byAddr(await admin.instances.list({ serviceName }))['10.41.0.2:80'];
      return i?.metadata['tier'] === 'gold' && i.enabled ? i : undefined;
    }, { what: 'the new metadata' });
    expect(updated).toMatchObject({ weight: 5, enabled: true, metadata: { zone: 'e', tier: 'gold' } });
    // The other clusters are untouched.
    expect(byAddr(await admin.instances.list({ serviceName }))['10.41.0.3:80']).toMatchObject({ weight: 1, enabled: true });
  });

  it('an absent instance or service is NOT_FOUND', async () => {
    const n = await naming();
    const serviceName = uniqueId('adm-nf');
    await n.registerInstance({ serviceName, ip: '10.42.0.1', port: 80 });
    await waitFor(async () => (await admin.instances.list({ serviceName })).length === 1, { what: 'the instance' });
    await expect(admin.instances.update({ serviceName, ip: '10.42.0.9', port: 80, weight: 2 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(admin.instances.setEnabled({ serviceName, ip: '10.42.0.1', port: 80, clusterName: 'nowhere' }, false)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(admin.instances.list({ serviceName: uniqueId('adm-absent') })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(admin.instances.setHealthy({ serviceName, ip: '10.42.0.1', port: 80 }, false)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });

  it('sets the health of a persistent instance where no health checker runs', async () => {
    const n = await naming();
    const serviceName = uniqueId('adm-health');
    const target = { serviceName, ip: '10.43.0.1', port: 80, clusterName: 'p1' };
    await n.registerInstance({ ...target, ephemeral: false, weight: 2, metadata: { kind: 'db' } });
    persistent.push({ n, ...target });
    await waitFor(async () => (await admin.instances.list({ serviceName })).length === 1, { what: 'the persistent instance' });

    // The cluster's TCP health checker owns the health: the server refuses.
    await expect(admin.instances.setHealthy(target, false)).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/health checker/) });

    await healthCheckerNone(serviceName, 'p1');
    await waitFor(async () => (await admin.services.get({ name: serviceName })).clusters.find((c) => c.name === 'p1')?.healthChecker['type'] === 'NONE', { what: 'the NONE checker' });
    const { logger, lines } = recordingLogger();
    const logged = new NacosAdminClient(plainOptions({ logger, logLevel: 'debug' }));
    try {
      await logged.instances.setHealthy(target, false);
    } finally {
      logged.shutdown();
    }
    // Nacos 2.5.1 and 3.0.3 refuse the change through their health API (it re-registers the instance as ephemeral);
    // the client then registers the persistent instance again with the new health.
    expect(lines.some((l) => /health API cannot change persistent instances; registering the instance again/.test(l))).toBe(true);
    const sick = await waitFor(async () => {
      const [i] = await admin.instances.list({ serviceName });
      return i && !i.healthy ? i : undefined;
    }, { what: 'the instance unhealthy' });
    expect(sick).toMatchObject({ ephemeral: false, weight: 2, enabled: true, metadata: { kind: 'db' } });

    await admin.instances.setHealthy({ ...target, ephemeral: false }, true);
    await waitFor(async () => (await admin.instances.list({ serviceName }))[0]?.healthy === true, { what: 'the instance healthy again' });
    // A disabled persistent instance stays disabled through a health change.
    await admin.instances.setEnabled(target, false);
    await waitFor(async () => (await admin.instances.list({ serviceName }))[0]?.enabled === false, { what: 'the instance disabled' });
    await admin.instances.setHealthy(target, false);
    const after = await waitFor(async () => {
      const [i] = await admin.instances.list({ serviceName });
      return i && !i.healthy ? i : undefined;
    }, { what: 'the disabled instance unhealthy' });
    expect(after).toMatchObject({ enabled: false, weight: 2 });
    // `ephemeral: true` does not name a persistent instance.
    await expect(admin.instances.update({ ...target, ephemeral: true, weight: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
