// The floor: what no client can beat. A raw keep-alive fetch of the same endpoint, a raw long-poll loop,
// and for naming a raw instance-list read, polled back to back for subscriptions.
import { createHash } from 'node:crypto';
import { args, latencyOf, now, report, throughput } from './common.mjs';

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
  for (let last = 0; last < Number(args.changes); ) {
    const res = await fetch(`${base}/listener`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Long-Pulling-Timeout': '30000' },
      body: new URLSearchParams({ 'Listening-Configs': `${args.dataId}\x02DEFAULT_GROUP\x02${md5(content)}\x01` }),
    });
    if ((await res.text()).trim() === '') continue;
    content = await (await fetch(url)).text();
    const l = latencyOf(content);
    if (!l || l.seq === 0) continue;
    latencies.push(l.ms);
    last = l.seq;
  }
  report({ latencies });
} else if (args.scenario === 'coldstart') {
  await (await fetch(`${base}?dataId=${encodeURIComponent(args.dataId)}&group=DEFAULT_GROUP`)).text();
  report({ ok: true });
} else if (args.scenario === 'listinstances') {
  const url = `http://${args.server}/nacos/v1/ns/instance/list?serviceName=${encodeURIComponent(args.serviceName)}&healthyOnly=false`;
  let instances = JSON.parse(await (await fetch(url)).text()).hosts.length;
  const result = await throughput(async () => (instances = JSON.parse(await (await fetch(url)).text()).hosts.length), Number(args.concurrency), Number(args.durationMs));
  report({ ...result, instances });
} else if (args.scenario === 'subscribe') {
  const url = `http://${args.server}/nacos/v1/ns/instance/list?serviceName=${encodeURIComponent(args.serviceName)}&healthyOnly=false`;
  const latencies = [];
  const seen = new Set();
  process.stdout.write('READY\n');
  while (latencies.length < Number(args.changes)) {
    const { hosts } = JSON.parse(await (await fetch(url)).text());
    const at = now();
    for (const { metadata } of hosts) {
      if (!metadata?.seq || seen.has(metadata.seq)) continue;
      seen.add(metadata.seq);
      latencies.push(at - Number(metadata.t));
    }
  }
  report({ latencies });
}
