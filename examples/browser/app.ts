// The page: watches the configs and services named in the query string
// (?configs=a.json,b.properties&services=orders) through the page's same-origin proxy to Nacos.
import { createClientConfig, NacosConfigService, NacosNamingService, type Instance } from 'nacos-edge';
import { bridgePush } from 'nacos-edge/grpc-web';
import { createStorage } from 'nacos-edge/storage/indexeddb';

const params = new URLSearchParams(location.search);
const list = (name: string) => (params.get(name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const status = document.getElementById('status') as HTMLElement;

// Same origin: the server that served this page forwards /nacos/* to Nacos. Snapshots go to IndexedDB,
// so the page still shows the last known configs when Nacos is down. Changes are pushed through the bridge the same
// server mounts at /push, with the token it handed this page (an app hands it out after its own login): the page
// never holds a Nacos credential. Without a bridge the client polls.
const bridgeToken = document.querySelector<HTMLMetaElement>('meta[name="bridge-token"]')?.content;
const push = bridgeToken ? bridgePush({ url: `${location.origin}/push`, token: bridgeToken }) : undefined;
const clientConfig = createClientConfig({ serverAddresses: location.origin, storage: createStorage({ name: 'browser-example' }), logLevel: 'warn', ...(push ? { push } : {}) });
const config = await NacosConfigService.createConfigService(clientConfig);
const naming = await NacosNamingService.createNamingService(clientConfig);

function section(parent: string, title: string): HTMLElement {
  const el = document.createElement('section');
  const h = document.createElement('h2');
  h.textContent = title;
  el.append(h);
  document.getElementById(parent)?.append(el);
  return el;
}

for (const dataId of list('configs')) {
  const el = section('configs', `config ${dataId}`);
  const pre = document.createElement('pre');
  pre.dataset['config'] = dataId;
  pre.textContent = '…';
  const when = document.createElement('div');
  when.className = 'muted';
  el.append(pre, when);
  void (async () => {
    for await (const change of config.watch({ dataId })) {
      pre.textContent = change.content === '' ? '(not found)' : change.content;
      when.textContent = `${change.source} at ${new Date().toLocaleTimeString()} · md5 ${change.md5 || '—'}`;
    }
  })();
}

for (const serviceName of list('services')) {
  const el = section('services', `service ${serviceName}`);
  const table = document.createElement('table');
  table.dataset['service'] = serviceName;
  el.append(table);
  const render = (instances: Instance[]) => {
    table.innerHTML = '<tr><th>address</th><th>weight</th><th>health</th><th>metadata</th></tr>';
    for (const i of instances) {
      const row = table.insertRow();
      row.insertCell().textContent = `${i.ip}:${i.port}`;
      row.insertCell().textContent = String(i.weight);
      const health = row.insertCell();
      health.textContent = i.healthy ? 'healthy' : 'unhealthy';
      if (!i.healthy) health.className = 'unhealthy';
      row.insertCell().textContent = JSON.stringify(i.metadata);
    }
  };
  render([]);
  await naming.subscribe({ serviceName, subscribeCallback: render, intervalMs: 1000, allowEmptyPush: true });
}

status.textContent = `connected to ${location.origin}/nacos (same-origin proxy)${push ? '; changes pushed through the bridge at /push' : '; changes polled'}`;
