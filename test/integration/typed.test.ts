import * as z from 'zod/mini';
import { afterEach, describe, expect, it } from 'vitest';
import { isNacosError, type NacosConfigService } from '../../src/index.js';
import { plainConfigService, recordingLogger, uniqueId, waitFor } from './helpers.js';

const services: NacosConfigService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.shutdown()));
});

const AppConfig = z.object({ port: z.number(), features: z.array(z.string()) });

describe('typed configs against the real server', () => {
  it('reads json, yaml and properties into validated values', async () => {
    const config = await plainConfigService();
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
