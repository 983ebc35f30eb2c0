// npm `nacos` 2.6.x, the existing Node SDK, used the way its README says (NacosConfigClient).
import { createRequire } from 'node:module';
import { args, latencyOf, report, throughput } from './common.mjs';

const require = createRequire(new URL('../.peers/node/', import.meta.url));
const { NacosConfigClient } = require('nacos');
const client = new NacosConfigClient({ serverAddr: args.server, namespace: '' });
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
    if (l) latencies.push(l.ms);
    if (latencies.length >= Number(args.changes)) done();
  });
  await finished;
  report({ latencies });
} else if (args.scenario === 'coldstart') {
  await client.getConfig(args.dataId, 'DEFAULT_GROUP');
  report({ ok: true });
}
client.close();
process.exit(0);
