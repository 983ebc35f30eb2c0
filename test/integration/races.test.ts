// The race tests of test/unit/defects.test.ts against the official servers: the same scripted orderings (a
// controlled fetch in front of the real server holds the chosen request), real answers.
import { afterEach, describe, expect, it } from 'vitest';
import { createClientConfig, isNacosError, NacosConfigService, NacosNamingService } from '../../src/index.js';
import { controlledFetch, settle } from '../unit/controlled-fetch.js';
import { nacos, plainOptions, uniqueId, waitFor } from './helpers.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

const isLogin = (r: { path: string }) => r.path.endsWith('/auth/login') || r.path.endsWith('/auth/user/login');

describe('races against the real servers', () => {
  it("aborting one caller during the shared login fails only that caller (auth server, expiring tokens)", async () => {
    const { serverAddr, username, password } = nacos().auth;
    const control = controlledFetch((input, init) => fetch(input, init));
    const login = control.hold(isLogin);
    const config = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: serverAddr, username, password, fetch: control.fetch, logLevel: 'silent' }));
    closers.push(() => config.shutdown());
    const a = new AbortController();
    const callA = config.getConfig({ dataId: uniqueId('race-a'), signal: a.signal }).catch((e: unknown) => e);
    const callB = config.getConfig({ dataId: uniqueId('race-b') });
    await login.arrived;
    a.abort();
    expect(isNacosError(await callA, 'ABORTED')).toBe(true);
    login.release();
    expect(await callB).toBe('');
  });

  it('a beat on the wire during deregisterInstance cannot bring the instance back', async () => {
    const control = controlledFetch((input, init) => fetch(input, init));
    const naming = await NacosNamingService.createNamingService(createClientConfig(plainOptions({ fetch: control.fetch, backgroundSync: false })));
    const observer = await NacosNamingService.createNamingService(createClientConfig(plainOptions({ readYourWritesMs: 0 })));
    closers.push(() => naming.shutdown(), () => observer.shutdown());
    const serviceName = uniqueId('race-beat');
    await naming.registerInstance({ serviceName, ip: '10.70.0.1', port: 1 });
    await waitFor(async () => (await observer.listInstances({ serviceName })).length === 1, { what: 'the registration' });
    // The first beat is a full one: on 2.x it registers the instance again if it arrives after the delete.
    const isBeat = (r: { path: string; form: URLSearchParams }) => r.path.endsWith('/instance/beat') || r.form.get('heartBeat') === 'true';
    const beat = control.hold(isBeat);
    const beating = naming.beat();
    await beat.arrived;
    const deregistering = naming.deregisterInstance({ serviceName, ip: '10.70.0.1', port: 1 });
    await settle();
    beat.release();
    await Promise.all([beating, deregistering]);
    await waitFor(async () => (await observer.listInstances({ serviceName })).length === 0, { what: 'the deregistration to show' });
    // Another round of beats: the instance has no task any more, so nothing is sent and it stays gone.
    expect(await naming.beat()).toBe(0);
    expect(await observer.listInstances({ serviceName })).toEqual([]);
  });

  it('two listeners whose first reads answer out of order never see an older value after a newer one', async () => {
    const config = await NacosConfigService.createConfigService(createClientConfig(plainOptions()));
    closers.push(() => config.shutdown());
    const dataId = uniqueId('race-order');
    await config.publishConfig({ dataId, content: 'v1' });
    expect(await config.getConfig({ dataId })).toBe('v1');
    const control = controlledFetch((input, init) => fetch(input, init));
    const watcher = await NacosConfigService.createConfigService(createClientConfig(plainOptions({ fetch: control.fetch, backgroundSync: false })));
    closers.push(() => watcher.shutdown());
    // The read that answers with the content (on 3.x the first GET is the v1 path's 410, which tells the generation).
    const readPath = nacos().generation === 'v3' ? '/nacos/v3/client/cs/config' : '/nacos/v1/cs/configs';
    const isRead = (r: { path: string; method: string; query: URLSearchParams }) => r.method === 'GET' && r.path === readPath && r.query.get('dataId') === dataId;
    const firstRead = control.hold(isRead, { answerFirst: true });
    const seen: Record<string, string[]> = { a: [], b: [] };
    const a = watcher.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen['a']!.push(content));
    await firstRead.arrived;
    await config.publishConfig({ dataId, content: 'v2' });
    expect(await config.getConfig({ dataId })).toBe('v2');
    const b = watcher.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen['b']!.push(content));
    await settle();
    firstRead.release();
    await Promise.all([a, b]);
    await settle();
    expect(seen['a']).toEqual(['v1', 'v2']);
    expect(seen['b']).toEqual(['v2']);
  });
});
