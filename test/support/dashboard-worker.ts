// A wrangler.toml for the dashboard Worker (examples/dashboard/worker) written to a temp folder, so tests can point its
// static assets at a fresh build of the page and leave the example's own config (assets in examples/dashboard/dist)
// alone. The Worker's source is the example's; `nacos-edge/dashboard` resolves to the built package (dist/), as a
// user's wrangler would resolve the installed one.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Writes the config; resolves its path. `assets` is the folder of a built dashboard. */
export function dashboardWorkerConfig({ assets, nacosUrl = 'http://127.0.0.1:8848' }: { assets: string; nacosUrl?: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'nacos-edge-dashboard-worker-'));
  const file = join(dir, 'wrangler.toml');
  writeFileSync(
    file,
    [
      'name = "nacos-edge-dashboard"',
      `main = ${JSON.stringify(resolve('examples/dashboard/worker/src/index.ts'))}`,
      'compatibility_date = "2026-04-26"',
      'send_metrics = false',
      '',
      '[vars]',
      `NACOS_URL = ${JSON.stringify(nacosUrl)}`,
      '',
      '[assets]',
      `directory = ${JSON.stringify(assets)}`,
      'binding = "ASSETS"',
      'not_found_handling = "single-page-application"',
      'run_worker_first = true',
      '',
    ].join('\n'),
  );
  return file;
}
