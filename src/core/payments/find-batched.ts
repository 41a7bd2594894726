// The read that starts every operation on a payment (pending.ts: withPayment), shared between the
// requests in flight (src/db/coalesce.ts): reads that arrive while another is running go together
// in one statement, each looked up by its own merchant and id through the same index as alone.
// A read alone is findPayment's own statement, unchanged.
import { answered, coalesce, failed, type Answer } from '../../db/coalesce.ts';
import type { Queryable } from '../../db/db.ts';
import { COLUMNS, PAYMENT_SELECT, rowToPayment, type Payment } from './model.ts';
import { findPayment, type PaymentRef } from './repo.ts';

interface Lookup {
  merchantId: string;
  ref: PaymentRef;
  merchantAccountId: string | null;
}

type RefField = keyof Payment & keyof typeof COLUMNS;

/** One coalescer per database and statement shape (the column looked up, with or without the account). */
const readers = new WeakMap<Queryable, Map<string, (l: Lookup) => Promise<Payment | null>>>();

/** findPayment, read together with the other requests' reads in flight on `db`. */
export function findPaymentBatched(db: Queryable, merchantId: string, ref: PaymentRef, merchantAccountId?: string | null): Promise<Payment | null> {
  const field = Object.keys(ref)[0] as RefField;
  const shape = `${field}${merchantAccountId ? '+account' : ''}`;
  let byShape = readers.get(db);
  if (!byShape) readers.set(db, (byShape = new Map()));
  let read = byShape.get(shape);
  if (!read) byShape.set(shape, (read = coalesce((lookups: Lookup[]) => readAll(db, field, lookups))));
  return read({ merchantId, ref, merchantAccountId: merchantAccountId || null });
}

async function readAll(db: Queryable, field: RefField, lookups: Lookup[]): Promise<Answer<Payment | null>[]> {
  const one = (l: Lookup) => findPayment(db, l.merchantId, l.ref, l.merchantAccountId);
  if (lookups.length === 1) return [answered(await one(lookups[0]))];
  const withAccount = lookups[0].merchantAccountId !== null;
  const column = COLUMNS[field];
  const type = column === 'id' ? 'uuid' : 'text';
  let rows: Record<string, unknown>[];
  try {
    // LATERAL: each lookup is its own index probe, whatever the planner thinks of the array's size.
    ({ rows } = await db.query(
      `SELECT k.i AS lookup, p.*
         FROM unnest($1::uuid[], $2::${type}[]${withAccount ? ', $3::text[]' : ''}) WITH ORDINALITY AS k (merchant_id, value, ${withAccount ? 'account, ' : ''}i)
         CROSS JOIN LATERAL (SELECT ${PAYMENT_SELECT} FROM payments
                              WHERE merchant_id = k.merchant_id AND ${column} = k.value${withAccount ? ' AND merchant_account_id = k.account' : ''}) p`,
      [lookups.map((l) => l.merchantId), lookups.map((l) => Object.values(l.ref)[0]), ...(withAccount ? [lookups.map((l) => l.merchantAccountId)] : [])],
    ));
  } catch (err) {
    // One malformed value (an id that is no uuid: SQLSTATE class 22, data exception) fails the
    // whole statement: each read alone then gets exactly the answer, or the error, it would have
    // had without the others. Any other error (the database gone) is every read's.
    if (!String((err as { code?: unknown }).code ?? '').startsWith('22')) throw err;
    return Promise.all(lookups.map((l) => one(l).then(answered, failed<Payment | null>)));
  }
  const found = new Map<number, Payment>();
  for (const row of rows) {
    const i = Number(row.lookup) - 1;
    if (!found.has(i)) found.set(i, rowToPayment(row));
  }
  return lookups.map((_, i) => answered(found.get(i) ?? null));
}
