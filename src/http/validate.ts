// Shared input validation for the dialects: JSON parsing of the raw body and TypeBox schema checks,
// reporting the first offending field. Each dialect renders the problem in its own format.
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType } from '@sinclair/typebox/errors';
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
      const first = compiled.Errors(value).First()!;
      throw new InputError(describe(first.type, first.path, first.message));
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

function describe(type: ValueErrorType, path: string, message: string): InputProblem {
  // TypeBox reports an unknown property at the property's own path, so the path names it.
  if (type === ValueErrorType.ObjectAdditionalProperties) return { field: fieldOf(path), message: 'is not a known field' };
  return { field: fieldOf(path), message: message.replace(/^Expected/, 'must be') };
}
