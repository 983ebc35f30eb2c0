import * as z from 'zod/mini';
import { afterEach, describe, expect, it } from 'vitest';
import { isNacosError, NacosConfigReader, createClientConfig, type NacosConfigService } from '../../src/index.js';
import { properties } from '../../src/properties.js';
import { yaml } from '../../src/yaml.js';
import { plainConfigService, plainOptions, recordingLogger, uniqueId, waitFor } from './helpers.js';

const services: (NacosConfigService | NacosConfigReader)[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.shutdown()));
});

const AppConfig = z.object({ port: z.number(), features: z.array(z.string()) });

describe('typed configs against the real server', () => {
  it('reads json, yaml and properties into validated values', async () => {
    const config = await plainConfigService({ parsers: [yaml, properties] });
    services.push(config);
    const id = uniqueId('typed');
    await config.publishConfig({ dataId: `${id}.json`, content: '{"port":8080,"features":["a"]}', type: 'json' });
    await config.publishConfig({ dataId: `${id}.yaml`, content: 'port: 9090\nfeatures:\n  - b\n  - c\n', type: 'yaml' });
    await config.publishConfig({ dataId: `${id}.properties`, content: 'port=7070\nname=edge', type: 'properties' });
    const fromJson = await config.getConfig({ dataId: `${id}.json`, schema: AppConfig });
    const port: number = fromJson.port;
    expect(port).toBe(8080);
    expect(await config.getConfig({ dataId: `${id}.yaml`, schema: AppConfig })).toEqual({ port: 9090, features: ['b', 'c'] });
    expect(await config.getConfig({ dataId: `${id}.properties`, format: 'properties' })).toEqual({ port: '7070', name: 'edge' });
    const invalid = await config.getConfig({ dataId: `${id}.properties`, schema: AppConfig }).catch((e: unknown) => e);
    expect(isNacosError(invalid, 'INVALID_CONTENT')).toBe(true);
    const missing = await config.getConfig({ dataId: `${id}-missing.json`, schema: AppConfig }).catch((e: unknown) => e);
    expect(isNacosError(missing, 'NOT_FOUND')).toBe(true);
  });

  it('a reader without the YAML parser reads JSON, and a YAML config by its type only once the parser is handed in', async () => {
    const config = await plainConfigService();
    services.push(config);
    const id = uniqueId('typed-reader');
    await config.publishConfig({ dataId: `${id}.json`, content: '{"port":8080,"features":["a"]}', type: 'json' });
    await config.publishConfig({ dataId: `${id}.conf`, content: 'port: 9090\nfeatures: [b]\n', type: 'yaml' });
    const reader = await NacosConfigReader.createConfigReader(createClientConfig(plainOptions()));
    services.push(reader);
    await waitFor(async () => (await reader.getConfig({ dataId: `${id}.conf` })) !== '', { what: 'the yaml config to be readable' });
    expect(await reader.getConfig({ dataId: `${id}.json`, schema: AppConfig })).toEqual({ port: 8080, features: ['a'] });
    // The server says the type is yaml (the dataId does not): known only after the read, so the read fails then.
    const unsupported = await reader.getConfig({ dataId: `${id}.conf`, schema: AppConfig }).catch((e: unknown) => e);
    expect(isNacosError(unsupported, 'UNSUPPORTED')).toBe(true);
    expect((unsupported as Error).message).toContain("'nacos-edge/yaml'");
    const withYaml = await NacosConfigReader.createConfigReader(createClientConfig(plainOptions({ parsers: [yaml] })));
    services.push(withYaml);
    expect(await withYaml.getConfig({ dataId: `${id}.conf`, schema: AppConfig })).toEqual({ port: 9090, features: ['b'] });
  });

  it('watch() skips an invalid push and keeps the last valid value', async () => {
    const { logger, lines } = recordingLogger();
    const config = await plainConfigService({ logger, logLevel: 'warn' });
    services.push(config);
    const dataId = `${uniqueId('typed-watch')}.json`;
    await config.publishConfig({ dataId, content: '{"port":1,"features":[]}' });
    const raw: string[] = [];
    await config.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => {
      raw.push(content);
    });
    const controller = new AbortController();
    const values: unknown[] = [];
    for await (const change of config.watch({ dataId, schema: AppConfig, signal: controller.signal })) {
      values.push(change.value);
      if (change.value?.port === 1) {
        const bad = '{"port":"not a number"}';
        await config.publishConfig({ dataId, content: bad });
        // The client has received the bad push (a plain listener saw it) before the good one is published.
        await waitFor(() => raw.includes(bad), { what: 'the bad push to arrive' });
        await config.publishConfig({ dataId, content: '{"port":2,"features":["x"]}' });
      }
      if (change.value?.port === 2) controller.abort();
    }
    expect(values).toEqual([
      { port: 1, features: [] },
      { port: 2, features: ['x'] },
    ]);
    expect(lines.filter((l) => /ignoring an invalid change/.test(l))).toHaveLength(1);
  });
});
