// A named (prepared) statement run through node-pg's extension point for custom queries (a
// "submittable": the object is handed the connection and node-pg routes the backend's answers to
// it), for the one path every request takes: parameterised statements on PostgreSQL.
//
// node-pg's own Query describes the portal on every execution, so PostgreSQL sends the row
// description again each time and node-pg rebuilds the row's type parsers and a dictionary-mode
// template object from it (`addFields`), then copies that template for every row. This query
// describes a statement once per connection, when it parses it, keeps the column names and type
// parsers beside the connection, and sends only Bind, Execute and Sync after that. Rows are
// built by plain assignment in column order. Measured on the payment read (the README's
// performance section): about 40 % less of Kasir's thread per statement.
//
// What stays node-pg's: the connection, its authentication and TLS, the protocol's serialisation
// (`connection.parse/bind/...`), the value conversion (`prepareValue`), the type parsers and the
// error objects, so a row and an error are exactly what node-pg's own query gives.
import pg from 'pg';
import { prepareValue } from 'pg/lib/utils.js';
import type { QueryResult } from './db.ts';

type TypeParser = (text: string) => unknown;

/** What the statement's description says about its rows: none for a statement without result. */
interface Shape {
  names: string[];
  parsers: TypeParser[];
}

/** The subset of node-pg's Connection this query drives (its protocol writers and the socket). */
interface PgConnection {
  stream: { cork(): void; uncork(): void };
  parsedStatements: Record<string, string>;
  parse(msg: { name: string; text: string; types: unknown[] }): void;
  describe(msg: { type: 'S' | 'P'; name: string }): void;
  bind(msg: { portal: string; statement: string; values: readonly unknown[] }): void;
  execute(msg: { portal: string; rows: number }): void;
  sync(): void;
}

interface FieldDescription {
  name: string;
  dataTypeID: number;
}

const NO_ROWS: Shape = { names: [], parsers: [] };

/**
 * Statements this query has parsed on each connection, with their shape. Kept beside node-pg's own
 * `parsedStatements` (which says only that a name was parsed) and gone with the connection object.
 */
const shapes = new WeakMap<PgConnection, Map<string, Shape>>();

function shapesOf(connection: PgConnection): Map<string, Shape> {
  let known = shapes.get(connection);
  if (!known) shapes.set(connection, (known = new Map()));
  return known;
}

const COMMAND_ROWS = /(\d+)$/; // "SELECT 3", "UPDATE 1", "INSERT 0 5": the last number

export class NamedQuery<R> {
  /** Read by node-pg: on ParseComplete it records `name` → `text` in the connection's parsedStatements. */
  readonly name: string;
  readonly text: string;
  private readonly values: readonly unknown[];
  /** Set by node-pg's pool (pool.query) or by `runOn`; called exactly once. */
  callback?: (err: Error | null, result?: QueryResult<R>) => void;
  private shape: Shape | undefined;
  private parsing = false;
  private known: Map<string, Shape> | undefined;
  private connection: PgConnection | undefined;
  private readonly rows: R[] = [];
  private rowCount = 0;

  constructor(name: string, text: string, values: readonly unknown[]) {
    this.name = name;
    this.text = text;
    this.values = values;
  }

  /**
   * Called by node-pg when the connection is free: writes the whole request in one go. An error
   * returned here is passed back to handleError by node-pg, with nothing sent.
   */
  submit(connection: PgConnection): Error | null {
    let values: unknown[];
    try {
      values = this.values.map((v) => prepareValue(v));
    } catch (err) {
      return err as Error; // a value node-pg cannot put on the wire (its own Query refuses it too)
    }
    this.connection = connection;
    this.known = shapesOf(connection);
    this.shape = this.known.get(this.name);
    this.parsing = this.shape === undefined;
    connection.stream.cork();
    try {
      if (this.parsing) {
        connection.parse({ name: this.name, text: this.text, types: [] });
        connection.describe({ type: 'S', name: this.name });
      }
      connection.bind({ portal: '', statement: this.name, values });
      connection.execute({ portal: '', rows: 0 });
      connection.sync();
    } finally {
      connection.stream.uncork();
    }
    return null;
  }

  handleRowDescription(msg: { fields: FieldDescription[] }): void {
    this.remember({
      names: msg.fields.map((f) => f.name),
      parsers: msg.fields.map((f) => pg.types.getTypeParser(f.dataTypeID, 'text') as TypeParser),
    });
  }

  handleDataRow(msg: { fields: (string | null)[] }): void {
    const { names, parsers } = this.shape!;
    const fields = msg.fields;
    const row: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i++) {
      const value = fields[i];
      row[names[i]] = value === null ? null : parsers[i](value);
    }
    this.rows.push(row as R);
  }

  handleCommandComplete(msg: { text: string }): void {
    // A statement that returns no rows has no row description: its Describe answered NoData,
    // which node-pg does not pass on. Completing at all proves it parsed.
    if (this.parsing) this.remember(NO_ROWS);
    const count = COMMAND_ROWS.exec(msg.text);
    this.rowCount = count ? Number(count[1]) : 0;
  }

  handleReadyForQuery(): void {
    this.finish(null);
  }

  /** A server error (node-pg then skips to the next ReadyForQuery itself) or a dead connection. */
  handleError(err: Error): void {
    // Parsed, then failed later (say a value the column's type refuses, at Bind): the statement
    // exists on this connection now, and parsing it again would fail with "already exists". Its
    // Describe was answered before Bind ran, so a shape not seen means no rows.
    if (this.parsing && this.shape === undefined && this.connection?.parsedStatements[this.name] === this.text) {
      this.remember(NO_ROWS);
    }
    this.finish(err);
  }

  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}
  handleCopyData(): void {}

  private remember(shape: Shape): void {
    this.shape = shape;
    this.parsing = false;
    this.known!.set(this.name, shape);
  }

  private finish(err: Error | null): void {
    const callback = this.callback;
    this.callback = undefined;
    if (err) callback?.(err);
    else callback?.(null, { rows: this.rows, rowCount: this.rowCount });
  }
}

/** Runs a named statement on a client the caller holds (a transaction's). */
export function runOn<R>(client: pg.ClientBase, query: NamedQuery<R>): Promise<QueryResult<R>> {
  return new Promise((resolve, reject) => {
    query.callback = (err, result) => (err ? reject(err) : resolve(result!));
    // node-pg's types describe a submittable's submit as returning nothing; it also takes an Error.
    client.query(query as unknown as pg.Submittable);
  });
}
