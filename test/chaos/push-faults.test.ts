// Clients on gRPC push (`nacos-edge/grpc`) under faults: both ports of each member (HTTP, and gRPC 1000 above it) sit
// behind fault-injecting proxies, and a fault hits the member, so the watcher's connection and its reads meet it alike.
// The faults that speak HTTP (a 503, a malformed body, a stalled response) are, on the gRPC port, a peer answering
// HTTP/1 bytes to an HTTP/2 client. Every config scenario keeps the same invariants as the polled ones, and the client
// must stay on push: its first connection succeeds, so a fault later never sends it to HTTP polling.
import { describe, expect, inject, it } from 'vitest';
import type { Fault } from '../support/fault-proxy.js';
import { bounce, configScenario, expectNoLeaks, expectNothingLost, expectRegistrationKept, lifecycleScenario, MEMBER_FAULTS, namingScenario } from './scenario.js';

// `npm test`'s CI subset (scripts/chaos.mjs --ci) keeps within its 10 minutes with a cut and a silent member and the
// outage; `npm run chaos` runs every scenario.
const CI = Boolean(process.env.CHAOS_CI);
const IN_CI: Fault['kind'][] = ['reset', 'blackhole'];

describe('config over gRPC push: the member the client talks to fails for 6 s', () => {
  for (const fault of MEMBER_FAULTS) {
    it.skipIf(CI && !IN_CI.includes(fault.kind))(`${fault.kind}${'status' in fault ? ` ${fault.status}` : ''}`, async () => {
      const report = await configScenario({ scenario: 'push: preferred member faulty', fault, faultMs: 6000, push: true });
      expectNothingLost(report);
      // A cut or garbled connection is noticed at once; a silent or slow one by the health check (every 5 s, 2 s
      // timeout here), then the client connects to the next member, listens again and reconciles by md5.
      const silent = fault.kind === 'blackhole' || fault.kind === 'stall' || fault.kind === 'latency';
      expect(report.maxStalenessMs).toBeLessThan(silent ? 10_000 : 4000);
    }, 90_000);
  }
});

describe('config over gRPC push when the cluster fails', () => {
  it.skipIf(CI)('the member the client is connected to is killed and restarted', async () => {
    const { profiles } = inject('cluster');
    const report = await configScenario({
      scenario: 'push: preferred member killed, restarted',
      fault: { kind: 'pass' },
      faultMs: 6000,
      during: () => bounce(profiles[0]!, 4000),
      push: true,
      note: 'the connection ends with the process; the client connects to the next member',
    });
    expectNothingLost(report);
    expect(report.maxStalenessMs).toBeLessThan(4000);
  }, 180_000);

  it('every member unreachable for 30 s, then back: nothing lost, and the reconnects stay within the backoff', async () => {
    const report = await configScenario({
      scenario: 'push: every member unreachable 30 s',
      fault: { kind: 'reset' },
      faulty: [0, 1, 2],
      faultMs: 30_000,
      push: true,
      note: 'connection attempts per second at all three members together (both ports) while cut off',
    });
    expectNothingLost(report);
    // Reconnects back off from 200 ms doubling to 5 s, each round trying the 3 members: from the 6th round on, at most
    // 3 attempts each 5 s; the config reads' own backoff (1 s doubling to 10 s) adds at most 0.3 a second.
    expect(report.faultyRequestsPerSecond).toBeLessThanOrEqual(1.5);
    // Back within one reconnect step (≤ 5 s) and a read.
    expect(report.maxStalenessMs).toBeLessThan(30_000 + 5000 + 3000);
  }, 180_000);
});

// Naming over gRPC against the 2.5.1 cluster only, as the polled naming scenarios (cluster-faults.test.ts says why).
const describeNaming = inject('cluster').generation === 'v1' ? describe : () => undefined;

(CI ? () => undefined : describeNaming)('naming over gRPC when the cluster fails', () => {
  it('the registrant’s member goes silent for 20 s: the client re-registers on the next member', async () => {
    const outcome = await namingScenario({ scenario: 'naming: registrant’s member silent 20 s', fault: { kind: 'blackhole' }, faultMs: 20_000, push: true });
    expectRegistrationKept(outcome);
  }, 120_000);

  it('the registrant’s member is killed and restarted', async () => {
    const { profiles } = inject('cluster');
    const outcome = await namingScenario({
      scenario: 'naming: registrant’s member killed, restarted',
      fault: { kind: 'pass' },
      faultMs: 8000,
      during: () => bounce(profiles[0]!, 6000),
      push: true,
    });
    expectRegistrationKept(outcome);
  }, 180_000);
});

describe.skipIf(CI)('lifecycle under load, on gRPC push', () => {
  it('100 clients on push created, used and shut down, three times over: no timer or socket left behind', async () => {
    expectNoLeaks(await lifecycleScenario({ scenario: '100 clients re-created, 3 rounds', push: true }));
  }, 240_000);
});
