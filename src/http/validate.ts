// Shared input validation for the dialects: JSON parsing of the raw body and TypeBox schema checks,
// reporting the first offending field. Each dialect renders the problem in its own format.
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType } from '@sinclair/typebox/errors';

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

/** Parses a JSON object body; an empty body is `{}` when allowed (e.g. native cancel). */
export function parseJsonObject(raw: Buffer, allowEmpty: boolean): Record<string, unknown> {
  const text = raw.toString('utf8');
  if (text.trim() === '') {
    if (allowEmpty) return {};
    throw new InputError({ field: 'body', message: 'is required' });
  }
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

export interface Validator<S extends TSchema> {
  /** Returns the typed value or throws InputError naming the first bad field. */
  check(value: unknown): Static<S>;
}

export function validator<S extends TSchema>(schema: S): Validator<S> {
  const compiled: TypeCheck<S> = TypeCompiler.Compile(schema);
  return {
    check(value) {
      if (compiled.Check(value)) {
        // PostgreSQL text and jsonb cannot hold U+0000: refuse it here rather than fail in SQL (a 500).
        const nul = findNul(value, '');
        if (nul !== null) throw new InputError({ field: fieldOf(nul), message: 'must not contain NUL (U+0000) characters' });
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

/** The JSON pointer of the first string or key containing U+0000, or null. */
function findNul(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [k, v] of Object.entries(value)) {
    const at = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (k.includes('\u0000')) return at;
    const found = findNul(v, at);
    if (found !== null) return found;
  }
  return null;
}

function describe(type: ValueErrorType, path: string, message: string): InputProblem {
  // TypeBox reports an unknown property at the property's own path, so the path names it.
  if (type === ValueErrorType.ObjectAdditionalProperties) return { field: fieldOf(path), message: 'is not a known field' };
  return { field: fieldOf(path), message: message.replace(/^Expected/, 'must be') };
}
