// Renders bench/results/latest.json into latest.md and chart.svg. `npm run bench` calls it after a run;
// `node bench/render.mjs` re-renders the committed results (after a change to the tables) without re-measuring.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Writes latest.md and chart.svg for `results`; returns the markdown. */
export function render(results) {
  const { WARMUP_MS } = results.settings;
  // A scenario measured again in a partial run (BENCH_SCENARIOS) has the settings of that run.
  const settingsOf = (scenario) => results.measured?.[scenario]?.settings ?? results.settings;
  const { CHANGES } = settingsOf('publish → listener');
  const { SUB_CHANGES, SUB_GAP_MS } = settingsOf('register → subscription callback');
  const { HB_WINDOW_MS } = settingsOf(`${results.settings.HB_INSTANCES} ephemeral instances`);
  const ROUNDS = results.rounds;
  const ALL = Object.keys(results.scenarios['getConfig c=1']);
  const fmt = (x, digits = 1) => (x === undefined || Number.isNaN(x) ? '–' : Number(x).toFixed(digits));
  const label = (name) => results.labels?.[name] ?? name;
  /** Rows of a throughput table (ops/s, spread, latency, ratios to the floor and to nacos-edge), then a blank line. */
  const throughputRows = (s) =>
    Object.entries(s)
      .map(([name, r]) => `| ${label(name)} | ${fmt(r.opsPerSec, 0)} | ${fmt(r.spread[0], 0)}–${fmt(r.spread[1], 0)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.opsPerSec / s.floor.opsPerSec, 2)} | ${fmt(r.opsPerSec / s.edge.opsPerSec, 2)} |\n`)
      .join('') + '\n';
  let md = `# Benchmarks\n\n${results.date}, ${results.server}, Node ${results.node}, ${ROUNDS} alternating rounds (median; spread = min–max of the rounds); throughput after a ${WARMUP_MS} ms warm-up for every contender.\nRatios are the ones that matter; the machines are shared and noisy.\n${results.measured ? `Measured again since: ${[...new Set(Object.values(results.measured).map((m) => m.date))].map((d) => `${Object.entries(results.measured).filter(([, m]) => m.date === d).map(([k]) => k).join(', ')} on ${d}`).join('; ')}.\n` : ''}\n`;
  for (const c of [1, 32]) {
    const s = results.scenarios[`getConfig c=${c}`];
    md += `## getConfig, concurrency ${c}\n\n| contender | ops/s | spread | p50 ms | p99 ms | × floor | × nacos-edge |\n|---|---|---|---|---|---|---|\n`;
    md += throughputRows(s);
  }
  {
    const s = results.scenarios['publish → listener'];
    md += `## publish → listener callback (${CHANGES} changes per run, 20 ms apart)\n\nDelivered: changes seen (median of the runs); close changes may reach a client as one callback with the newest content.\n\n| contender | p50 ms | p99 ms | p50 spread | delivered | × floor (p50) | × nacos-edge (p50) |\n|---|---|---|---|---|---|---|\n`;
    for (const [name, r] of Object.entries(s)) {
      md += r.note
        ? `| ${label(name)} | ${r.note} | | | | | |\n`
        : `| ${label(name)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.spreadP50[0], 2)}–${fmt(r.spreadP50[1], 2)} | ${r.delivered} | ${fmt(r.p50 / s.floor.p50, 2)} | ${fmt(r.p50 / s.edge.p50, 2)} |\n`;
    }
    md += '\n';
  }
  for (const [key, s] of Object.entries(results.scenarios).filter(([k]) => k.startsWith('publish → listener ('))) {
    // The same round on the 3.2 surface: no floor or npm nacos there (they speak v1 only).
    const { CHANGES: changes } = settingsOf(key);
    md += `## ${key.replace('publish → listener', 'publish → listener callback')}, ${changes} changes per run, 20 ms apart\n\nA server of its own (official, v1 client API off) and a bridge in front of it; published through the admin API. The Java SDK's listener gets nothing from 2.5.1, so its config latency is measured here.\n\n| contender | p50 ms | p99 ms | p50 spread | delivered | × nacos-edge (p50) | × Java SDK (p50) |\n|---|---|---|---|---|---|---|\n`;
    for (const [name, r] of Object.entries(s)) {
      md += r.note
        ? `| ${label(name)} | ${r.note} | | | | | |\n`
        : `| ${label(name)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.spreadP50[0], 2)}–${fmt(r.spreadP50[1], 2)} | ${r.delivered} | ${fmt(r.p50 / s.edge.p50, 2)} | ${fmt(r.p50 / s['java-sdk']?.p50, 2)} |\n`;
    }
    md += '\n';
  }
  {
    const [key, s] = Object.entries(results.scenarios).find(([k]) => k.includes('watched keys'));
    md += `## ${key}\n\nSockets: TCP sockets the client holds while idle (keep-alive pool or the gRPC connection).\n\n| contender | long polls held | sockets | extra RSS MB | CPU % of a core |\n|---|---|---|---|---|\n`;
    for (const [name, r] of Object.entries(s)) md += `| ${label(name)} | ${fmt(r.heldPollsAvg, 1)} | ${r.sockets ?? ''} | ${fmt(r.extraRssMb, 1)} | ${fmt(r.cpuPercent, 2)} |\n`;
    md += '\n';
  }
  for (const c of [1, 32]) {
    const s = results.scenarios[`listInstances c=${c}`];
    md += `## listInstances (10 instances), concurrency ${c}\n\n| contender | ops/s | spread | p50 ms | p99 ms | × floor | × nacos-edge |\n|---|---|---|---|---|---|---|\n`;
    md += throughputRows(s);
  }
  {
    const s = results.scenarios['register → subscription callback'];
    md += `## register → another client's subscription callback (${SUB_CHANGES} changes ${SUB_GAP_MS} ms apart)\n\nThe floor polls the list back to back. Python and Java are pushed over gRPC; npm nacos subscribes 1.x-style and Nacos 2.x pushes to it over UDP (r-nacos does not); nacos-edge polls over HTTP, by default at the server's cacheMillis (10 s on this server), or is pushed over gRPC with nacos-edge/grpc.\n\n| contender | p50 ms | p99 ms | p50 spread | delivered | × floor (p50) | × nacos-edge (p50) |\n|---|---|---|---|---|---|---|\n`;
    for (const [name, r] of Object.entries(s)) {
      md += r.note
        ? `| ${label(name)} | ${r.note} | | | | | |\n`
        : `| ${label(name)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.spreadP50[0], 1)}–${fmt(r.spreadP50[1], 1)} | ${r.delivered} | ${fmt(r.p50 / s.floor.p50, 1)} | ${fmt(r.p50 / s.edge.p50, 2)} |\n`;
    }
    md += '\n';
  }
  {
    const [key, s] = Object.entries(results.scenarios).find(([k]) => k.includes('ephemeral instances'));
    md += `## ${key} from one client (one per service), ${HB_WINDOW_MS / 1000} s window\n\nCounted by a relay in front of the server: HTTP requests (beats) and all bytes, HTTP and gRPC.\n\n| contender | HTTP requests/s | KB/s on the wire | client CPU % of a core | register all, ms |\n|---|---|---|---|---|\n`;
    for (const [name, r] of Object.entries(s)) md += `| ${label(name)} | ${fmt(r.requestsPerSec, 1)} | ${fmt(r.kbPerSec, 1)} | ${fmt(r.cpuPercent, 2)} | ${fmt(r.registerMs, 0)} |\n`;
    md += '\n';
  }
  {
    const s = results.scenarios['cold start (process + import + first getConfig)'];
    md += `## cold start: process + import + first getConfig\n\n| contender | ms | spread | × floor | × nacos-edge |\n|---|---|---|---|---|\n`;
    for (const [name, r] of Object.entries(s)) md += `| ${label(name)} | ${fmt(r.ms, 0)} | ${fmt(r.spread[0], 0)}–${fmt(r.spread[1], 0)} | ${fmt(r.ms / s.floor.ms, 2)} | ${fmt(r.ms / s.edge.ms, 2)} |\n`;
    md += '\n';
  }
  {
    const s = results.scenarios['bundle size'];
    md += `## bundle size (esbuild, minified; the entry chunk and its static imports, each gzipped)\n\n| entry | min bytes | gzip bytes | files |\n|---|---|---|---|\n`;
    for (const [name, r] of Object.entries(s)) md += `| ${name} | ${r.minBytes} | ${r.gzipBytes} | ${r.files} |\n`;
    md += '\n';
  }
  writeFileSync(join(here, 'results', 'latest.md'), md);

  // A small bar chart: getConfig ops/s at c=1 and c=32 per contender.
  {
    const names = ALL;
    const series = [1, 32].map((c) => names.map((n) => results.scenarios[`getConfig c=${c}`][n].opsPerSec));
    const max = Math.max(...series.flat());
    const W = 640;
    const rowH = 26;
    const left = 200;
    let y = 40;
    let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${40 + names.length * rowH * 2 + 40}" font-family="system-ui, sans-serif" font-size="12">`;
    svg += `<text x="10" y="20" font-size="14" font-weight="bold">getConfig ops/s (${results.server}; longer is better)</text>`;
    names.forEach((n, i) => {
      [0, 1].forEach((k) => {
        const v = series[k][i];
        const w = ((W - left - 80) * v) / max;
        svg += `<text x="10" y="${y + 14}">${label(n)} ${k === 0 ? 'c=1' : 'c=32'}</text>`;
        svg += `<rect x="${left}" y="${y + 3}" width="${w.toFixed(1)}" height="16" fill="${n === 'edge' ? '#2f80ed' : n === 'floor' ? '#9aa5b1' : '#f2994a'}" opacity="${k === 0 ? 0.7 : 1}"/>`;
        svg += `<text x="${left + w + 6}" y="${y + 15}">${Math.round(v)}</text>`;
        y += rowH;
      });
    });
    svg += '</svg>\n';
    writeFileSync(join(here, 'results', 'chart.svg'), svg);
  }
  return md;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  render(JSON.parse(readFileSync(join(here, 'results', 'latest.json'), 'utf8')));
}
