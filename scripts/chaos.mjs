#!/usr/bin/env node
// `npm run chaos`: the fault suite (test/chaos) against an official 2.5.1 cluster, then an official 3.0.3 cluster (the
// 3.2 surface), each of three members on loopback with auth on and 8 s tokens; then its counts as a table in
// bench/results/reliability.md. `--bases v2-auth` runs one cluster only; `--json FILE` writes vitest's JSON report of
// each run to FILE-BASE.json instead of writing the table (npm test and .ci/run use it for their totals); `--ci` runs
// the CI subset.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, '.nacos', 'chaos', 'results.jsonl');
const out = join(root, 'bench', 'results', 'reliability.md');
const flag = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const bases = (flag('bases') ?? 'v2-auth,v3-auth').split(',');
const json = flag('json');
// --ci: the subset npm test runs (≤ 10 min with both cluster starts): every polled scenario on 2.5.1 and, over gRPC push,
// a cut and a silent member and the outage (CHAOS_CI); on 3.x the faults of the member a watcher talks to (md5
// polling); the member kills, leader change, outages, load and the other push scenarios run in full only.
const ci = process.argv.includes('--ci');

rmSync(results, { force: true });
const started = Date.now();
const runs = [];
for (const base of bases) {
  // VITEST_JSON_OUTPUT is npm test's report of the other suites: this run must not write over it.
  const { VITEST_JSON_OUTPUT: _, ...inherited } = process.env;
  const env = { ...inherited, NACOS_CHAOS: '1', NACOS_CHAOS_BASE: base, CHAOS_RESULTS: results, ...(ci ? { CHAOS_CI: '1' } : {}) };
  const args = ['vitest', 'run', '--project', 'chaos', ...(ci && base === 'v3-auth' ? ['test/chaos/config-faults.test.ts'] : [])];
  if (json) args.push('--reporter=default', '--reporter=json', `--outputFile.json=${json}-${base}.json`);
  const run = spawnSync('npx', args, { cwd: root, stdio: 'inherit', env });
  runs.push({ base, status: run.status ?? 1 });
}
const seconds = Math.round((Date.now() - started) / 1000);

const rows = existsSync(results) ? readFileSync(results, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [];
const yes = (b) => (b ? 'yes' : '**no**');
const ms = (n) => (n < 0 ? '—' : `${n} ms`);
let md = `# Reliability, measured\n\n`;
md += `\`npm run chaos\` on ${new Date().toISOString().slice(0, 10)}: the fault suite (\`test/chaos\`) against three official Nacos servers in cluster mode on loopback `;
md += `(embedded storage replicated by raft; auth on, tokens living 8 s), each member behind a fault-injecting proxy (\`test/support/fault-proxy.ts\`); `;
md += `${rows.length} scenarios in ${seconds} s (${runs.map((r) => `${r.base}: vitest exit code ${r.status}`).join(', ')}).\n\n`;
md += `Config rows: a writer publishes a numbered version every 500 ms straight to the second member while a watcher behind the proxies (the first member preferred; `;
md += `2 s request timeout; on 2.x a 10 s long-poll hold, on 3.x md5 polling every 1 s) listens. Naming rows: a registrant behind the proxies keeps one instance alive `;
md += `by heartbeats while a subscriber straight to the third member follows the service.\n\n`;
md += `- **superseded**: versions the listener never got because a newer one came first (listeners get the latest content; nothing is lost while the last version arrives)\n`;
md += `- **foreign**: deliveries of content nobody published (a faulty member's answer taken for the config)\n`;
md += `- **max staleness**: the longest a published version waited until the listener had it or a newer one\n`;
md += `- **recovery**: config, from the last publish to its delivery; naming, from the end of the fault until the instance is listed healthy again\n`;
md += `- **attempts/s**: requests (connections, for resets) that reached the faulty members while the fault lasted\n`;
md += `- **logins**: logins of the client under test through the proxies (one more each time a token is due for renewal)\n`;
md += `- **timers left**: timers of the scenario's clients still alive after \`shutdown()\`\n\n`;
md += `| server | scenario | client | fault | published | delivered | superseded | duplicated | out of order | foreign | last delivered | max staleness | recovery | attempts/s | logins | timers left | unhandled rejections | notes |\n`;
md += `|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n`;
for (const r of rows) {
  md += `| ${r.server} | ${r.scenario} | ${r.client} | ${r.fault} | ${r.published} | ${r.delivered} | ${r.superseded} | ${r.duplicated} | ${r.outOfOrder} | ${r.foreign ?? 0} | ${yes(r.lastDelivered)} | ${ms(r.maxStalenessMs)} | ${ms(r.recoveryMs)} | ${r.faultyRequestsPerSecond} | ${r.logins} | ${r.timersLeft} | ${r.unhandledRejections} | ${r.note ?? ''} |\n`;
}
// npm test (with --json) reports through vitest only; the committed table is what `npm run chaos` measured.
if (json) {
  console.log(`[chaos] ${rows.length} scenarios in ${seconds} s`);
} else {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, md);
  console.log(`[chaos] ${rows.length} scenarios in ${seconds} s; table in ${out}`);
}
process.exitCode = runs.every((r) => r.status === 0) ? 0 : 1;
