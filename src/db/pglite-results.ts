// Turns a statement's backend messages (sent by the worker as PostgreSQL wrote them) into rows, on
// the caller's thread, with the same type parsers PGlite applies in its own query().
//
// Read straight off the bytes rather than through PGlite's protocol parser: that one copies the
// answer, then every field into an ArrayBuffer of its own before decoding it, and builds each row
// with Object.fromEntries. Under the bench's PGlite load it was 41 % of Kasir's thread (24 of 58 s),
// the thread that also serves HTTP.
import { parse, protocol, types } from '@electric-sql/pglite';
import type { QueryResult } from './db.ts';
import { errorFields, type ArrayType } from './pglite-messages.ts';

type Parsers = Parameters<typeof parse.parseResults>[1];
type Parser = (text: string, typeId: number) => unknown;

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

// Backend message types (PostgreSQL's protocol, "Message Formats").
const ROW_DESCRIPTION = 0x54; // T
const DATA_ROW = 0x44; // D
const COMMAND_COMPLETE = 0x43; // C
const ERROR_RESPONSE = 0x45; // E

interface Column {
  name: string;
  typeId: number;
  parse: Parser | undefined;
}

export function decodeResult<R>(raw: Uint8Array, parsers: Parsers): QueryResult<R> {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let columns: Column[] = [];
  const rows: Record<string, unknown>[] = [];
  let rowCount = 0;
  // Each message: its type byte, an int32 length that counts itself but not the type, the body.
  for (let at = 0; at + 5 <= bytes.length; at += 1 + bytes.readInt32BE(at + 1)) {
    const body = at + 5;
    switch (bytes[at]) {
      case ROW_DESCRIPTION:
        columns = readColumns(bytes, body, parsers);
        break;
      case DATA_ROW:
        rows.push(readRow(bytes, body, columns));
        break;
      case COMMAND_COMPLETE: {
        // The tag ends in the row count where it has one ("SELECT 2", "INSERT 0 5", "UPDATE 3"), as
        // node-pg reports it on PostgreSQL; other tags ("CREATE TABLE") count nothing.
        const tag = bytes.toString('utf8', body, bytes.indexOf(0, body));
        const count = Number(tag.slice(tag.lastIndexOf(' ') + 1));
        rowCount = Number.isInteger(count) ? count : 0;
        break;
      }
      case ERROR_RESPONSE:
        throw errorIn(raw);
    }
  }
  return { rows: rows as R[], rowCount };
}

function readColumns(bytes: Buffer, at: number, parsers: Parsers): Column[] {
  const count = bytes.readInt16BE(at);
  at += 2;
  const columns: Column[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const nameEnd = bytes.indexOf(0, at);
    const name = bytes.toString('utf8', at, nameEnd);
    // After the name: table oid (4), column number (2), type oid (4), size (2), modifier (4), format (2).
    const typeId = bytes.readInt32BE(nameEnd + 7);
    columns[i] = { name, typeId, parse: parsers[typeId] as Parser | undefined };
    at = nameEnd + 19;
  }
  return columns;
}

function readRow(bytes: Buffer, at: number, columns: readonly Column[]): Record<string, unknown> {
  const count = bytes.readInt16BE(at);
  at += 2;
  const row: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    const length = bytes.readInt32BE(at);
    at += 4;
    const column = columns[i];
    if (length === -1) {
      row[column.name] = null;
      continue;
    }
    const text = bytes.toString('utf8', at, at + length);
    at += length;
    row[column.name] = column.parse ? column.parse(text, column.typeId) : text;
  }
  return row;
}

/** The statement's error, its fields read by PGlite's own parser (the rare path). */
function errorIn(raw: Uint8Array): PgliteError {
  let failure: unknown;
  new protocol.Parser().parse(raw, (m) => {
    if (m.name === 'error') failure ??= m;
  });
  const { message, fields } = errorFields(failure);
  return new PgliteError(message, fields);
}
