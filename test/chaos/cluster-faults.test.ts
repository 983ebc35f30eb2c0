// Faults of the cluster itself and of the whole network, and the client's own lifecycle under load: a member killed
// and restarted, the raft leader killed, every member unreachable for 30 s, a 5xx storm on every member, naming
// through a silent, a killed and an unreachable cluster, and 100 clients re-created. Tokens live 8 s, so every
// scenario also crosses token expiry.
import { inject, describe, expect, it } from 'vitest';
import { bounce, configScenario, expectNoLeaks, expectNothingLost, expectRegistrationKept, lifecycleScenario, namingScenario } from './scenario.js';

/** An admin token from `member` (the cluster API needs one with auth on). */
async function adminToken(member: string): Promise<string> {
  const { generation, username, password } = inject('cluster');
  const path = generation === 'v3' ? '/nacos/v3/auth/user/login' : '/nacos/v1/auth/login';
  const res = await fetch(`http://${member}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username, password }) });
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** The index of the member leading the raft group of the config data, as `member` sees it (-1 when none). */
async function configLeader(member: string): Promise<number> {
  const { generation, members } = inject('cluster');
  const path = generation === 'v3' ? '/nacos/v3/admin/core/cluster/node/list' : '/nacos/v1/core/cluster/nodes';
  const res = await fetch(`http://${member}${path}`, { headers: { accessToken: await adminToken(member) } });
  type Node = { extendInfo?: { raftMetaData?: { metaDataMap?: Record<string, { leader?: string }> } } };
  const nodes = ((await res.json()) as { data: Node[] }).data;
  const leader = nodes.map((n) => n.extendInfo?.raftMetaData?.metaDataMap?.['nacos_config']?.leader).find((l) => l !== undefined);
  // The leader's raft address is its main port - 1000.
  return members.findIndex((m) => leader !== undefined && Number(m.split(':')[1]) - 1000 === Number(leader.split(':')[1]));
}

describe('config listeners when the cluster fails', () => {
  it('the member the client talks to is killed and restarted', async () => {
    const { profiles } = inject('cluster');
    const report = await configScenario({
      scenario: 'preferred member killed, restarted',
      fault: { kind: 'pass' },
      faultMs: 6000,
      during: () => bounce(profiles[0]!, 4000),
      note: 'the process stops (connections refused) and comes back on the same port and data',
    });
    expectNothingLost(report);
    expect(report.maxStalenessMs).toBeLessThan(3000);
  }, 180_000);

  it('the raft leader of the config data is killed (a leader change) while versions are written', async () => {
    const { members, profiles } = inject('cluster');
    const index = await configLeader(members[1]!);
    expect(index).toBeGreaterThanOrEqual(0);
    // The writer writes to the second member: when it is the leader, kill the third (a follower would not change the
    // leader); otherwise the leader goes while the writer's member stays.
    const victim = index === 1 ? 2 : index;
    const report = await configScenario({
      scenario: `config raft leader killed (member ${victim + 1}), restarted`,
      fault: { kind: 'pass' },
      faultMs: 8000,
      during: () => bounce(profiles[victim]!, 6000),
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

  it('a 5xx storm: every member answers 503 for 15 s', async () => {
    const report = await configScenario({
      scenario: '5xx storm on every member 15 s',
      fault: { kind: 'http-error', status: 503 },
      faulty: [0, 1, 2],
      faultMs: 15_000,
      note: 'requests per second at all three members together during the storm',
    });
    expectNothingLost(report);
    // The same backoff as an outage (each round tries every member once), plus the held-poll check every 5 s.
    expect(report.faultyRequestsPerSecond).toBeLessThanOrEqual(2);
    expect(report.maxStalenessMs).toBeLessThan(15_000 + 10_000 + 3000);
  }, 180_000);
});

// Naming scenarios against the 2.5.1 cluster only: an official 3.0.3 cluster on loopback does not replicate
// HTTP-registered ephemeral instances reliably (registered through one member, another never lists it; after a member
// restart no member replicates at all: checked with plain HTTP calls, no client of ours in between), so a fault there
// would measure the server's replication, not the client.
const describeNaming = inject('cluster').generation === 'v1' ? describe : () => undefined;

describeNaming('naming when the cluster fails', () => {
  it('the registrant’s member goes silent for 20 s (longer than the heartbeat timeout)', async () => {
    const outcome = await namingScenario({ scenario: 'naming: registrant’s member silent 20 s', fault: { kind: 'blackhole' }, faultMs: 20_000 });
    expectRegistrationKept(outcome);
    // The instance never lapsed: beats found another member within the heartbeat timeout.
    expect(outcome.relistedMs).toBeLessThan(2000);
  }, 120_000);

  it('the registrant’s member is killed and restarted', async () => {
    const { profiles } = inject('cluster');
    const outcome = await namingScenario({
      scenario: 'naming: registrant’s member killed, restarted',
      fault: { kind: 'pass' },
      faultMs: 8000,
      during: () => bounce(profiles[0]!, 6000),
    });
    expectRegistrationKept(outcome);
  }, 180_000);

  it('every member unreachable for 30 s: the instance lapses on the servers and is registered again once they are back', async () => {
    const outcome = await namingScenario({
      scenario: 'naming: every member unreachable 30 s',
      fault: { kind: 'reset' },
      faulty: [0, 1, 2],
      faultMs: 30_000,
      note: 'the servers drop the silent instance (heartbeat timeout 15 s, delete after 30 s); the next beat registers it again',
    });
    expectRegistrationKept(outcome);
    // One beat every 5 s, each tried on the 3 members: at most 0.6 connection attempts a second for one instance.
    expect(outcome.requestsPerSecond).toBeLessThanOrEqual(1);
  }, 180_000);
});

describe('lifecycle under load', () => {
  // 100 clients: 50 config watchers and 50 naming services. Each logs in, and the server hashes every password (BCrypt):
  // 200 logins at once kept a 2.5.1 cluster on two cores busy for minutes under other load.
  it('100 clients created, used and shut down, three times over: no timer or socket of ours left behind', async () => {
    expectNoLeaks(await lifecycleScenario({ scenario: '100 clients re-created, 3 rounds' }));
  }, 180_000);
});
