// Java `.properties` parsing, for typed reads of properties configs (`nacos-edge/properties`).
import type { ConfigParser } from './typed.js';

/** Parses Java `.properties` text: `=`, `:` or whitespace separators, `#`/`!` comments, `\` continuations and escapes. */
export function parseProperties(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] ?? '').replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    // An odd number of trailing backslashes continues the logical line.
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + (lines[++i] ?? '').replace(/^[ \t\f]+/, '');
    }
    let k = 0;
    let key = '';
    while (k < line.length) {
      const c = line[k] as string;
      if (c === '\\') {
        key += line.slice(k, k + 2);
        k += 2;
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
      key += c;
      k++;
    }
    let rest = line.slice(k).replace(/^[ \t\f]*/, '');
    if (rest.startsWith('=') || rest.startsWith(':')) rest = rest.slice(1).replace(/^[ \t\f]*/, '');
    // An own property whatever the key: `__proto__=x` assigned would set the prototype and drop the key (fuzzing).
    Object.defineProperty(result, unescapeProperty(key), { value: unescapeProperty(rest), enumerable: true, writable: true, configurable: true });
  }
  return result;
}

function unescapeProperty(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return e === 't' ? '\t' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 'f' ? '\f' : e;
  });
}

/** The properties parser: keys and values as strings, as Java's `Properties.load` reads them. */
export const properties: ConfigParser = { format: 'properties', parse: parseProperties };
