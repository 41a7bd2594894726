// Turns a statement's backend messages (sent by the worker as PostgreSQL wrote them) into rows, on
// the caller's thread, with the same type parsers PGlite applies in its own query().
import { parse, protocol, types } from '@electric-sql/pglite';
import type { QueryResult } from './db.ts';
import { errorFields, type ArrayType } from './pglite-messages.ts';

type Parsers = Parameters<typeof parse.parseResults>[1];

/** A database error, with the fields callers read (`code` is the SQLSTATE, `constraint` …). */
export class PgliteError extends Error {
  constructor(message: string, fields: Record<string, string>) {
    super(message);
    Object.assign(this, fields);
  }
}

/** PGlite's default parsers, and one for every array type of the database (as PGlite builds them). */
export function parsersFor(arrayTypes: readonly ArrayType[]): Parsers {
  const parsers: Parsers = { ...types.parsers };
  for (const { oid, typarray } of arrayTypes) parsers[typarray] = (text: string) => types.arrayParser(text, parsers[oid], typarray);
  return parsers;
}

export function decodeResult<R>(raw: Uint8Array, parsers: Parsers): QueryResult<R> {
  const messages: Parameters<typeof parse.parseResults>[0] = [];
  new protocol.Parser().parse(raw, (m) => messages.push(m));
  const failure = messages.find((m) => m.name === 'error');
  if (failure) {
    const { message, fields } = errorFields(failure);
    throw new PgliteError(message, fields);
  }
  const [result] = parse.parseResults(messages, parsers);
  return { rows: result.rows as R[], rowCount: result.affectedRows ?? result.rows.length };
}
