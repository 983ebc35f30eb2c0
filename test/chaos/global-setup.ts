import type { TestProject } from 'vitest/node';
import { BASE_PROFILES, readState, startCluster, stopServer } from '../../scripts/nacos-server.mjs';

/** What the fault suite gets through `inject('cluster')`: an official cluster on loopback with auth on. */
export interface ClusterTarget {
  /** `nacos 2.5.1`, `nacos 3.0.3`. */
  version: string;
  /** The HTTP API the members offer clients: `v1` (2.x) or `v3` (the 3.2 surface). */
  generation: 'v1' | 'v3';
  /** `host:port` of each member. */
  members: string[];
  /** The server-script profile of each member, to stop and restart it. */
  profiles: string[];
  /** The admin account every client of the suite logs in with. */
  username: string;
  password: string;
  /** How long the members' tokens live: every scenario longer than this crosses a token expiry. */
  tokenTtlSeconds: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: ClusterTarget;
  }
}

/**
 * The cluster's base profile: `v2-auth` (2.5.1, long polling) or `v3-auth` (3.0.3 with the 3.2 surface, md5
 * polling), both with auth on and 8 s tokens, so that every scenario also crosses token expiry.
 */
export const CHAOS_BASE = (process.env.NACOS_CHAOS_BASE ?? 'v2-auth') as 'v2-auth' | 'v3-auth';

export default async function setup(project: TestProject) {
  if (!(CHAOS_BASE in BASE_PROFILES) || !BASE_PROFILES[CHAOS_BASE].auth) throw new Error(`NACOS_CHAOS_BASE must be v2-auth or v3-auth, not ${CHAOS_BASE}`);
  const name = `cluster-${CHAOS_BASE}`;
  const before = [1, 2, 3].map((i) => readState(`${name}-${i}`)?.pid);
  const states = await startCluster({ name, base: CHAOS_BASE, size: 3 });
  const first = states[0]!;
  project.provide('cluster', {
    version: first.version,
    generation: first.generation,
    members: states.map((s) => s.serverAddr),
    profiles: states.map((s) => s.profile),
    username: first.username,
    password: first.password,
    tokenTtlSeconds: first.tokenTtlSeconds,
  });
  return async () => {
    // A cluster that was running before (`node scripts/nacos-server.mjs cluster`) is left alone.
    const reused = states.every((s, i) => s.pid === before[i]);
    if (!reused) for (const s of states) await stopServer(s.profile);
  };
}
