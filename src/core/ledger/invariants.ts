// The ledger's invariants (docs/architecture.md, ledger), checked by the tests after every scenario:
//  1. every journal sums to zero per currency;
//  2. the balances of all accounts sum to zero per currency, and each equals its entries' sum;
//  3. for every payment, captured − refunded − reversed equals its footprint on merchant accounts.
import type { Queryable } from '../../db/db.ts';

export async function ledgerViolations(q: Queryable): Promise<string[]> {
  const problems: string[] = [];
  const unbalanced = await q.query<{ journal_id: string; total: string }>(
    'SELECT journal_id, sum(amount) AS total FROM ledger_entries GROUP BY journal_id, currency HAVING sum(amount) <> 0',
  );
  for (const r of unbalanced.rows) problems.push(`journal ${r.journal_id} sums to ${r.total}`);
  const totals = await q.query<{ currency: string; total: string }>('SELECT currency, sum(balance) AS total FROM balances GROUP BY currency HAVING sum(balance) <> 0');
  for (const r of totals.rows) problems.push(`balances in ${r.currency} sum to ${r.total}`);
  const drift = await q.query<{ account: string; currency: string }>(
    `SELECT b.account, b.currency FROM balances b
       LEFT JOIN (SELECT account, currency, sum(amount) AS total FROM ledger_entries GROUP BY account, currency) e
         ON e.account = b.account AND e.currency = b.currency
      WHERE b.balance <> COALESCE(e.total, 0)`,
  );
  for (const r of drift.rows) problems.push(`balance of ${r.account} ${r.currency} differs from its entries`);
  // Reversals are the cancels of paid money (event data kind 'reversal'); voids move no money.
  const footprints = await q.query<{ id: string; expected: string; footprint: string }>(
    `SELECT p.id, (p.amount_received - p.amount_refunded - COALESCE(rv.total, 0)) AS expected, COALESCE(fp.total, 0) AS footprint
       FROM payments p
       LEFT JOIN (SELECT payment_id, sum(amount) AS total FROM payment_events
                   WHERE type IN ('canceled', 'partially_canceled') AND data->>'kind' = 'reversal' GROUP BY payment_id) rv ON rv.payment_id = p.id
       LEFT JOIN (SELECT j.payment_id, sum(e.amount) AS total FROM journals j JOIN ledger_entries e ON e.journal_id = j.id
                   WHERE e.account LIKE 'merchant:%' GROUP BY j.payment_id) fp ON fp.payment_id = p.id
      WHERE (p.amount_received - p.amount_refunded - COALESCE(rv.total, 0)) <> COALESCE(fp.total, 0)`,
  );
  for (const r of footprints.rows) problems.push(`payment ${r.id}: captured − refunded − reversed = ${r.expected}, ledger footprint ${r.footprint}`);
  return problems;
}
