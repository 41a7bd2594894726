// refund: refundRequestId is the idempotency key and is stored on the refund (inquiryRefund finds
// the refund by it). notifyRefund goes to refundNotifyUrl, or else to the payment's notify URL.
import { readPayment } from '../../../core/payments/pending.ts';
import { refundPayment, type Refund } from '../../../core/payments/refund.ts';
import type { Payment } from '../../../core/payments/model.ts';
import { validator } from '../../../http/validate.ts';
import { amount, compact, SUCCESS, time, type AntomBody } from '../render.ts';
import { idempotent, type AntomDeps, type AntomRequest } from '../route.ts';
import { minorUnits, RefundBody } from '../schemas.ts';

const check = validator(RefundBody);

export async function refund(deps: AntomDeps, r: AntomRequest): Promise<AntomBody> {
  const body = check.check(r.body);
  const ref = { antomPaymentId: body.paymentId };
  return idempotent(r, {
    scope: 'antom-refund',
    key: body.refundRequestId,
    request: r.body,
    run: async (ctx) => {
      const { currency } = await readPayment(deps.core, ctx, ref);
      const minor = minorUnits(body.refundAmount, 'refundAmount', currency);
      const done = await refundPayment(deps.core, ctx, {
        ref,
        amount: minor,
        reason: body.refundReason ?? null,
        requestId: body.refundRequestId,
        notifyUrl: body.refundNotifyUrl ?? null,
      });
      return { result: SUCCESS(), ...refundFields(done.payment, done.refund) };
    },
  });
}

export function refundFields(p: Payment, rf: Refund) {
  return compact({
    refundRequestId: rf.requestId ?? undefined,
    refundId: rf.id,
    paymentId: p.antomPaymentId ?? undefined,
    refundAmount: amount(rf.amount, rf.currency),
    refundTime: time(rf.createdAt),
  });
}
