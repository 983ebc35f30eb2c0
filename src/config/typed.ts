import { NacosError, type ValidationIssue } from '../on-demand.js';

/** How config content is parsed for typed reads. `text` passes the string through. */
export type ConfigFormat = 'json' | 'yaml' | 'properties' | 'text';

/** The Standard Schema interface (zod ≥ 3.24, valibot, arktype…): anything with `~standard.validate`. */
export interface StandardSchemaV1<Output = unknown> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: unknown; readonly output: Output } | undefined;
  };
}
type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly { readonly message: string; readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined }[] };

/** The output type of a Standard Schema. */
export type InferOutput<S> = S extends StandardSchemaV1<infer O> ? O : unknown;

/**
 * The format of a config: the explicit one, else the server's type (`Config-Type`), else the dataId's
 * extension, else `text`.
 */
export function resolveFormat(explicit: ConfigFormat | undefined, serverType: string | undefined, dataId: string): ConfigFormat {
  if (explicit) return explicit;
  const byName = (name: string | undefined): ConfigFormat | undefined => {
    switch (name?.toLowerCase()) {
      case 'json':
        return 'json';
      case 'yaml':
      case 'yml':
        return 'yaml';
      case 'properties':
        return 'properties';
      default:
        return undefined;
    }
  };
  return byName(serverType) ?? byName(/\.([A-Za-z]+)$/.exec(dataId)?.[1]) ?? 'text';
}

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
    result[unescapeProperty(key)] = unescapeProperty(rest);
  }
  return result;
}

function unescapeProperty(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return e === 't' ? '\t' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 'f' ? '\f' : e;
  });
}

/** Parses `content` in `format`. YAML's parser is loaded on first use, so other formats never pay for it. */
export async function parseContent(content: string, format: ConfigFormat, what: string): Promise<unknown> {
  try {
    switch (format) {
      case 'json':
        return JSON.parse(content);
      case 'yaml': {
        const { parse } = await import('yaml');
        return parse(content);
      }
      case 'properties':
        return parseProperties(content);
      default:
        return content;
    }
  } catch (cause) {
    throw new NacosError('INVALID_CONTENT', `${what}: content is not valid ${format}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Validates `value` with a Standard Schema; throws `INVALID_CONTENT` naming every issue. */
export async function validateWith<S extends StandardSchemaV1>(schema: S, value: unknown, what: string): Promise<InferOutput<S>> {
  const result = await schema['~standard'].validate(value);
  if (result.issues === undefined) return result.value as InferOutput<S>;
  const issues: ValidationIssue[] = result.issues.map((issue) => ({
    path: (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.'),
    message: issue.message,
  }));
  const error = new NacosError('INVALID_CONTENT', `${what}: content does not match the schema: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`);
  Object.defineProperty(error, 'issues', { value: issues, enumerable: true });
  throw error;
}
