import { messageOf, NacosError, summarizeIssues, type ValidationIssue } from '../errors.js';

/** How config content is parsed for typed reads. `text` passes the string through. */
export type ConfigFormat = 'json' | 'yaml' | 'properties' | 'text';

/**
 * A parser for one config format, handed to the client with `ClientConfigBuilder.parsers()`. JSON is built in;
 * `nacos-edge/yaml` and `nacos-edge/properties` export the YAML and properties parsers.
 */
export interface ConfigParser {
  readonly format: ConfigFormat;
  /** Parses the content; a throw becomes `INVALID_CONTENT`. */
  parse(text: string): unknown;
}

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

/** The formats the server's type or a dataId's extension names (a Map: no prototype keys). */
const FORMAT_NAMES = new Map<string | undefined, ConfigFormat>([
  ['json', 'json'],
  ['yaml', 'yaml'],
  ['yml', 'yaml'],
  ['properties', 'properties'],
]);

/**
 * The format of a config: the explicit one, else the server's type (`Config-Type`), else the dataId's
 * extension, else `text`.
 */
export function resolveFormat(explicit: ConfigFormat | undefined, serverType: string | undefined, dataId: string): ConfigFormat {
  if (explicit) return explicit;
  const byName = (name: string | undefined) => FORMAT_NAMES.get(name?.toLowerCase());
  return byName(serverType) ?? byName(/\.([A-Za-z]+)$/.exec(dataId)?.[1]) ?? 'text';
}

/** The error for a format without a parser: what to import. Thrown before any request when the format is explicit. */
export function missingParser(format: ConfigFormat, what: string): NacosError {
  return new NacosError(
    'UNSUPPORTED',
    `${what}: ${format} needs its parser: import { ${format} } from 'nacos-edge/${format}' and pass it to ClientConfigBuilder.parsers(${format})`,
  );
}

/**
 * The parser of `format`: one handed in, else the built-in JSON or text (free: the platform parses JSON). YAML and
 * properties parsers are imported by name (`nacos-edge/yaml`, `nacos-edge/properties`), so they ship only with apps
 * that read those formats; without one, undefined.
 */
export function parserFor(format: ConfigFormat, parsers: readonly ConfigParser[]): ((text: string) => unknown) | undefined {
  const given = parsers.find((p) => p.format === format);
  if (given) return (text) => given.parse(text);
  if (format === 'json') return JSON.parse;
  if (format === 'text') return (text) => text;
  return undefined;
}

/** Parses `content` in `format` with the parsers the client was given (and the built-in ones). */
export function parseContent(content: string, format: ConfigFormat, what: string, parsers: readonly ConfigParser[]): unknown {
  const parse = parserFor(format, parsers);
  if (!parse) throw missingParser(format, what);
  try {
    return parse(content);
  } catch (cause) {
    throw new NacosError('INVALID_CONTENT', `${what}: content is not valid ${format}: ${messageOf(cause)}`, { cause });
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
  const error = new NacosError('INVALID_CONTENT', `${what}: content does not match the schema: ${summarizeIssues(issues)}`);
  Object.defineProperty(error, 'issues', { value: issues, enumerable: true });
  throw error;
}
