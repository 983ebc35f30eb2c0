#!/usr/bin/env node
// `npm run chaos`: the fault suite (test/chaos) against an official 2.5.1 cluster on loopback, then its counts as a
// table in bench/results/reliability.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, '.nacos', 'chaos', 'results.jsonl');
const out = join(root, 'bench', 'results', 'reliability.md');

rmSync(results, { force: true });
const started = Date.now();
const run = spawnSync('npx', ['vitest', 'run', '--project', 'chaos'], { cwd: root, stdio: 'inherit', env: { ...process.env, NACOS_CHAOS: '1', CHAOS_RESULTS: results } });
const seconds = Math.round((Date.now() - started) / 1000);

const rows = existsSync(results) ? readFileSync(results, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [];
const yes = (b) => (b ? 'yes' : '**no**');
let md = `# Reliability, measured\n\n`;
md += `\`npm run chaos\` on ${new Date().toISOString().slice(0, 10)}: the fault suite (\`test/chaos\`) against three official Nacos 2.5.1 servers in cluster mode on loopback, `;
md += `each behind a fault-injecting proxy (\`test/support/fault-proxy.ts\`); ${rows.length} scenarios in ${seconds} s, vitest exit code ${run.status}. `;
md += `A writer publishes a numbered version every 500 ms straight to the second member while a watcher behind the proxies (the first member preferred; 2 s request timeout, 10 s long-poll hold) listens.\n\n`;
md += `- **superseded**: versions the listener never got because a newer one came first (listeners get the latest content; nothing is lost while the last version arrives)\n`;
md += `- **max staleness**: the longest a published version waited until the listener had it or a newer one\n`;
md += `- **recovery**: from the last publish to its delivery\n`;
md += `- **attempts/s**: requests (connections, for resets) that reached the faulty members while the fault lasted\n\n`;
md += `| scenario | fault | published | delivered | superseded | duplicated | out of order | last delivered | max staleness | recovery | attempts/s | unhandled rejections | notes |\n`;
md += `|---|---|---|---|---|---|---|---|---|---|---|---|---|\n`;
for (const r of rows) {
  md += `| ${r.scenario} | ${r.fault} | ${r.published} | ${r.delivered} | ${r.superseded} | ${r.duplicated} | ${r.outOfOrder} | ${yes(r.lastDelivered)} | ${r.maxStalenessMs} ms | ${r.recoveryMs} ms | ${r.faultyRequestsPerSecond} | ${r.unhandledRejections} | ${r.note ?? ''} |\n`;
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, md);
console.log(`[chaos] ${rows.length} scenarios; table in ${out}`);
process.exitCode = run.status ?? 1;
