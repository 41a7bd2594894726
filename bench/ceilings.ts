// Database ceiling: the statements one cancel issued (captured by capture.ts), replayed against
// payments cloned from one in the same state. In-process through Kasir's own Db (PGlite's only
// option; on PostgreSQL it isolates the node-pg driver's share), and by pgbench (pgbench.ts).
import { COLUMNS } from '../src/core/payments/model.ts';
import { systemClock } from '../src/core/clock.ts';
import { uuidv7 } from '../src/core/ids.ts';
import type { Db, Queryable } from '../src/db/db.ts';
import { bindings, transactions, type Capture, type PaymentRef, type Source, type Statement } from './capture.ts';
import { inProcessLoad, type Measurement } from './load.ts';

/**
 * Copies `template` (a payment in the scenario's state, never canceled) `count` times in one
 * statement. Every column is the template's except the unique ones (a dialect's ids become
 * `<tag>_<n>` where the template has one) and `reference_id`, which names the payment `stride` rows
 * later by `chainBy`, the column its cancel request finds it by: pgbench client c walks c,
 * c+stride, c+2·stride… (pgbench.ts). Returns the new ids in order when asked (the in-process loop
 * needs them; pgbench does not).
 */
export async function clonePayments(db: Db, template: string, count: number, stride: number, tag: string, returning: boolean, chainBy: PaymentRef['column'] = 'id'): Promise<string[]> {
  // The clone's number n as `<tag>_<n>`: its dialect ids, and what the chain names it by.
  const numberedAs = (n: string) => `'${tag}_' || ${n}`;
  const numbered = numberedAs('c.g');
  const ifHeld = (col: string) => `CASE WHEN t.${col} IS NULL THEN NULL ELSE ${numbered} END`;
  const special: Record<string, string> = {
    id: 'c.id',
    reference_id: 'c.next',
    antom_payment_id: numbered,
    antom_payment_request_id: ifHeld('antom_payment_request_id'),
    nicepay_txid: ifHeld('nicepay_txid'),
    nicepay_reference_no: ifHeld('nicepay_reference_no'),
    client_secret: `c.id::text || '_secret'`,
  };
  // antom_payment_id is always numbered; nicepay_txid is numbered the same way when the template has one.
  const chain = chainBy === 'id' ? 'id::text' : numberedAs('g');
  const columns = Object.values(COLUMNS);
  const select = columns.map((col) => special[col] ?? `t.${col}`).join(', ');
  const { rows } = await db.query<{ id: string }>(
    `WITH s AS (SELECT g, gen_random_uuid() AS id FROM generate_series(1, $1::int) g),
          c AS (SELECT g, id, lead(${chain}, $2::int) OVER (ORDER BY g) AS next FROM s)
     INSERT INTO payments (${columns.join(', ')})
     SELECT ${select} FROM c CROSS JOIN payments t WHERE t.id = $3
     ${returning ? 'RETURNING id, antom_payment_id' : ''}`,
    [count, stride, template],
  );
  if (!returning) return [];
  const order = (r: Record<string, unknown>) => Number(String(r.antom_payment_id).slice(tag.length + 1));
  return [...rows].sort((a, b) => order(a as never) - order(b as never)).map((r) => r.id);
}

/** Thrown inside a replayed transaction to roll it back: a guard matched nothing. */
const MATCHED_NOTHING = new Error('guard matched no row');

/**
 * Replays the captured cancel against payment `id` (a clone of the captured payment's twin): each
 * captured transaction in a `db.tx` of its own, the other statements alone, parameters from where
 * `bindings` says (fresh ids minted with Kasir's uuidv7, as the cancel mints them). A statement
 * that touches no row is a guard that failed (not a distinct, cancellable payment): its
 * transaction rolls back and the replay counts as failed.
 */
export function replayer(db: Db, c: Capture): (id: string) => Promise<boolean> {
  const { sources } = bindings(c, c.statements);
  const groups = transactions(c.statements);
  return async (id) => {
    const rows: Record<string, unknown>[] = [];
    const fresh: string[] = [];
    const value = (src: Source): unknown => {
      switch (src.kind) {
        case 'payment':
          // In-process replays walk a list of ids (native cancels); a dialect's column has no list.
          if (src.column !== 'id') throw new Error(`in-process replays name payments by id, not ${src.column}`);
          return id;
        case 'row':
          return rows[src.statement][src.column];
        case 'fresh':
          return (fresh[src.index] ??= uuidv7(systemClock));
        case 'same':
          return src.value;
      }
    };
    const run = async (q: Queryable, from: number, statements: Statement[]) => {
      for (const [i, s] of statements.entries()) {
        const res = await q.query<Record<string, unknown>>(s.sql, sources[from + i].map(value));
        if (res.rows.length === 0 && res.rowCount === 0) throw MATCHED_NOTHING;
        rows[from + i] = res.rows[0];
      }
    };
    try {
      for (const t of groups) await (t.tx === null ? run(db, t.from, t.statements) : db.tx((q) => run(q, t.from, t.statements)));
      return true;
    } catch (err) {
      if (err === MATCHED_NOTHING) return false;
      throw err;
    }
  };
}

/** The in-process ceiling: the same statements, `ids.length` distinct payments, same concurrency. */
export function inProcessCeiling(db: Db, c: Capture, ids: string[], concurrency: number, deadline: number): Promise<Measurement> {
  const run = replayer(db, c);
  return inProcessLoad(ids.length, concurrency, deadline, (i) => run(ids[i]));
}
