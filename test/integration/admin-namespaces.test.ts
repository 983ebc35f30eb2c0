// The admin client's namespace calls against the official servers of each generation (2.x: the v2 console API,
// 3.x: /v3/admin/core/namespace): list, get, create with and without an id, update, delete, and their errors.
import { afterAll, describe, expect, it } from 'vitest';
import { isNacosError, NacosAdminClient } from '../../src/admin.js';
import { isV3, plainOptions, uniqueId, waitFor } from './helpers.js';

const admin = new NacosAdminClient(plainOptions());
const created: string[] = [];
afterAll(async () => {
  for (const id of created) await admin.namespaces.delete(id).catch(() => undefined);
  admin.shutdown();
});

const codeOf = (call: Promise<unknown>) =>
  call.then(
    () => 'ok',
    (e: unknown) => (isNacosError(e) ? e.code : String(e)),
  );

describe('admin namespaces', () => {
  it('lists the public namespace, and reads it by either of its names', async () => {
    const publicId = isV3() ? 'public' : '';
    const list = await admin.namespaces.list();
    expect(list[0]).toMatchObject({ id: publicId, name: 'public', type: 0 });
    expect(list[0]!.quota).toBeGreaterThan(0);
    expect(await admin.namespaces.get('')).toMatchObject({ id: publicId, name: 'public', type: 0 });
    expect(await admin.namespaces.get('public')).toMatchObject({ id: publicId, name: 'public', type: 0 });
  });

  it('creates a namespace with its own id, reads, lists, updates and deletes it', async () => {
    const id = uniqueId('adm-ns');
    created.push(id);
    expect(await admin.namespaces.create({ id, name: `name ${id}`, description: 'first' })).toBe(id);
    const read = await waitFor(() => admin.namespaces.get(id), { what: 'the namespace' });
    // Custom namespaces are type 2 on 2.x and type 1 on 3.x.
    expect(read).toEqual({ id, name: `name ${id}`, description: 'first', configCount: 0, quota: read.quota, type: isV3() ? 1 : 2 });
    expect((await admin.namespaces.list()).map((n) => n.id)).toContain(id);

    await admin.namespaces.update({ id, name: `renamed ${id}`, description: 'second' });
    await waitFor(async () => (await admin.namespaces.get(id)).name === `renamed ${id}`, { what: 'the new name' });
    expect(await admin.namespaces.get(id)).toMatchObject({ name: `renamed ${id}`, description: 'second' });

    // The configs in it are counted.
    const dataId = uniqueId('adm-ns-cfg');
    await admin.configs.publish({ namespaceId: id, dataId, content: 'x=1' });
    await waitFor(async () => (await admin.namespaces.get(id)).configCount === 1, { what: 'the config counted' });
    await admin.configs.delete({ namespaceId: id, dataId });

    await admin.namespaces.delete(id);
    await waitFor(async () => (await codeOf(admin.namespaces.get(id))) === 'NOT_FOUND', { what: 'the namespace gone' });
    expect((await admin.namespaces.list()).map((n) => n.id)).not.toContain(id);
    // Deleting it again succeeds, as on the servers.
    await admin.namespaces.delete(id);
  });

  it('makes up an id when none is given', async () => {
    const id = await admin.namespaces.create({ name: 'made-up id' });
    created.push(id);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await waitFor(() => admin.namespaces.get(id), { what: 'the namespace' })).toMatchObject({ id, name: 'made-up id', description: '' });
  });

  it('answers NOT_FOUND for an unknown namespace, VALIDATION for a taken id', async () => {
    const unknown = uniqueId('adm-ns-none');
    expect(await codeOf(admin.namespaces.get(unknown))).toBe('NOT_FOUND');
    expect(await codeOf(admin.namespaces.update({ id: unknown, name: 'x' }))).toBe('NOT_FOUND');

    const id = uniqueId('adm-ns-dup');
    created.push(id);
    await admin.namespaces.create({ id, name: 'dup' });
    const error = await admin.namespaces.create({ id, name: 'dup again' }).catch((e: unknown) => e);
    expect(isNacosError(error, 'VALIDATION'), String(error)).toBe(true);
    expect((error as Error).message).toContain(id);
  });

  it('refuses bad input and the public namespace before any request', async () => {
    for (const call of [
      admin.namespaces.create({ name: '' }),
      admin.namespaces.create({ id: 'has space', name: 'x' }),
      admin.namespaces.create({ name: 'bad#name' }),
      admin.namespaces.create({ id: 'public', name: 'x' }),
      admin.namespaces.update({ id: '', name: 'x' }),
      admin.namespaces.delete('public'),
      admin.namespaces.delete(''),
    ]) {
      expect(await codeOf(call)).toBe('VALIDATION');
    }
  });

  it('ends a call on its signal', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await codeOf(admin.namespaces.list({ signal: controller.signal }))).toBe('ABORTED');
  });
});
