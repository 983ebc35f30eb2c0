/**
 * `nacos-edge/yaml`: the YAML parser for typed reads (the `yaml` package). JSON and properties are built in; YAML
 * is ~34 kB gzip, so it ships only with apps that import it.
 *
 * @example
 * import { ClientConfigBuilder, NacosConfigService } from 'nacos-edge';
 * import { yaml } from 'nacos-edge/yaml';
 * const config = await NacosConfigService.createConfigService(new ClientConfigBuilder().serverAddress('127.0.0.1:8848').parsers(yaml).build());
 * const settings = await config.getConfig({ dataId: 'app.yaml', schema: AppSettings });
 *
 * @module
 */
import { parse } from 'yaml';
import type { ConfigParser } from './config/typed.js';

export type { ConfigParser } from './config/typed.js';

/** Parses YAML 1.2 (the `yaml` package's `parse`). */
export const yaml: ConfigParser = { format: 'yaml', parse: (text) => parse(text) as unknown };
