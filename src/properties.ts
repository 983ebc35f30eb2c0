/**
 * `nacos-edge/properties`: the Java `.properties` parser for typed reads (`=`, `:` or whitespace separators, `#`/`!`
 * comments, continuations and escapes). JSON is built in; properties and YAML come by import, so they ship only with
 * apps that read them.
 *
 * @example
 * import { properties } from 'nacos-edge/properties';
 * new ClientConfigBuilder().serverAddress('127.0.0.1:8848').parsers(properties).build();
 *
 * @module
 */
export { properties, parseProperties } from './config/properties.js';
export type { ConfigParser } from './config/typed.js';
