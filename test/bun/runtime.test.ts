// Bun: `bun test` in the packed-package fixture.
import { test } from 'bun:test';
import { runtimeSuite, tlsTargetFrom } from './suite.ts';

const serverAddr = process.env.NACOS_SERVER_ADDR;
if (!serverAddr) throw new Error('NACOS_SERVER_ADDR is not set');
runtimeSuite((name, fn) => test(name, fn, 30_000), serverAddr, 'bun', tlsTargetFrom((name) => process.env[name]));
