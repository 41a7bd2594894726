// What must hold after the crashes, read from the database rather than from the answers: nothing
// lost, nothing doubled, no success nobody caused, the ledger balanced, and the sandbox processor's
// own books agreeing with Kasir's.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../../src/db/db.ts';
import { ledgerViolations } from '../../src/core/ledger/invariants.ts';
import type { ReportedId } from './load.ts';
import type { Scenario } from './scenarios.ts';

export interface Findings {
  lost: string[];
  doubled: string[];
  unexplainedSuccesses: string[];
  wrongFinalState: string[];
  stuckPending: string[];
  ledger: string[];
  /** null: the sandbox keeps no books of its own yet (no sandbox_operations table). */
  processor: string[] | null;
}

const PAID = new Set(['succeeded', 'requires_capture']);

/**
 * Lets the reconciler finish what the kills left pending: polls until no payment has a processor
 * call pending, except the ones whose processor never answers (card …0119), within `timeoutMs`.
 * Waits at least `minMs` either way, so the background jobs run over the final state at least once.
 */
export async function settle(db: Db, scenarios: Scenario[], minMs: number, timeoutMs: number): Promise<string[]> {
  const silent = new Set(scenarios.filter((s) => s.neverAnswers).map((s) => `${s.merchant.id}/${s.key}`));
  const started = Date.now();
  for (;;) {
    const { rows } = await db.query<{ id: string; merchant_id: string; reference_id: string | null; pending_operation: string; pending_state: string }>(
      'SELECT id, merchant_id, reference_id, pending_operation, pending_state FROM payments WHERE pending_operation IS NOT NULL',
    );
    const left = rows.filter((r) => !silent.has(`${r.merchant_id}/${r.reference_id}`));
    const waited = Date.now() - started;
    if ((left.length === 0 && waited >= minMs) || waited >= timeoutMs) {
      return left.map((r) => `payment ${r.id} (${r.reference_id}): ${r.pending_operation} still ${r.pending_state} after ${Math.round(waited / 1000)} s`);
    }
    await sleep(250);
  }
}

export async function check(db: Db, scenarios: Scenario[], completed: Set<Scenario>, ids: ReportedId[]): Promise<Omit<Findings, 'stuckPending'>> {
  const f: Omit<Findings, 'stuckPending'> = { lost: [], doubled: [], unexplainedSuccesses: [], wrongFinalState: [], ledger: [], processor: null };
  const count = async (sql: string, params: unknown[]) => Number((await db.query<{ n: string }>(sql, params)).rows[0].n);

  for (const s of scenarios) {
    // The key is the reference in every dialect (native referenceId, Antom referenceOrderId, NICEPAY
    // referenceNo) and the Antom / NICEPAY request id too: reference_id, not unique, can show a second
    // payment the dialects' unique columns would not.
    const { rows } = await db.query<{ id: string; status: string; amount_received: string; amount_refunded: string }>(
      `SELECT id, status, amount_received, amount_refunded FROM payments
        WHERE merchant_id = $1 AND (reference_id = $2 OR antom_payment_request_id = $2 OR nicepay_reference_no = $2)`,
      [s.merchant.id, s.key],
    );
    if (rows.length > 1) f.doubled.push(`${s.label}: ${rows.length} payments for key ${s.key}: ${rows.map((p) => `${p.id} ${p.status}`).join(', ')}`);
    if (rows.length === 0) {
      // Nothing stored is a loss only when the work was confirmed to the client.
      if (completed.has(s)) f.lost.push(`${s.label}: no payment for key ${s.key}, though every step was answered`);
      continue;
    }
    for (const p of rows) {
      if (PAID.has(p.status) && !PAID.has(s.final.status)) {
        f.unexplainedSuccesses.push(`${s.label}: payment ${p.id} is ${p.status}, expected ${s.final.status}`);
      }
      const rf = await db.query<{ status: string; amount: string; request_id: string | null }>(
        'SELECT status, amount, request_id FROM refunds WHERE payment_id = $1 ORDER BY created_at',
        [p.id],
      );
      // A refund the processor never received (rolled back after a crash, status failed) moved no
      // money; the sandbox's books check that separately. Only the others count.
      const refunds = rf.rows.filter((r) => r.status !== 'failed').length;
      const captures = await count(`SELECT count(*) AS n FROM payment_events WHERE payment_id = $1 AND type = 'captured'`, [p.id]);
      if (refunds > s.refunds) {
        const list = rf.rows.map((r) => `${r.amount} ${r.status} (request id ${r.request_id})`).join(', ');
        f.doubled.push(`${s.label}: ${refunds} refunds on payment ${p.id}, expected ${s.refunds}: ${list}`);
      }
      if (captures > s.captures) f.doubled.push(`${s.label}: ${captures} captures of payment ${p.id}, expected ${s.captures}`);
      if (!completed.has(s) || rows.length > 1) continue;
      const want = s.final;
      const got = { status: p.status, received: BigInt(p.amount_received), refunded: BigInt(p.amount_refunded) };
      if (got.status !== want.status || got.received !== want.received || got.refunded !== want.refunded) {
        f.wrongFinalState.push(`${s.label}: payment ${p.id} is ${fmt(got)}, expected ${fmt(want)}`);
      }
      if (refunds < s.refunds || captures < s.captures) {
        f.lost.push(`${s.label}: payment ${p.id} has ${refunds} refund(s) and ${captures} capture(s), expected ${s.refunds} and ${s.captures}`);
      }
    }
    if (s.refundKey) {
      const n = await count('SELECT count(*) AS n FROM refunds WHERE merchant_id = $1 AND request_id = $2', [s.merchant.id, s.refundKey]);
      if (n > 1) f.doubled.push(`${s.label}: ${n} refunds for refundRequestId ${s.refundKey}`);
      if (n === 0 && completed.has(s)) f.lost.push(`${s.label}: no refund for refundRequestId ${s.refundKey}`);
    }
  }

  const WHERE: Record<ReportedId['kind'], string> = {
    payment: 'SELECT count(*) AS n FROM payments WHERE id = $1 AND merchant_id = $2',
    antomPayment: 'SELECT count(*) AS n FROM payments WHERE antom_payment_id = $1 AND merchant_id = $2',
    txid: 'SELECT count(*) AS n FROM payments WHERE nicepay_txid = $1 AND merchant_id = $2',
    refund: 'SELECT count(*) AS n FROM refunds WHERE id = $1 AND merchant_id = $2',
    antomRefund: 'SELECT count(*) AS n FROM refunds WHERE id = $1 AND merchant_id = $2',
  };
  const seen = new Set<string>();
  for (const r of ids) {
    const k = `${r.kind}/${r.id}`;
    if (seen.has(k)) continue;
    seen.add(k);
    if ((await count(WHERE[r.kind], [r.id, r.scenario.merchant.id])) !== 1) f.lost.push(`${r.scenario.label}: answered ${r.kind} ${r.id}, which is not stored`);
  }

  f.ledger = await ledgerViolations(db);
  f.processor = await processorBooks(db);
  return f;
}

