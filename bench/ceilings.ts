// Database ceiling: the statements one cancel issued (captured by kasir.ts), replayed against
// payments cloned from one in the same state. In-process through Kasir's own Db (PGlite's only
// option; on PostgreSQL it isolates the node-pg driver's share), and by pgbench (pgbench.ts).
import { COLUMNS } from '../src/core/payments/model.ts';
import type { Db } from '../src/db/db.ts';
import type { Statement } from './kasir.ts';
import { inProcessLoad, type Measurement } from './load.ts';

/**
 * Copies `template` (a payment in the scenario's state, never canceled) `count` times in one
 * statement. Every column is the template's except the unique ones and `reference_id`, which names
 * the payment `stride` rows later: pgbench client c walks c, c+stride, c+2·stride… (pgbench.ts).
 * Returns the new ids in order when asked (the in-process loop needs them; pgbench does not).
 */
export async function clonePayments(db: Db, template: string, count: number, stride: number, tag: string, returning: boolean): Promise<string[]> {
  const special: Record<string, string> = {
    id: 'c.id',
    reference_id: 'c.next',
    antom_payment_id: `'${tag}_' || c.g`,
    client_secret: `c.id::text || '_secret'`,
  };
  const columns = Object.values(COLUMNS);
  const select = columns.map((col) => special[col] ?? `t.${col}`).join(', ');
  const { rows } = await db.query<{ id: string }>(
    `WITH s AS (SELECT g, gen_random_uuid() AS id FROM generate_series(1, $1::int) g),
          c AS (SELECT g, id, lead(id::text, $2::int) OVER (ORDER BY g) AS next FROM s)
     INSERT INTO payments (${columns.join(', ')})
     SELECT ${select} FROM c CROSS JOIN payments t WHERE t.id = $3
     ${returning ? 'RETURNING id, antom_payment_id' : ''}`,
    [count, stride, template],
  );
  if (!returning) return [];
  const order = (r: Record<string, unknown>) => Number(String(r.antom_payment_id).slice(tag.length + 1));
  return [...rows].sort((a, b) => order(a as never) - order(b as never)).map((r) => r.id);
}

/** Replays one cancel's statements against payment `id` (a clone of the captured payment's twin). */
export function replayer(db: Db, statements: Statement[], capturedId: string): (id: string) => Promise<boolean> {
  return async (id) => {
    let last = 0;
    for (const s of statements) {
      const params = s.params.map((v) => (v === capturedId ? id : v));
      last = (await db.query(s.sql, params)).rows.length;
      if (last === 0) return false; // a guard matched nothing: not a distinct, cancellable payment
    }
    return last === 1;
  };
}

/** The in-process ceiling: the same statements, `ids.length` distinct payments, same concurrency. */
export function inProcessCeiling(db: Db, statements: Statement[], capturedId: string, ids: string[], concurrency: number, deadline: number): Promise<Measurement> {
  const run = replayer(db, statements, capturedId);
  return inProcessLoad(ids.length, concurrency, deadline, (i) => run(ids[i]));
}
