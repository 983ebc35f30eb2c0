// The quickstart `npm start` runs against a local Nacos: publish, read, listen, change, shut down.
import { ClientConfigBuilder, NacosConfigService } from 'nacos-edge';

const serverAddr = globalThis.process?.env.NACOS_SERVER_ADDR ?? '127.0.0.1:8848';
const say = (message: string) => console.log(`  ${message}`);

const clientConfig = new ClientConfigBuilder().serverAddress(serverAddr).logLevel('warn').build();
const config = await NacosConfigService.createConfigService(clientConfig);

const dataId = 'nacos-edge-quickstart.properties';
const group = 'DEFAULT_GROUP';

await config.publishConfig({ dataId, group, content: 'greeting=hello', type: 'properties' });
say(`published ${group}/${dataId}`);
say(`read back: ${JSON.stringify(await config.getConfig({ dataId, group }))}`);

const seen = new Promise<string>((resolve) => {
  void config.addListener(dataId, group, (_tenant, _dataId, _group, content) => {
    say(`listener got: ${JSON.stringify(content)}`);
    if (content === 'greeting=hello, edge') resolve(content);
  });
});

const started = Date.now();
await config.publishConfig({ dataId, group, content: 'greeting=hello, edge', type: 'properties' });
say('changed the config');
await seen;
say(`the change arrived ${Date.now() - started} ms after the publish`);

await config.removeConfig({ dataId, group });
await config.shutdown();
say('shut down cleanly');
