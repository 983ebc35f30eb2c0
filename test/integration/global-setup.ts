import type { TestProject } from 'vitest/node';
import { ensureTargets, readState, stopServer } from '../../scripts/nacos-server.mjs';
import { createBridge, serveBridge } from '../../src/bridge/index.js';
import { createClientConfig } from '../../src/index.js';

const BRIDGE_TOKEN = `test-bridge-${crypto.randomUUID()}`;

/** A bridge to `target`'s plain server that any origin may call (the test page's port is not known here). */
async function startBridge(target: NacosTarget) {
  const bridge = createBridge({ config: createClientConfig({ serverAddresses: target.serverAddr, logLevel: 'silent' }), token: BRIDGE_TOKEN, allowOrigins: ['*'] });
  const { server, url } = await serveBridge(bridge);
  return {
    url,
    stop: async () => {
      await bridge.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What the tests get through `inject('nacos')`: the servers of one API generation. */
export interface NacosTarget {
  /** The HTTP API the servers offer clients: `v1` (Nacos 2.x) or `v3` (Nacos 3.2+: no v1/v2, no long polling). */
  generation: 'v1' | 'v3';
  /** Server flavour and version, e.g. `nacos 2.5.1`. */
  version: string;
  /** `host:port` of a server with auth off for clients. */
  serverAddr: string;
  /** Its admin (on 3.x the admin API, which config writes and the service list use, needs an admin token). */
  admin: { username: string; password: string };
  /** `host:port` of a server with auth on for every API, and its admin credentials. */
  auth: { serverAddr: string; username: string; password: string; tokenTtlSeconds: number | undefined };
}

/** A bridge (nacos-edge/bridge) to the plain server, for the browser tests of nacos-edge/grpc-web. */
export interface BridgeTarget {
  url: string;
  token: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    nacos: NacosTarget;
    bridge: BridgeTarget;
  }
}

/** Projects named `*-v3` test against the Nacos 3.2 surface; every other project against Nacos 2.x. */
export const generationOf = (projectName: string): 'v1' | 'v3' => (projectName.endsWith('-v3') ? 'v3' : 'v1');

export default async function setup(project: TestProject) {
  const generation = generationOf(project.name);
  // `npm test` (scripts/test.mjs) starts every server once, in parallel, before vitest; run directly, vitest
  // starts what is missing here. A server that cannot start fails the run; it is never a skip.
  const { targets, started } = await ensureTargets([generation]);
  // The restartable server (test/integration/helpers.ts) is started by the first file that needs it.
  const restartable = `restartable-${generation === 'v3' ? 'v3' : 'v2'}`;
  const restartableBefore = readState(restartable)?.pid;
  const target = targets[generation] as NacosTarget;
  // Browser tests reach Nacos through a same-origin proxy in the test server (test/support/nacos-proxy.ts).
  process.env.NACOS_PROXY_TARGET = `http://${target.serverAddr}`;
  project.provide('nacos', target);
  // Browsers cannot open gRPC: they reach the server's pushes through a bridge, on another origin.
  // Every project gets one (it connects to nothing until a client listens), so no project name is relied on.
  const bridge = await startBridge(target);
  project.provide('bridge', { url: bridge.url, token: BRIDGE_TOKEN });
  return async () => {
    await bridge.stop();
    // Servers that were already running (npm test, npm run nacos:start) are left alone.
    for (const profile of started) await stopServer(profile);
    if (restartableBefore === undefined) await stopServer(restartable);
  };
}
