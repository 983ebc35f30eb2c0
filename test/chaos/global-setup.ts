import type { TestProject } from 'vitest/node';
import { readState, startCluster, stopServer } from '../../scripts/nacos-server.mjs';

/** What the fault suite gets through `inject('cluster')`: the members of an official 2.5.1 cluster on loopback. */
export interface ClusterTarget {
  version: string;
  /** `host:port` of each member. */
  members: string[];
  /** The server-script profile of each member, to stop and restart it. */
  profiles: string[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: ClusterTarget;
  }
}

const NAME = 'cluster-v2';

export default async function setup(project: TestProject) {
  const before = [1, 2, 3].map((i) => readState(`${NAME}-${i}`)?.pid);
  const states = await startCluster({ name: NAME, base: 'v2', size: 3 });
  project.provide('cluster', { version: states[0]!.version, members: states.map((s) => s.serverAddr), profiles: states.map((s) => s.profile) });
  return async () => {
    // A cluster that was running before (npm run chaos started it) is left alone.
    const reused = states.every((s, i) => s.pid === before[i]);
    if (!reused) for (const s of states) await stopServer(s.profile);
  };
}
