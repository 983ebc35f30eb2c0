// The floor: what no client can beat. A raw keep-alive fetch of the same endpoint, and a raw long-poll loop.
import { createHash } from 'node:crypto';
import { args, latencyOf, report, throughput } from './common.mjs';

const base = `http://${args.server}/nacos/v1/cs/configs`;
const md5 = (s) => createHash('md5').update(s, 'utf8').digest('hex');

if (args.scenario === 'getconfig') {
  const url = `${base}?dataId=${encodeURIComponent(args.dataId)}&group=DEFAULT_GROUP`;
  await (await fetch(url)).text();
  report(await throughput(async () => (await fetch(url)).text(), Number(args.concurrency), Number(args.durationMs)));
} else if (args.scenario === 'notify') {
  const url = `${base}?dataId=${encodeURIComponent(args.dataId)}&group=DEFAULT_GROUP`;
  let content = await (await fetch(url)).text();
  const latencies = [];
  process.stdout.write('READY\n');
  while (latencies.length < Number(args.changes)) {
    const res = await fetch(`${base}/listener`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Long-Pulling-Timeout': '30000' },
      body: new URLSearchParams({ 'Listening-Configs': `${args.dataId}\x02DEFAULT_GROUP\x02${md5(content)}\x01` }),
    });
    if ((await res.text()).trim() === '') continue;
    content = await (await fetch(url)).text();
    const l = latencyOf(content);
    if (l) latencies.push(l.ms);
  }
  report({ latencies });
} else if (args.scenario === 'coldstart') {
  await (await fetch(`${base}?dataId=${encodeURIComponent(args.dataId)}&group=DEFAULT_GROUP`)).text();
  report({ ok: true });
}
