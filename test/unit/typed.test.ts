import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { parseContent, parseProperties, resolveFormat, validateWith } from '../../src/config/typed.js';
import { isNacosError } from '../../src/errors.js';

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
    expect(await validateWith(Schema, await parseContent('port: 8080\nname: edge\n', 'yaml', 't'), 't')).toEqual({ port: 8080, name: 'edge' });
    expect(await validateWith(Schema, await parseContent('{"port":1,"name":"x"}', 'json', 't'), 't')).toEqual({ port: 1, name: 'x' });
  });
  it('reports bad syntax and schema mismatches as INVALID_CONTENT with issues', async () => {
    const syntax = await parseContent('{oops', 'json', 't').catch((e: unknown) => e);
    expect(isNacosError(syntax, 'INVALID_CONTENT')).toBe(true);
    const mismatch = await validateWith(Schema, { port: 'x', name: 'y' }, 't').catch((e: unknown) => e);
    expect(isNacosError(mismatch, 'INVALID_CONTENT')).toBe(true);
    expect((mismatch as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['port']);
  });
});
