// Unpaid payments lapse at expiresAt. Reads also expire lazily (pending.ts), so this sweep only has
// to make the stored status true for payments nobody looks at.
import type { CoreDeps } from '../deps.ts';
import { PAYMENT_SELECT, rowToPayment } from '../payments/model.ts';
import { expireIfDue } from '../payments/pending.ts';
import { EXPIRABLE } from '../payments/states.ts';

export async function sweepExpired(deps: CoreDeps, batch = 200): Promise<number> {
  const { rows } = await deps.db.query(
    // Charges waiting at an upstream provider lapse when it says so (poll-upstream.ts), not here.
    `SELECT ${PAYMENT_SELECT} FROM payments WHERE status = ANY($1) AND expires_at <= $2
        AND NOT (status = 'requires_action' AND processor <> 'sandbox') ORDER BY expires_at LIMIT $3`,
    [EXPIRABLE, deps.clock.now(), batch],
  );
  let expired = 0;
  for (const row of rows) {
    const after = await expireIfDue(deps, rowToPayment(row));
    if (after?.status === 'expired') expired++;
  }
  return expired;
}
