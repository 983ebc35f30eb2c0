// Interop with the seed: nacos-sdk-python v2 (2.0.11) with KMS enabled and nacos-edge's nacos-edge/kms, pointed at
// the same KMS stand-in (which checks both clients' signatures) and the same official server. A config encrypted by
// one must read in clear in the other, both ways, for each of the seed's three formats, and listeners too.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePythonSdk } from '../../scripts/python-sdk.mjs';
import { createClientConfig, NacosConfigService } from '../../src/index.js';
import { kmsEncryption } from '../../src/kms.js';
import { startKmsStandin } from '../support/kms-standin.js';
import { nacos, plainOptions, uniqueId, waitFor } from './helpers.js';

let python = '';
let kms: Awaited<ReturnType<typeof startKmsStandin>>;
let edge: NacosConfigService;
beforeAll(async () => {
  python = ensurePythonSdk();
  kms = await startKmsStandin();
  edge = await NacosConfigService.createConfigService(
    createClientConfig(plainOptions({ configFilters: [kmsEncryption({ endpoint: kms.url, accessKey: kms.accessKey, secretKey: kms.secretKey })] })),
  );
}, 180_000);
afterAll(async () => {
  await edge?.shutdown();
  await kms?.close();
});

interface Step {
  op: 'publish' | 'get' | 'listen' | 'await';
  dataId: string;
  content?: string;
  expect?: string;
}
interface Outcome {
  op: string;
  dataId: string;
  ok: boolean;
  content?: string | string[];
  error?: string;
}

/** Runs the seed with `steps`; `onLine` sees each step's outcome as it comes (to act between steps). */
function seed(steps: Step[], onLine: (o: Outcome) => void | Promise<void> = () => {}): Promise<Outcome[]> {
  const spec = {
    server: nacos().serverAddr,
    kms: kms.url,
    accessKey: kms.accessKey,
    secretKey: kms.secretKey,
    dir: mkdtempSync(join(tmpdir(), 'nacos-edge-seed-')),
    steps,
  };
  const child = spawn(python, [resolve('test/interop/kms_interop.py'), JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const outcomes: Outcome[] = [];
  const lines = createInterface({ input: child.stdout });
  let chain = Promise.resolve();
  lines.on('line', (line) => {
    const outcome = JSON.parse(line) as Outcome;
    outcomes.push(outcome);
    chain = chain.then(() => onLine(outcome));
  });
  return new Promise((done, fail) =>
    child.on('exit', (code) => {
      void chain.then(() => (code === 0 ? done(outcomes) : fail(new Error(`the seed exited ${code}: ${stderr.slice(-2000)}`))), fail);
    }),
  );
}

const FORMATS = ['cipher-kms-aes-128-', 'cipher-kms-aes-256-', 'cipher-'] as const;

describe(`KMS interop with nacos-sdk-python v2 on ${nacos().version}`, () => {
  it('what nacos-edge encrypts, the seed reads in clear (each format)', async () => {
    const configs = FORMATS.map((prefix) => ({ dataId: uniqueId(`${prefix}edge`), content: `from=nacos-edge\n${prefix}=中文 ✓` }));
    for (const c of configs) await edge.publishConfig({ dataId: c.dataId, content: c.content });
    const outcomes = await seed(configs.map((c) => ({ op: 'get', dataId: c.dataId, expect: c.content })));
    expect(outcomes.map((o) => [o.dataId, o.ok, o.content ?? o.error])).toEqual(configs.map((c) => [c.dataId, true, c.content]));
  }, 90_000);

  it('what the seed encrypts, nacos-edge reads in clear (each format)', async () => {
    const configs = FORMATS.map((prefix) => ({ dataId: uniqueId(`${prefix}seed`), content: `from=python\n${prefix}=naïve` }));
    const outcomes = await seed(configs.map((c) => ({ op: 'publish', dataId: c.dataId, content: c.content })));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    for (const c of configs) await waitFor(async () => (await edge.getConfig({ dataId: c.dataId })) === c.content, { what: `${c.dataId} in clear` });
  }, 90_000);

  it('listeners on each side hear the other side’s encrypted changes in clear', async () => {
    const dataId = uniqueId('cipher-kms-aes-256-listen');
    await edge.publishConfig({ dataId, content: 'v=1' });
    const heard: string[] = [];
    await edge.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void heard.push(content));
    // The seed listens, then publishes v=2 (nacos-edge's listener hears it); nacos-edge publishes v=3 (the seed's hears it).
    const outcomes = await seed(
      [
        { op: 'get', dataId, expect: 'v=1' },
        { op: 'listen', dataId },
        { op: 'publish', dataId, content: 'v=2' },
        { op: 'await', dataId, expect: 'v=3' },
      ],
      async (o) => {
        if (o.op === 'publish') {
          await waitFor(() => heard.includes('v=2'), { what: 'nacos-edge hearing the seed’s v=2' });
          await edge.publishConfig({ dataId, content: 'v=3' });
        }
      },
    );
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, true]);
    await waitFor(() => heard.includes('v=3'), { what: 'nacos-edge hearing its own v=3' });
    expect(heard).toEqual(['v=1', 'v=2', 'v=3']);
  }, 90_000);

  it('the stand-in verified requests of both clients, and refused none', () => {
    const agents = new Set(kms.calls.map((c) => (c.userAgent.startsWith('AlibabaCloud') ? 'seed' : 'nacos-edge')));
    expect([...agents].sort()).toEqual(['nacos-edge', 'seed']);
    expect(new Set(kms.calls.map((c) => c.action))).toEqual(new Set(['GenerateDataKey', 'Encrypt', 'Decrypt']));
    expect(kms.refused).toEqual([]);
    // The seed sends its parameters in the query (as the Alibaba Cloud SDK does), nacos-edge in the signed body.
    expect(new Set(kms.calls.map((c) => `${c.userAgent.startsWith('AlibabaCloud') ? 'seed' : 'nacos-edge'} ${c.inQuery ? 'query' : 'body'}`))).toEqual(new Set(['seed query', 'nacos-edge body']));
  });
});
