// Faults of the cluster itself and of the whole network, and the client's own lifecycle under load: a member killed
// and restarted, every member unreachable for 30 s, naming through a silent member, and 100 clients re-created.
import { inject, describe, expect, it } from 'vitest';
import { restartServer, stopServer } from '../../scripts/nacos-server.mjs';
import { createClientConfig, NacosConfigWatcher, NacosNamingService, type Instance } from '../../src/index.js';
import { configScenario, countingUnhandled, expectNothingLost, proxies, quietReport, record, sleep } from './scenario.js';

describe('config listeners when the cluster fails', () => {
  it('the member the client talks to is killed and restarted', async () => {
    const { profiles } = inject('cluster');
    const report = await configScenario({
      scenario: 'preferred member killed, restarted',
      fault: { kind: 'pass' },
      faultMs: 6000,
      during: async () => {
        await stopServer(profiles[0]!, { keepState: true });
        await sleep(4000);
        await restartServer(profiles[0]!);
      },
      note: 'the process stops (connections refused) and comes back on the same port and data',
    });
    expectNothingLost(report);
    expect(report.maxStalenessMs).toBeLessThan(3000);
  }, 180_000);

  it('the raft leader of the config data is killed (a leader change) while versions are written', async () => {
    const { members, profiles } = inject('cluster');
    const leaderIndex = async () => {
      const res = await fetch(`http://${members[1]}/nacos/v1/core/cluster/nodes`);
      const nodes = ((await res.json()) as { data: { ip: string; port: number; extendInfo?: { raftMetaData?: { metaDataMap?: Record<string, { leader?: string }> } } }[] }).data;
      // The leader's raft address is its main port - 1000.
      const leader = nodes[0]?.extendInfo?.raftMetaData?.metaDataMap?.['nacos_config']?.leader;
      return members.findIndex((m) => leader !== undefined && Number(m.split(':')[1]) - 1000 === Number(leader.split(':')[1]));
    };
    const index = await leaderIndex();
    expect(index).toBeGreaterThanOrEqual(0);
    // The writer writes to the second member: when it is the leader, kill the third (a follower would not change the
    // leader); otherwise the leader goes while the writer's member stays.
    const victim = index === 1 ? 2 : index;
    const report = await configScenario({
      scenario: `config raft leader killed (member ${victim + 1}), restarted`,
      fault: { kind: 'pass' },
      faultMs: 8000,
      during: async () => {
        await stopServer(profiles[victim]!, { keepState: true });
        await sleep(6000);
        await restartServer(profiles[victim]!);
      },
      note: index === 1 ? 'the leader was the writer’s member: a follower was killed instead' : 'a new leader is elected while the writer keeps publishing',
    });
    expectNothingLost(report);
  }, 240_000);

  it('every member unreachable for 30 s, then back: nothing lost, and the retries stay within the backoff', async () => {
    const report = await configScenario({
      scenario: 'every member unreachable 30 s',
      fault: { kind: 'reset' },
      faulty: [0, 1, 2],
      faultMs: 30_000,
      note: 'attempts per second at all three members together while cut off',
    });
    expectNothingLost(report);
    // Backoff with full jitter, 1 s doubling to 10 s: about 7 rounds in 30 s, each trying the 3 members once.
    expect(report.faultyRequestsPerSecond).toBeLessThanOrEqual(1);
    // Back within one backoff step (≤ 10 s) and a read of the network's return.
    expect(report.maxStalenessMs).toBeLessThan(30_000 + 10_000 + 3000);
  }, 180_000);
});

describe('naming through a silent member', () => {
  it('an instance registered through the member that goes silent stays listed, and no subscriber gets an empty list', async () => {
    const { members } = inject('cluster');
    const fronts = await proxies();
    const registrant = await NacosNamingService.createNamingService(createClientConfig({ serverAddresses: fronts.map((p) => p.address), logLevel: 'silent', timeoutMs: 2000 }));
    const observer = await NacosNamingService.createNamingService(createClientConfig({ serverAddresses: members[2]!, logLevel: 'silent' }));
    const serviceName = `chaos-svc-${Date.now()}`;
    const pushes: Instance[][] = [];
    try {
      const { value: listedAfter, unhandled } = await countingUnhandled(async () => {
        await registrant.registerInstance({ serviceName, ip: '10.99.0.1', port: 8080 });
        await observer.subscribe({ serviceName, intervalMs: 500, subscribeCallback: (instances) => void pushes.push(instances) });
        const deadline = Date.now() + 20_000;
        while (!pushes.some((list) => list.length === 1) && Date.now() < deadline) await sleep(50);
        // Silent for 20 s: longer than the instance's heartbeat timeout (15 s), so only beats that found another
        // member kept it alive.
        fronts[0]!.set({ kind: 'blackhole' });
        await sleep(20_000);
        fronts[0]!.set({ kind: 'pass' });
        const hosts = await observer.listInstances({ serviceName });
        return hosts.filter((h) => h.ip === '10.99.0.1' && h.healthy).length;
      });
      const empties = pushes.filter((list) => list.length === 0).length;
      record(
        quietReport({
          scenario: 'naming: registrant behind a silent member 20 s',
          fault: 'blackhole',
          published: 1,
          delivered: listedAfter,
          lastDelivered: listedAfter === 1,
          unhandledRejections: unhandled,
          note: `instance listed healthy after the fault: ${listedAfter === 1 ? 'yes' : 'no'}; empty lists pushed: ${empties}`,
        }),
      );
      expect(pushes.some((list) => list.length === 1)).toBe(true);
      expect(listedAfter).toBe(1);
      expect(empties).toBe(0);
      expect(unhandled).toBe(0);
    } finally {
      await registrant.shutdown({ deregister: true });
      await observer.shutdown();
      await Promise.all(fronts.map((p) => p.close()));
    }
  }, 120_000);
});

describe('lifecycle under load', () => {
  it('100 clients created, used and shut down, three times over: no timer or socket of ours left behind', async () => {
    const fronts = await proxies();
    const ours = () => {
      const resources = process.getActiveResourcesInfo();
      return { timers: resources.filter((r) => r === 'Timeout').length, sockets: resources.filter((r) => r === 'TCPSocketWrap').length };
    };
    const before = ours();
    const { unhandled } = await countingUnhandled(async () => {
      for (let round = 0; round < 3; round++) {
        const clients = await Promise.all(
          Array.from({ length: 100 }, async (_, i) => {
            const config = createClientConfig({ serverAddresses: fronts.map((p) => p.address), logLevel: 'silent' });
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
        scenario: '100 clients re-created, 3 rounds',
        fault: 'none',
        lastDelivered: true,
        unhandledRejections: unhandled,
        note: `timers ${before.timers} → ${after.timers}, sockets ${before.sockets} → ${after.sockets} (before → after shutdown)`,
      }),
    );
    expect(after.timers).toBeLessThanOrEqual(before.timers);
    expect(after.sockets).toBeLessThanOrEqual(before.sockets);
    expect(unhandled).toBe(0);
  }, 180_000);
});
