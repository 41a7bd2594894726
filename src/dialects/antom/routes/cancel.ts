// cancel (seed 000, seed 001): one core cancelPayment. The antom rendering of an already canceled
// payment is a replay of the original success with the original cancelTime (docs/cancel-rules.md rule 2),
// so an SDK that retries after a lost response sees the cancel it made.
import { KasirError } from '../../../core/errors.ts';
import { cancelPayment } from '../../../core/payments/cancel.ts';
import type { Payment } from '../../../core/payments/model.ts';
import { findPayment } from '../../../core/payments/repo.ts';
import { compact, SUCCESS, time, type AntomBody } from '../render.ts';
import type { AntomDeps, AntomRequest } from '../route.ts';
import { paymentLookup } from './payment-ref.ts';

export async function cancel(deps: AntomDeps, r: AntomRequest): Promise<AntomBody> {
  const { ref, merchantAccountId } = paymentLookup(r.body);
  try {
    const { payment } = await cancelPayment(deps.core, r.ctx, { ref, merchantAccountId, reason: null });
    return canceled(payment);
  } catch (err) {
    if (!(err instanceof KasirError && err.code === 'ALREADY_CANCELED')) throw err;
    const p = await findPayment(deps.core.db, r.ctx.merchant.id, ref, merchantAccountId);
    if (!p?.canceledAt) throw err;
    return canceled(p);
  }
}

function canceled(p: Payment): AntomBody {
  return compact({
    result: SUCCESS(),
    paymentRequestId: p.antomPaymentRequestId ?? undefined,
    paymentId: p.antomPaymentId ?? undefined,
    cancelTime: time(p.canceledAt),
  });
}
