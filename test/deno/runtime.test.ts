// Deno: `deno test --allow-net=127.0.0.1 --allow-env=NACOS_SERVER_ADDR,NACOS_TLS_ADDR,…` (see scripts/test-runtimes.mjs) in the packed-package fixture.
import { runtimeSuite, tlsTargetFrom } from './suite.ts';

declare const Deno: { test(name: string, fn: () => Promise<void>): void; env: { get(name: string): string | undefined } };

const serverAddr = Deno.env.get('NACOS_SERVER_ADDR');
if (!serverAddr) throw new Error('NACOS_SERVER_ADDR is not set');
runtimeSuite((name, fn) => Deno.test(name, fn), serverAddr, 'deno', tlsTargetFrom((name) => Deno.env.get(name)));
