// Shared input validation for the dialects: JSON parsing of the raw body and TypeBox schema checks,
// reporting the first offending field. Each dialect renders the problem in its own format.
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { jsonBoundsProblem } from './json-bounds.ts';

export interface InputProblem {
  field: string;
  message: string;
}

export class InputError extends Error {
  readonly problem: InputProblem;
  constructor(problem: InputProblem) {
    super(`${problem.field} ${problem.message}`);
    this.problem = problem;
  }
}

/**
 * Parses a JSON object body; an empty body is `{}` when allowed (e.g. native cancel). The body's
 * depth and size are bounded first (json-bounds.ts): what it returns is safe to walk recursively.
 */
export function parseJsonObject(raw: Buffer, allowEmpty: boolean): Record<string, unknown> {
  const text = raw.toString('utf8');
  if (text.trim() === '') {
    if (allowEmpty) return {};
    throw new InputError({ field: 'body', message: 'is required' });
  }
  const beyond = jsonBoundsProblem(text);
  if (beyond !== null) throw new InputError({ field: 'body', message: beyond });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InputError({ field: 'body', message: 'is not valid JSON' });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputError({ field: 'body', message: 'must be a JSON object' });
  }
  return parsed as Record<string, unknown>;
}

/**
 * A body must be declared as JSON where the dialect says so (native, Antom): a form or text body
 * that happens to parse as JSON is a client bug to report, not to guess around. Parameters are
 * allowed (Antom SDKs send `; charset=UTF-8`), but a charset other than UTF-8 is refused: the
 * bytes are read, and signed, as UTF-8. An empty body needs no type.
 */
export function requireJsonContentType(contentType: string | undefined, raw: Buffer): void {
  if (raw.length === 0) return;
  const [type, ...params] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (type !== 'application/json' || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    throw new InputError({ field: 'Content-Type', message: 'must be application/json (UTF-8) when there is a body' });
  }
}

export interface Validator<S extends TSchema> {
  /** Returns the typed value or throws InputError naming the first bad field. */
  check(value: unknown): Static<S>;
}

export function validator<S extends TSchema>(schema: S): Validator<S> {
  const compiled: TypeCheck<S> = TypeCompiler.Compile(schema);
  return {
    check(value) {
      if (compiled.Check(value)) {
        const bad = findUnstorable(value, '');
        if (bad !== null) throw new InputError({ field: fieldOf(bad), message: 'must not contain NUL (U+0000) or unpaired surrogate characters' });
        return value;
      }
      throw new InputError(describe(compiled.Errors(value).First()!));
    },
  };
}

/** JSON pointer ("/metadata/a~1b") → dotted field name ("metadata.a/b"); the root is "body". */
function fieldOf(path: string): string {
  const parts = path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return parts.join('.') || 'body';
}

/**
 * Text PostgreSQL can store: text and jsonb hold neither U+0000 nor an unpaired surrogate (JSON's
 * "\ud800" escape parses to one). Refused at the edge rather than failing in SQL (a 500).
 */
export const storableText = (s: string): boolean => !s.includes('\u0000') && s.isWellFormed();

/** The JSON pointer of the first string or key that is not storable text, or null. */
function findUnstorable(value: unknown, path: string): string | null {
  if (typeof value === 'string') return storableText(value) ? null : path;
  if (value === null || typeof value !== 'object') return null;
  for (const [k, v] of Object.entries(value)) {
    const at = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (!storableText(k)) return at;
    const found = findUnstorable(v, at);
    if (found !== null) return found;
  }
  return null;
}

// A schema may say in words what its field expects ("a decimal string such as ..."). Under a symbol,
// like TypeBox's own Kind: JSON.stringify drops it, so it never leaks into a published JSON Schema
// (the OpenAPI document) as an unknown keyword; TypeBox's Clone (Type.Optional) keeps it.
const EXPECTS = Symbol.for('kasir.expects');

/** `schema`, annotated with the form its field expects, for every message about that field. */
export function expecting<S extends TSchema>(schema: S, form: string): S {
  (schema as unknown as Record<symbol, unknown>)[EXPECTS] = form;
  return schema;
}

/** The values of a union of string literals (`literals()`), or null for any other schema. */
function literalValues(schema: TSchema): string[] | null {
  const anyOf = (schema as { anyOf?: { const?: unknown }[] }).anyOf;
  if (!anyOf?.length || !anyOf.every((s) => typeof s.const === 'string')) return null;
  return anyOf.map((s) => s.const as string);
}

// TypeBox's "Expected integer" reads as "must be integer"; a type named in English reads better.
const TYPE_WORDS: Partial<Record<ValueErrorType, string>> = {
  [ValueErrorType.String]: 'a string',
  [ValueErrorType.Integer]: 'an integer',
  [ValueErrorType.Number]: 'a number',
  [ValueErrorType.Boolean]: 'true or false',
  [ValueErrorType.Object]: 'an object',
  [ValueErrorType.Array]: 'an array',
};

function describe(error: ValueError): InputProblem {
  const field = fieldOf(error.path);
  // TypeBox reports an unknown property at the property's own path, so the path names it.
  if (error.type === ValueErrorType.ObjectAdditionalProperties) return { field, message: 'is not a known field' };
  if (error.type === ValueErrorType.ObjectRequiredProperty) return { field, message: 'is required' };
  // Whatever failed (type, pattern, length), say the form the field takes, not the rule it broke.
  const form = (error.schema as unknown as Record<symbol, unknown>)[EXPECTS];
  if (typeof form === 'string') return { field, message: `must be ${form}` };
  const allowed = literalValues(error.schema);
  if (allowed) return { field, message: `must be one of ${allowed.join(', ')}` };
  const word = TYPE_WORDS[error.type];
  if (word) return { field, message: `must be ${word}` };
  return { field, message: error.message.replace(/^Expected/, 'must be') };
}

// Epoch seconds of 2001..2286 have 10 digits; milliseconds since 1973, 12 or more.
const SECONDS = /^[1-9][0-9]{9}$/;

/**
 * The hint for a timestamp given in seconds where milliseconds are expected (a common client bug:
 * Date.now()/1000, or a Unix `date +%s`), to append to the field's refusal; '' when it does not apply.
 */
export function secondsHint(field: string, value: unknown): string {
  const text = typeof value === 'number' && Number.isInteger(value) ? String(value) : value;
  return typeof text === 'string' && SECONDS.test(text) ? `; ${field} looks like seconds; milliseconds are expected` : '';
}
