// Payments waiting for their buyer at an upstream provider (requires_action at a connector) are asked
// about on a schedule: a lost notification must not leave a paid payment waiting forever. Each pass
// takes the ones asked least recently, asks the provider what became of the charge (sync = inquiry)
// and applies a settled answer through the same report as a notification (upstream-report.ts).
import type { CoreDeps } from '../deps.ts';
import { listOperations } from '../processors/operations.ts';
import { processorOf } from '../processors/processor.ts';
import { PAYMENT_SELECT, rowToPayment } from '../payments/model.ts';
import { reportCharge } from '../payments/upstream-report.ts';

export interface PollReport {
  asked: number;
  applied: number;
  errors: { paymentId: string; error: string }[];
}

export async function pollAwaitingUpstream(deps: CoreDeps, o: { everyMs: number; batch?: number }): Promise<PollReport> {
  const now = deps.clock.now();
  // Claim the batch by stamping it first: other nodes running the same job skip these rows.
  const { rows } = await deps.db.query(
    `UPDATE payments SET upstream_checked_at = $1
      WHERE id IN (SELECT id FROM payments
                    WHERE status = 'requires_action' AND processor <> 'sandbox' AND pending_operation IS NULL
                      AND (upstream_checked_at IS NULL OR upstream_checked_at <= $2)
                    ORDER BY upstream_checked_at NULLS FIRST LIMIT $3 FOR UPDATE SKIP LOCKED)
      RETURNING ${PAYMENT_SELECT}`,
    [now, new Date(now.getTime() - o.everyMs), o.batch ?? 50],
  );
  const report: PollReport = { asked: 0, applied: 0, errors: [] };
  for (const row of rows) {
    const p = rowToPayment(row);
    try {
      const charge = (await listOperations(deps.db, p.id)).findLast((op) => op.kind === 'authorize' && op.processor === p.processor);
      if (!charge) continue;
      report.asked++;
      const found = await (await processorOf(deps.processors, p)).sync(charge, p);
      if ((await reportCharge(deps, p.processor, charge.id, found, 'sync')) === 'applied') report.applied++;
    } catch (err) {
      report.errors.push({ paymentId: p.id, error: (err as Error).message });
    }
  }
  return report;
}