const fmt = (x: { status: string; received: bigint; refunded: bigint }) => `${x.status} (received ${x.received}, refunded ${x.refunded})`;

/** Kasir's totals against the sandbox processor's own record of operations, when it keeps one. */
export async function processorBooks(db: Db): Promise<string[] | null> {
  const { rows } = await db.query<{ t: string | null }>(`SELECT to_regclass('sandbox_operations')::text AS t`);
  if (!rows[0].t) return null;
  const out: string[] = [];
  const refunds = await db.query<{ id: string; refunded: string; books: string }>(
    `SELECT p.id, p.amount_refunded AS refunded, COALESCE(o.total, 0) AS books FROM payments p
       LEFT JOIN (SELECT payment_id, sum(amount) AS total FROM sandbox_operations
                   WHERE kind = 'refund' AND status = 'succeeded' GROUP BY payment_id) o ON o.payment_id = p.id
      WHERE p.amount_refunded <> COALESCE(o.total, 0)`,
  );
  for (const r of refunds.rows) out.push(`payment ${r.id}: amount_refunded ${r.refunded}, processor refunded ${r.books}`);
  const unpaid = await db.query<{ id: string; received: string }>(
    `SELECT p.id, p.amount_received AS received FROM payments p
      WHERE p.amount_received > 0 AND NOT EXISTS (
        SELECT 1 FROM sandbox_operations o WHERE o.payment_id = p.id AND o.status = 'succeeded' AND o.kind IN ('authorize', 'capture'))`,
  );
  for (const r of unpaid.rows) out.push(`payment ${r.id}: received ${r.received}, but the processor has no succeeded authorize or capture`);
  // A confirm retried after a crash must resume its operation, not send the processor a second one.
  const twice = await db.query<{ payment_id: string; n: string }>(
    `SELECT payment_id, count(*) AS n FROM sandbox_operations
      WHERE kind = 'authorize' AND status IN ('succeeded', 'authorized') GROUP BY payment_id HAVING count(*) > 1`,
  );
  for (const r of twice.rows) out.push(`payment ${r.payment_id}: the processor authorized it ${r.n} times`);
  return out;
}
