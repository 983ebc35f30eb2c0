import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { parseContent, resolveFormat, validateWith } from '../../src/config/typed.js';
import { parseProperties, properties } from '../../src/properties.js';
import { isNacosError } from '../../src/errors.js';
import { ClientConfigBuilder, NacosConfigReader, NacosConfigService } from '../../src/index.js';
import { yaml } from '../../src/yaml.js';

describe('parseProperties', () => {
  it('handles separators, comments, continuations and escapes', () => {
    const text = ['# comment', '! also a comment', 'a=1', 'b : two', 'c three', '  d=  spaced  ', 'long=one \\', '   two', 'esc=tab\\there\\u00e9', 'key\\ with\\ space=v', 'empty=', 'colon\\:key=x'].join('\n');
    expect(parseProperties(text)).toEqual({
      a: '1',
      b: 'two',
      c: 'three',
      d: 'spaced  ',
      long: 'one two',
      esc: 'tab\there\u00e9',
      'key with space': 'v',
      empty: '',
      'colon:key': 'x',
    });
  });
  it('keeps a value that ends in an escaped backslash on one line', () => {
    expect(parseProperties('path=c:\\\\\nnext=1')).toEqual({ path: 'c:\\', next: '1' });
  });
});

describe('resolveFormat', () => {
  it('prefers the explicit format, then the server type, then the extension', () => {
    expect(resolveFormat('yaml', 'json', 'a.properties')).toBe('yaml');
    expect(resolveFormat(undefined, 'json', 'a.properties')).toBe('json');
    expect(resolveFormat(undefined, undefined, 'a.yml')).toBe('yaml');
    expect(resolveFormat(undefined, 'text', 'a.properties')).toBe('properties');
    expect(resolveFormat(undefined, undefined, 'a')).toBe('text');
  });
});

describe('parse and validate', () => {
  const Schema = z.object({ port: z.number(), name: z.string() });
  it('parses yaml and json and validates with a zod schema', async () => {
    expect(await validateWith(Schema, parseContent('port: 8080\nname: edge\n', 'yaml', 't', [yaml]), 't')).toEqual({ port: 8080, name: 'edge' });
    expect(await validateWith(Schema, parseContent('{"port":1,"name":"x"}', 'json', 't', []), 't')).toEqual({ port: 1, name: 'x' });
  });
  it('reports bad syntax and schema mismatches as INVALID_CONTENT with issues', async () => {
    const syntax = (() => {
      try {
        return parseContent('{oops', 'json', 't', []);
      } catch (error) {
        return error;
      }
    })();
    expect(isNacosError(syntax, 'INVALID_CONTENT')).toBe(true);
    const mismatch = await validateWith(Schema, { port: 'x', name: 'y' }, 't').catch((e: unknown) => e);
    expect(isNacosError(mismatch, 'INVALID_CONTENT')).toBe(true);
    expect((mismatch as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['port']);
  });
});

describe('parsers handed in', () => {
  it('a properties key named __proto__ is a key like any other', () => {
    const parsed = parseProperties('__proto__=x\nconstructor=y');
    expect(Object.keys(parsed)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
  });

  it('properties come from their parser', () => {
    expect(parseContent('a=1', 'properties', 't', [properties])).toEqual({ a: '1' });
    expect(() => parseContent('a=1', 'properties', 't', [])).toThrow("import { properties } from 'nacos-edge/properties'");
  });

  it('YAML without its parser is UNSUPPORTED and says what to import', () => {
    let error: unknown;
    try {
      parseContent('a: 1', 'yaml', 'getConfig DEFAULT_GROUP/app.yaml', []);
    } catch (e) {
      error = e;
    }
    expect(isNacosError(error, 'UNSUPPORTED')).toBe(true);
    expect((error as Error).message).toContain("import { yaml } from 'nacos-edge/yaml'");
    expect((error as Error).message).toContain('ClientConfigBuilder.parsers(yaml)');
  });

  it('a parser handed in replaces a built-in one', () => {
    const upper = { format: 'json' as const, parse: (text: string) => text.toUpperCase() };
    expect(parseContent('{"a":1}', 'json', 't', [upper])).toBe('{"A":1}');
  });

  it('a YAML read or watch without the parser fails before any request', async () => {
    let requests = 0;
    const build = () =>
      new ClientConfigBuilder()
        .serverAddress('127.0.0.1:1')
        .logLevel('silent')
        .fetch(async () => {
          requests++;
          return new Response('x');
        });
    const reader = await NacosConfigReader.createConfigReader(build().build());
    const service = await NacosConfigService.createConfigService(build().build());
    for (const call of [() => reader.getConfig({ dataId: 'app.yaml', format: 'yaml' }), () => service.watch({ dataId: 'app.yaml', format: 'yaml' }).next()]) {
      const error = await call().catch((e: unknown) => e);
      expect(isNacosError(error, 'UNSUPPORTED')).toBe(true);
    }
    expect(requests).toBe(0);
    await reader.shutdown();
    await service.shutdown();
  });

  it('the builder refuses something that is not a parser', () => {
    expect(() => new ClientConfigBuilder().serverAddress('127.0.0.1').parsers({ format: 'yaml' } as never).build()).toThrow(/parsers/);
  });
});
