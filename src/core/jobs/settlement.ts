// Settlement: after a configurable delay, a paid payment's net funds move from the merchant's
// pending balance to its available balance (once per payment; the 'settled' event marks it).
import type { Queryable } from '../../db/db.ts';
import type { CoreDeps } from '../deps.ts';
import { merchantAccount } from '../ledger/accounts.ts';
import { postSettlement } from '../ledger/postings.ts';
import { PAYMENT_SELECT, rowToPayment } from '../payments/model.ts';
import { updateWithJournal } from '../payments/pending.ts';

async function pendingFootprint(q: Queryable, paymentId: string, merchantId: string): Promise<bigint> {
  const { rows } = await q.query<{ total: string }>(
    `SELECT COALESCE(sum(e.amount), 0) AS total FROM journals j JOIN ledger_entries e ON e.journal_id = j.id
      WHERE j.payment_id = $1 AND e.account = $2`,
    [paymentId, merchantAccount(merchantId, 'pending')],
  );
  return BigInt(rows[0].total);
}

/** Settles payments that succeeded at least `delayMs` ago; returns how many were settled. */
export async function settleDue(deps: CoreDeps, delayMs: number, batch = 200): Promise<number> {
  const now = deps.clock.now();
  // Payments with a processor call under way are left for the next run: their funds are moving.
  const { rows } = await deps.db.query(
    `SELECT ${PAYMENT_SELECT} FROM payments
      WHERE settled_at IS NULL AND succeeded_at IS NOT NULL AND succeeded_at <= $1 AND pending_operation IS NULL
      ORDER BY succeeded_at LIMIT $2`,
    [new Date(now.getTime() - delayMs), batch],
  );
  let settled = 0;
  for (const row of rows) {
    const p = rowToPayment(row);
    const done = await updateWithJournal(deps, p, 'settled', { settledAt: now }, now, { dialect: 'system' }, async (q, u) => {
      const amount = await pendingFootprint(q, u.id, u.merchantId);
      if (amount > 0n) await postSettlement(q, u, amount, now);
    });
    if (done) settled++;
  }
  return settled;
}
