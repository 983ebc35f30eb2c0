// Snapshots and failover on disk, end to end with a real server of its own (stopped mid-test).
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { restartServer, stopServer } from '../../scripts/nacos-server.mjs';
import { createClientConfig, isNacosError, NacosConfigService, NacosNamingService, writeFailover, clearFailover } from '../../src/index.js';
import { createStorage } from '../../src/storage/fs.js';
import { recordingLogger, restartableServer, uniqueId } from './helpers.js';

let server: Awaited<ReturnType<typeof restartableServer>>;
beforeAll(async () => {
  server = await restartableServer();
});

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

describe('fs snapshots and failover with a real server', () => {
  it('serves configs and instance lists from disk while the server is down, ignores a damaged snapshot, and honours failover', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nacos-edge-e2e-'));
    const options = () => server.options({ storage: createStorage({ dir }) });
    const dataId = uniqueId('disk');
    const damaged = uniqueId('damaged');
    const serviceName = uniqueId('disk-svc');

    const first = await NacosConfigService.createConfigService(createClientConfig(options()));
    await first.publishConfig({ dataId, content: 'from the server' });
    await first.publishConfig({ dataId: damaged, content: 'will be truncated' });
    expect(await first.getConfig({ dataId })).toBe('from the server');
    expect(await first.getConfig({ dataId: damaged })).toBe('will be truncated');
    const naming = await NacosNamingService.createNamingService(createClientConfig(options()));
    await naming.registerInstance({ serviceName, ip: '10.9.0.1', port: 1 });
    expect((await naming.listInstances({ serviceName })).length).toBe(1);
    await Promise.all([first.shutdown(), naming.shutdown()]);

    // Truncate one snapshot file as a crash in another tool might.
    const damagedFile = files(dir).find((f) => readFileSync(f, 'utf8').includes('will be truncated'));
    expect(damagedFile).toBeDefined();
    writeFileSync(damagedFile!, readFileSync(damagedFile!, 'utf8').slice(0, 20));

    await stopServer(server.profile, { keepState: true });
    try {
      // A new process-worth of clients: nothing in memory, only the disk.
      const { logger, lines } = recordingLogger();
      const second = await NacosConfigService.createConfigService(createClientConfig({ ...options(), logger, logLevel: 'warn' }));
      expect(await second.getConfig({ dataId })).toBe('from the server');
      const error = await second.getConfig({ dataId: damaged }).catch((e: unknown) => e);
      expect(isNacosError(error, 'UNAVAILABLE')).toBe(true);
      expect(lines.some((l) => /ignoring the snapshot of .*damaged/.test(l))).toBe(true);

      const storage = createStorage({ dir });
      await writeFailover(storage, { dataId }, 'operator override');
      expect(await second.getConfig({ dataId })).toBe('operator override');
      await clearFailover(storage, { dataId });
      expect(await second.getConfig({ dataId })).toBe('from the server');

      const naming2 = await NacosNamingService.createNamingService(createClientConfig(options()));
      expect((await naming2.listInstances({ serviceName })).map((h) => h.ip)).toEqual(['10.9.0.1']);
      await Promise.all([second.shutdown(), naming2.shutdown()]);
    } finally {
      await restartServer(server.profile);
    }
  }, 60_000);
});
