// Shared input validation for the dialects: JSON parsing of the raw body and TypeBox schema checks,
// reporting the first offending field. Each dialect renders the problem in its own format.
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

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
      if (compiled.Check(value)) return value;
      const first = compiled.Errors(value).First()!;
      throw new InputError(describe(first.path, first.message, first.schema, value));
    },
  };
}

function describe(path: string, message: string, schema: TSchema, root: unknown): InputProblem {
  const field = path.replace(/^\//, '').replace(/\//g, '.') || 'body';
  // An unknown property is reported at the object's path: name the property itself.
  if (schema.additionalProperties === false && root && typeof root === 'object') {
    const target = path.split('/').filter(Boolean).reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], root);
    const known = Object.keys((schema as { properties?: object }).properties ?? {});
    const extra = target && typeof target === 'object' ? Object.keys(target).find((k) => !known.includes(k)) : undefined;
    if (extra) return { field: field === 'body' ? extra : `${field}.${extra}`, message: 'is not a known field' };
  }
  return { field, message: message.replace(/^Expected/, 'must be').replace(/^Unexpected property$/, 'is not a known field') };
}
