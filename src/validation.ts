import * as z from 'zod/mini';
import type { StandardSchemaV1 } from './config/typed.js';
import { NacosValidationError, type ValidationIssue } from './errors.js';

// Server rules (nacos 2.3+ param checker, the strictest generation): dataId ≤ 256, group ≤ 128 from
// letters, digits and `_ - . :`; namespace ≤ 64 from ASCII word characters and `-`. Older servers accept
// Unicode letters in dataId/group too, so those allow any Unicode letter or digit.
const NAME_CHARS = /^[\p{L}\p{N}_\-.:]+$/u;
const NAMESPACE_CHARS = /^[A-Za-z0-9_-]*$/;

// The helpers below are marked /* @__NO_SIDE_EFFECTS__ */, as zod marks its own, so that bundlers which honour the
// mark across modules (Rollup, Vite) can drop unused schemas. esbuild honours it only within a module, so each area's
// schemas live in the module of the class that uses them, and entries re-export each class from its own module.
// Every check is a z.refine with its own message: zod's dedicated check classes (lengths, regex, bounds,
// integers) would add ~1 kB gzip to the core bundle and their default messages are replaced anyway.

/** Non-empty string or array. */
export const nonEmpty = /* @__NO_SIDE_EFFECTS__ */ (message = 'must not be empty') => z.refine<{ length: number }>((v) => v.length > 0, message);
/** At most `max` UTF-16 code units. */
export const maxChars = /* @__NO_SIDE_EFFECTS__ */ (max: number, message = `must be at most ${max} characters`) => z.refine<string>((s) => s.length <= max, message);
/** Matches `pattern` (which must not be global or sticky). */
export const matches = /* @__NO_SIDE_EFFECTS__ */ (pattern: RegExp, message: string) => z.refine<string>((s) => pattern.test(s), message);
/** A whole number. */
export const integer = z.refine<number>((n) => Number.isInteger(n), 'must be an integer');
/** `>= min`. */
export const atLeast = /* @__NO_SIDE_EFFECTS__ */ (min: number, message = `must be at least ${min}`) => z.refine<number>((n) => n >= min, message);
/** `<= max`. */
export const atMost = /* @__NO_SIDE_EFFECTS__ */ (max: number, message = `must be at most ${max}`) => z.refine<number>((n) => n <= max, message);

/** A config dataId. */
export const dataIdSchema = z.string().check(
  nonEmpty(),
  maxChars(256),
  matches(NAME_CHARS, 'may contain only letters, digits and _ - . :'),
);

/** The group of configs and services when none is given. */
export const DEFAULT_GROUP = 'DEFAULT_GROUP';

/** A config group or naming group. */
export const groupSchema = z.string().check(
  nonEmpty(),
  maxChars(128),
  matches(NAME_CHARS, 'may contain only letters, digits and _ - . :'),
);

/** A namespace id; `''` means the public namespace. */
export const namespaceSchema = z.string().check(
  maxChars(64),
  matches(NAMESPACE_CHARS, 'may contain only ASCII letters, digits, _ and -'),
);

/** An optional AbortSignal. */
export const signalSchema = z.optional(z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'must be an AbortSignal'));

// z.enum and z.union would add ~1.2 kB gzip of zod classes to the core bundle for two options; these
// two custom checks keep the same messages for a few bytes.

/** One of `values` (an enum of strings). */
/* @__NO_SIDE_EFFECTS__ */
export function oneOf<const T extends string>(values: readonly T[]) {
  return z.custom<T>((v) => (values as readonly unknown[]).includes(v), `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}`);
}

/** A string or an array of strings. */
export const stringOrStrings = z.custom<string | string[]>(
  (v) => typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string')),
  'must be a string or an array of strings',
);

/** Any function (listeners, providers, fetch). */
/* @__NO_SIDE_EFFECTS__ */
export function fn<T>(message = 'must be a function') {
  return z.custom<T>((v) => typeof v === 'function', message);
}

type Issue = z.core.$ZodIssue;

// No z.enum or z.literal is used (oneOf's issues carry their message), so no issue has code invalid_value.
function describe(issue: Issue): string {
  if (issue.message && issue.message !== 'Invalid input') return issue.message;
  if (issue.code === 'invalid_type') return `must be ${issue.expected}`;
  if (issue.code === 'unrecognized_keys') return `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  return 'is invalid';
}

/** Converts zod issues into the library's own issue shape. */
export function toIssues(issues: readonly Issue[]): ValidationIssue[] {
  return issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: describe(issue) }));
}

/**
 * Parses `input` or throws a {@link NacosValidationError} that names every bad field.
 * `context` names the call, e.g. `getConfig`.
 */
export function parseOrThrow<S extends z.ZodMiniType>(schema: S, input: unknown, context: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new NacosValidationError(toIssues(result.error.issues), context);
  return result.data;
}

/** True for a Standard Schema (zod, valibot, arktype, …): an object with `~standard.validate`. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  return typeof value === 'object' && value !== null && typeof (value as { '~standard'?: { validate?: unknown } })['~standard']?.validate === 'function';
}
