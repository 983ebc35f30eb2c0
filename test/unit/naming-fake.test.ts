// Naming behaviour the real servers cannot be made to show on demand (a server forgetting instances between two
// beats, the Nacos 3.2 answers), against the FAKE, which answers as the official servers do.
import { afterEach, describe, expect, it } from 'vitest';
import { createClientConfig, isNacosError, NacosNamingService, pickWeighted } from '../../src/index.js';
import { diffInstances, toInstance } from '../../src/naming/model.js';
import { createFakeNacos } from './fake-nacos.js';

const services: NacosNamingService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.shutdown()));
});

async function namingFor(fake: ReturnType<typeof createFakeNacos>, options: Record<string, unknown> = {}) {
  const s = await NacosNamingService.createNamingService(createClientConfig({ serverAddresses: 'fake.test', fetch: fake.fetch, logLevel: 'silent', ...options }));
  services.push(s);
  return s;
}

describe('3.2+ naming (fake)', () => {
  it('registers and lists through /v3/client/ns/instance with the plain service name', async () => {
    const fake = createFakeNacos({ generation: 'v3' });
    const n = await namingFor(fake);
    await n.registerInstance({ serviceName: 'svc', ip: '10.0.0.1', port: 80, weight: 0.5 });
    const [one] = await n.listInstances({ serviceName: 'svc' });
    expect(one).toMatchObject({ ip: '10.0.0.1', port: 80, weight: 0.5, serviceName: 'svc' });
    const register = fake.requests.find((r) => r.path === '/nacos/v3/client/ns/instance' && r.method === 'POST');
    expect(new URLSearchParams(register?.body).get('serviceName')).toBe('svc');
  });

  for (const generation of ['v3', 'v3.0'] as const) {
    it(`${generation === 'v3' ? '3.2 (a blank clusterName lists every cluster)' : '3.0.x (a blank clusterName lists DEFAULT)'}: a list without clusters covers every cluster; healthyOnly is applied on the client`, async () => {
      const fake = createFakeNacos({ generation });
      const n = await namingFor(fake);
      await n.registerInstance({ serviceName: 'svc', ip: '10.0.0.1', port: 80 });
      await n.registerInstance({ serviceName: 'svc', ip: '10.0.0.2', port: 80, clusterName: 'c1' });
      expect((await n.listInstances({ serviceName: 'svc' })).map((h) => `${h.ip}@${h.clusterName}`).sort()).toEqual(['10.0.0.1@DEFAULT', '10.0.0.2@c1']);
      expect((await n.listInstances({ serviceName: 'svc', clusters: ['c1'] })).map((h) => h.ip)).toEqual(['10.0.0.2']);
      expect((await n.selectOneHealthyInstance({ serviceName: 'svc', clusters: ['c1'] })).ip).toBe('10.0.0.2');
    });
  }

  it('re-registers at once when a renewal answers 21003', async () => {
    const fake = createFakeNacos({ generation: 'v3' });
    const n = await namingFor(fake, { backgroundSync: false });
    await n.registerInstance({ serviceName: 'svc', ip: '10.0.0.1', port: 80 });
    fake.forgetInstances();
    await n.beat();
    expect(fake.instances.size).toBe(1);
    const posts = fake.requests.filter((r) => r.path === '/nacos/v3/client/ns/instance' && r.method === 'POST');
    expect(posts.map((r) => new URLSearchParams(r.body).get('heartBeat'))).toEqual([null, 'true', null]);
  });

  it('listServices without a login is a typed AUTH error that says why', async () => {
    const fake = createFakeNacos({ generation: 'v3' });
    const n = await namingFor(fake);
    const error = await n.listServices().catch((e: unknown) => e);
    expect(isNacosError(error, 'AUTH')).toBe(true);
    expect((error as Error).message).toMatch(/admin API/);
  });

  it('updateInstance re-registers where the server has no update endpoint', async () => {
    const fake = createFakeNacos({ generation: 'v3' });
    const n = await namingFor(fake);
    await n.registerInstance({ serviceName: 'svc', ip: '10.0.0.1', port: 80 });
    await n.updateInstance({ serviceName: 'svc', ip: '10.0.0.1', port: 80, weight: 3 });
    expect(fake.instances.get('svc|10.0.0.1|80')?.['weight']).toBe('3');
  });
});

describe('v1 beats (fake: a server that forgets the instance between two beats)', () => {
  it('a light beat answered 20404 registers again; a full beat needs nothing more (the server re-creates from it)', async () => {
    const fake = createFakeNacos({ generation: 'v1' });
    const n = await namingFor(fake, { backgroundSync: false });
    await n.registerInstance({ serviceName: 'svc', ip: '10.0.0.1', port: 80, weight: 2 });
    await n.beat(); // full beat; the answer allows light beats
    fake.forgetInstances();
    await n.beat(); // light beat: 20404, so the client registers again and goes back to full beats
    expect(fake.instances.get('svc|10.0.0.1|80')?.['weight']).toBe('2');
    fake.forgetInstances();
    await n.beat(); // full beat: the server registers the instance from the beat's body (weight included)
    expect(fake.instances.get('svc|10.0.0.1|80')?.['weight']).toBe('2');
    const beats = fake.requests.filter((r) => r.path === '/nacos/v1/ns/instance/beat');
    expect(beats.map((b) => b.query.has('beat'))).toEqual([true, false, true]);
    expect(fake.requests.filter((r) => r.path === '/nacos/v1/ns/instance' && r.method === 'POST')).toHaveLength(2);
  });
});

describe('selection and diffs', () => {
  it('pickWeighted honours float weights within 2% over 10,000 seeded draws and skips zero weights', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const items = [
      { id: 'a', weight: 0.2 },
      { id: 'b', weight: 0.3 },
      { id: 'c', weight: 0 },
      { id: 'd', weight: 0.5 },
    ];
    const counts: Record<string, number> = {};
    for (let i = 0; i < 10_000; i++) {
      const id = pickWeighted(items, random)!.id;
      counts[id] = (counts[id] ?? 0) + 1;
    }
    expect(Math.abs((counts['a'] ?? 0) / 10_000 - 0.2)).toBeLessThan(0.02);
    expect(Math.abs((counts['b'] ?? 0) / 10_000 - 0.3)).toBeLessThan(0.02);
    expect(Math.abs((counts['d'] ?? 0) / 10_000 - 0.5)).toBeLessThan(0.02);
    expect(counts['c']).toBeUndefined();
    expect(pickWeighted([{ weight: 0 }, { weight: 0 }])).toBeUndefined();
  });

  it('diffInstances reports added, removed and modified by instanceId, ignoring metadata key order', () => {
    const make = (ip: string, weight = 1, metadata: Record<string, string> = {}) => toInstance({ ip, port: 1, weight, metadata }, 's', 'G');
    const before = [make('1'), make('2'), make('3', 1, { a: '1', b: '2' })];
    const after = [make('2', 5), make('3', 1, { b: '2', a: '1' }), make('4')];
    const diff = diffInstances(before, after);
    expect(diff.added.map((i) => i.ip)).toEqual(['4']);
    expect(diff.removed.map((i) => i.ip)).toEqual(['1']);
    expect(diff.modified.map((i) => i.ip)).toEqual(['2']);
  });
});
