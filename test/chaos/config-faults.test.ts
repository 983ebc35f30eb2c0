// Config listeners under faults, against an official 2.5.1 cluster behind fault-injecting proxies. Every scenario
// checks the invariants that must hold whatever the fault (the last version delivered, nothing twice, nothing out
// of order, no unhandled rejection, a bounded request rate at the faulty member) and records every count.
import { describe, expect, it } from 'vitest';
import { configScenario, expectNothingLost, MEMBER_FAULTS } from './scenario.js';

describe('config listeners: the member the client talks to fails for 6 s', () => {
  for (const fault of MEMBER_FAULTS) {
    it(`${fault.kind}${'status' in fault ? ` ${fault.status}` : ''}`, async () => {
      const report = await configScenario({ scenario: 'preferred member faulty', fault, faultMs: 6000 });
      console.log(JSON.stringify(report));
      expectNothingLost(report);
      // A fault that answers is noticed at once; a silent one within the held-poll check (5 s) and a request timeout (2 s).
      const silent = fault.kind === 'blackhole' || fault.kind === 'stall' || fault.kind === 'latency';
      expect(report.maxStalenessMs).toBeLessThan(silent ? 9000 : 3000);
    }, 90_000);
  }
});
