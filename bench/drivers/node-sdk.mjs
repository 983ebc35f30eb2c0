// npm `nacos` 2.6.x, the existing Node SDK, used the way its README says (NacosConfigClient, NacosNamingClient).
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { args, latencyOf, now, report, throughput } from './common.mjs';

const require = createRequire(new URL('../.peers/node/', import.meta.url));
const { NacosConfigClient, NacosNamingClient } = require('nacos');
// The naming client requires a logger; it logs every register and change at info, and concurrent
// subscribe=false reads that land out of order at warn. stdout is ours, errors go to stderr.
const logger = { debug() {}, info() {}, warn() {}, error: console.error };
const naming = ['listinstances', 'subscribe', 'heartbeats'].includes(args.scenario);
const client = naming
  ? new NacosNamingClient({ logger, serverList: args.server, namespace: 'public' })
  : new NacosConfigClient({ serverAddr: args.server, namespace: '' });
await client.ready();

if (args.scenario === 'getconfig') {
  await client.getConfig(args.dataId, 'DEFAULT_GROUP');
  report(await throughput(() => client.getConfig(args.dataId, 'DEFAULT_GROUP'), Number(args.concurrency), Number(args.durationMs)));
} else if (args.scenario === 'notify') {
  const latencies = [];
  let done;
  const finished = new Promise((r) => (done = r));
  let first = true;
  client.subscribe({ dataId: args.dataId, group: 'DEFAULT_GROUP' }, (content) => {
    if (first) {
      first = false;
      process.stdout.write('READY\n');
      return;
    }
    const l = latencyOf(content);
    if (!l || l.seq === 0) return;
    latencies.push(l.ms);
    // Changes closer together than one read may arrive as one callback with the newest content: the last
    // change ends the run, and the orchestrator reports how many were delivered.
    if (l.seq >= Number(args.changes)) done();
  });
  await finished;
  report({ latencies });
} else if (args.scenario === 'coldstart') {
  await client.getConfig(args.dataId, 'DEFAULT_GROUP');
  report({ ok: true });
} else if (args.scenario === 'listinstances') {
  // subscribe=false: a GET /nacos/v1/ns/instance/list per call, not the HostReactor's cache.
  const list = () => client.getAllInstances(args.serviceName, 'DEFAULT_GROUP', '', false);
  let instances = (await list()).length;
  const result = await throughput(async () => (instances = (await list()).length), Number(args.concurrency), Number(args.durationMs));
  report({ ...result, instances });
} else if (args.scenario === 'subscribe') {
  const latencies = [];
  const seen = new Set();
  let done;
  const finished = new Promise((r) => (done = r));
  // subscribe() returns nothing to await and never calls back while the service is empty, so READY follows
  // this subscribing read instead: it hands the server our UDP push port and starts the poll. 'DEFAULT' is
  // the cluster key subscribe() files the service under.
  await client.getAllInstances(args.serviceName, 'DEFAULT_GROUP', 'DEFAULT');
  client.subscribe({ serviceName: args.serviceName, groupName: 'DEFAULT_GROUP' }, (hosts) => {
    for (const { metadata } of hosts) {
      if (!metadata?.seq || seen.has(metadata.seq)) continue;
      seen.add(metadata.seq);
      latencies.push(now() - Number(metadata.t));
    }
    if (latencies.length >= Number(args.changes)) done();
  });
  process.stdout.write('READY\n');
  await finished;
  report({ latencies });
} else if (args.scenario === 'heartbeats') {
  const k = Number(args.instances);
  const t0 = now();
  for (let i = 0; i < k; i++) {
    await client.registerInstance(`${args.serviceName}-${i}`, { ip: `10.77.${Math.floor(i / 250)}.${(i % 250) + 1}`, port: 8080 });
  }
  const registerMs = now() - t0;
  process.stdout.write('READY\n');
  const cpu0 = process.cpuUsage();
  const w0 = now();
  await sleep(Number(args.windowMs));
  const cpu = process.cpuUsage(cpu0);
  report({ cpuPercent: ((cpu.user + cpu.system) / ((now() - w0) * 1000)) * 100, registered: k, registerMs });
}
client.close();
process.exit(0);
