// The sandbox processor's own books (table sandbox_operations): one row per call it received, keyed
// by the operation id Kasir sent. This is the state a real upstream keeps on its side: a repeated
// call with the same id gets the first answer back, and `sync` reads the truth from here, whatever
// Kasir itself managed to record before a crash.
import type { Db, Queryable } from '../../db/db.ts';
import type { ErrorCode } from '../../core/errors.ts';
import type { OperationRecord } from '../../core/processors/processor.ts';

export type BookStatus = 'succeeded' | 'authorized' | 'failed' | 'action' | 'pending' | 'canceled';

export interface Booking {
  status: BookStatus;
  code?: ErrorCode | null;
  reason?: string | null;
  nextAction?: Record<string, unknown> | null;
}

export interface BookedCall extends Booking {
  /** This call created the row; false when the same operation id had been received before. */
  fresh: boolean;
  /** How many calls of the same kind this payment had before this one (for "the first … times out"). */
  earlierOfKind: number;
}

function rowToBooking(r: Record<string, unknown>): Booking {
  return {
    status: r.status as BookStatus,
    code: (r.code as ErrorCode) ?? null,
    reason: (r.reason as string) ?? null,
    nextAction: (r.next_action as Record<string, unknown>) ?? null,
  };
}

/**
 * Books `op` with the answer decided for it, or returns the answer booked for it earlier. `family`:
 * the kinds counted as "the same kind" for earlierOfKind (a void and a reversal are both cancels).
 */
export async function book(db: Db, op: OperationRecord, b: Booking, at: Date, family: readonly string[] = [op.kind]): Promise<BookedCall> {
  const { rows } = await db.query<Record<string, unknown>>(
    `INSERT INTO sandbox_operations (operation_id, payment_id, kind, amount, status, code, reason, next_action, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (operation_id) DO NOTHING
     RETURNING (SELECT count(*) FROM sandbox_operations WHERE payment_id = $2 AND kind = ANY($10)) AS earlier`,
    [op.id, op.paymentId, op.kind, op.amount, b.status, b.code ?? null, b.reason ?? null, b.nextAction ?? null, at, family],
  );
  if (rows.length) return { ...b, fresh: true, earlierOfKind: Number(rows[0].earlier) };
  const stored = await lookup(db, op.id);
  return { ...stored!, fresh: false, earlierOfKind: 0 };
}

export async function lookup(q: Queryable, operationId: string): Promise<Booking | null> {
  const { rows } = await q.query<Record<string, unknown>>('SELECT status, code, reason, next_action FROM sandbox_operations WHERE operation_id = $1', [operationId]);
  return rows[0] ? rowToBooking(rows[0]) : null;
}

const ABANDONED = 'abandoned';

/**
 * Makes sure `op` never takes effect: books it as canceled unless it was received already. Returns
 * the booking that stands afterwards and whether it is this tombstone.
 */
export async function tombstone(db: Db, op: OperationRecord, at: Date): Promise<{ booking: Booking; tombstoned: boolean }> {
  const { rows } = await db.query(
    `INSERT INTO sandbox_operations (operation_id, payment_id, kind, amount, status, reason, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'canceled', $6, $5, $5) ON CONFLICT (operation_id) DO NOTHING RETURNING 1`,
    [op.id, op.paymentId, op.kind, op.amount, at, ABANDONED],
  );
  if (rows.length) return { booking: { status: 'canceled', reason: ABANDONED }, tombstoned: true };
  return { booking: (await lookup(db, op.id))!, tombstoned: false };
}

/** Whether a booking is a tombstone: the call was abandoned before it arrived. */
export const isBar = (b: Booking) => b.status === 'canceled' && b.reason === ABANDONED;

/**
 * The buyer finished (or failed) a charge at the sandbox: the authorization `op` moves from waiting
 * to its outcome; a charge the sandbox never saw (a payment the buyer pays on the checkout page before
 * anything was submitted) is booked under that id. Returns the booking that stands afterwards: a
 * charge already final keeps its outcome (`changed` false), whatever the buyer asked for.
 */
export async function settleByBuyer(db: Db, op: OperationRecord, status: 'succeeded' | 'authorized' | 'failed', at: Date): Promise<{ booking: Booking; changed: boolean }> {
  const reason = status === 'failed' ? 'buyer_failed' : null;
  const { rows } = await db.query(
    `UPDATE sandbox_operations SET status = $2, reason = $3, next_action = NULL, updated_at = $4
      WHERE operation_id = $1 AND status IN ('action', 'pending') RETURNING 1`,
    [op.id, status, reason, at],
  );
  if (rows.length) return { booking: { status, reason }, changed: true };
  const booked = await book(db, op, { status, reason }, at);
  return { booking: booked, changed: booked.fresh };
}
