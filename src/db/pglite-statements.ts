// Runs one statement on PGlite as a named prepared statement, in one pass through the wasm backend.
//
// PGlite's own `query()` makes six separate calls into PostgreSQL for every statement (parse,
// describe the statement, bind, describe the portal, execute, sync) and parses and plans the SQL
// every time. Here the protocol messages of one statement go in together, and a statement already
// seen is only bound and executed: its parse and plan are kept by PostgreSQL, as node-pg's named
// statements keep them on a server (postgres.ts). Measured on the payment read by id: 0.69 ms → 0.16
// ms of the worker's time. The answer goes back as PostgreSQL's own bytes: parsing it into rows is
// the caller's work (pglite-results.ts), which keeps the worker — the one connection — free for the
// next statement, and moving bytes costs far less than cloning rows between threads.
import { protocol, type PGlite } from '@electric-sql/pglite';

/** Statements kept prepared at once; the oldest is closed when a new one would pass it. */
const MAX_PREPARED = 500;

/** A parameter as PostgreSQL's text input for it (the server infers each parameter's type). */
function toText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return '\\x' + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  if (Array.isArray(value)) {
    // An array literal: every element quoted, so commas, braces and spaces inside stay data.
    return '{' + value.map((v) => {
      const t = toText(v);
      return t === null ? 'NULL' : '"' + t.replace(/[\\"]/g, (c) => '\\' + c) + '"';
    }).join(',') + '}';
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Describe the portal, execute it, sync: the same bytes after every Bind. */
const RUN = concat([protocol.serialize.describe({ type: 'P' }), protocol.serialize.execute({}), protocol.serialize.sync()]);

/**
 * A Bind message for `statement` with every parameter and result in text format, followed by RUN.
 * PGlite's serializer (pg-protocol's) took about 45 µs for the cancel's guarded write with its 15
 * parameters; this takes about 4 (measured alone, 200,000 times).
 */
function bindAndRun(statement: string, values: readonly (string | null)[]): Buffer {
  // Type 'B', int32 length (itself included), portal "" and the statement as C strings, int16 0
  // parameter format codes (all text), the parameters (int32 length or -1 for NULL, then the
  // bytes), int16 0 result format codes (all text).
  let length = 4 + 1 + Buffer.byteLength(statement) + 1 + 2 + 2 + 2;
  for (const v of values) length += 4 + (v === null ? 0 : Buffer.byteLength(v));
  const out = Buffer.allocUnsafe(1 + length + RUN.length);
  out[0] = 0x42;
  let at = out.writeInt32BE(length, 1);
  out[at++] = 0;
  at += out.write(statement, at);
  out[at++] = 0;
  at = out.writeInt16BE(0, at);
  at = out.writeInt16BE(values.length, at);
  for (const v of values) {
    if (v === null) {
      at = out.writeInt32BE(-1, at);
    } else {
      const n = out.write(v, at + 4);
      out.writeInt32BE(n, at);
      at += 4 + n;
    }
  }
  at = out.writeInt16BE(0, at);
  out.set(RUN, at);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function createStatementRunner(lite: PGlite) {
  const { serialize } = protocol;
  // SQL text → statement name, oldest first (a Map keeps insertion order).
  const prepared = new Map<string, string>();
  let counter = 0;
  return async (sql: string, params: readonly unknown[]) => {
    const known = prepared.get(sql);
    const parts: Uint8Array[] = [];
    const parsing = known === undefined;
    const name = known ?? `kasir_${++counter}`;
    if (parsing) {
      if (prepared.size >= MAX_PREPARED) {
        const [oldestSql, oldestName] = prepared.entries().next().value!;
        prepared.delete(oldestSql);
        parts.push(serialize.close({ type: 'S', name: oldestName }));
      }
      parts.push(serialize.parse({ name, text: sql, types: [] }));
    }
    parts.push(bindAndRun(name, params.map(toText)));
    // Not execProtocolRaw: besides returning the bytes, it parses every backend message into an
    // object and appends it to a list that only execProtocol empties, so every answer stayed on the
    // worker's heap for the life of the process: at 600 cancels a second the heap grew by about
    // 10 MB a second until the worker ran out of memory, and the parsing itself was half of the
    // worker's time per statement. The stream form hands over the bytes only; they are views into
    // the wasm memory, so each is copied before the next overwrites it.
    const chunks: Uint8Array[] = [];
    await lite.execProtocolRawStream(parts.length === 1 ? parts[0] : concat(parts), { onRawData: (chunk) => chunks.push(chunk.slice()) });
    // One buffer of its own, so that it can be moved to the caller's thread whole.
    const raw = chunks.length === 1 ? chunks[0] : concat(chunks);
    // A statement parsed before a later step failed still exists on the server: remember it.
    if (parsing && hasMessage(raw, PARSE_COMPLETE)) prepared.set(sql, name);
    return raw;
  };
}

const PARSE_COMPLETE = 0x31; // '1'

/** Whether the backend messages hold one of `type` (each message: a type byte, then its int32 length). */
function hasMessage(raw: Uint8Array, type: number): boolean {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let at = 0; at + 5 <= raw.byteLength; at += 1 + view.getInt32(at + 1)) {
    if (raw[at] === type) return true;
  }
  return false;
}
