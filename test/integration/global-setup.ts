import type { TestProject } from 'vitest/node';
import { readState, startServer, stopServer } from '../../scripts/nacos-server.mjs';

/** What the integration tests get through `inject('nacos')`. */
export interface NacosTarget {
  /** `host:port` of a server without auth. */
  serverAddr: string;
  /** `host:port` of a server with auth on, and its admin credentials. */
  auth: { serverAddr: string; username: string; password: string; tokenTtlSeconds: number | undefined };
  /** Server flavour and version, e.g. `r-nacos 0.8.8`. */
  version: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    nacos: NacosTarget;
  }
}

export default async function setup(project: TestProject) {
  const started: string[] = [];
  const ensure = async (profile: 'default' | 'auth') => {
    const before = readState(profile);
    const state = await startServer({ profile });
    if (!before || before.pid !== state.pid) started.push(profile);
    return state;
  };

  const external = process.env.NACOS_SERVER_ADDR;
  const externalAuth = process.env.NACOS_AUTH_SERVER_ADDR;
  try {
    const plain = external ? undefined : await ensure('default');
    const auth = externalAuth
      ? { serverAddr: externalAuth, username: process.env.NACOS_USERNAME ?? 'nacos', password: process.env.NACOS_PASSWORD ?? '', tokenTtlSeconds: undefined }
      : await ensure('auth');
    // Browser tests reach Nacos through a same-origin proxy in the test server (test/support/nacos-proxy.ts).
    process.env.NACOS_PROXY_TARGET = `http://${external ?? (plain as { serverAddr: string }).serverAddr}`;
    project.provide('nacos', {
      serverAddr: external ?? (plain as { serverAddr: string }).serverAddr,
      auth: { serverAddr: auth.serverAddr, username: auth.username ?? 'nacos', password: auth.password ?? '', tokenTtlSeconds: auth.tokenTtlSeconds },
      version: plain?.version ?? 'external',
    });
  } catch (error) {
    // A server that cannot start fails the run; it is never a skip.
    for (const profile of started) await stopServer(profile);
    throw error;
  }

  return async () => {
    // Servers that were already running (npm run nacos:start) are left alone.
    for (const profile of started) await stopServer(profile);
  };
}
