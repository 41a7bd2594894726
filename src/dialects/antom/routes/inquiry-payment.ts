// inquiryPayment: the payment as Antom shows it. `result` says whether the inquiry worked; the
// payment's own outcome is paymentStatus / paymentResultCode (render.ts documents the mapping).
import { readPayment } from '../../../core/payments/pending.ts';
import { antomMethodType } from '../methods.ts';
import { amount, compact, paymentResult, paymentStatus, paymentTime, SUCCESS, time, type AntomBody } from '../render.ts';
import type { AntomDeps, AntomRequest } from '../route.ts';
import { transactionsOf } from '../transactions.ts';
import { paymentLookup } from './payment-ref.ts';

export async function inquiryPayment(deps: AntomDeps, r: AntomRequest): Promise<AntomBody> {
  const { ref, merchantAccountId } = paymentLookup(r.body);
  // Through readPayment so an unpaid payment past its expiry reads as expired (FAIL), as it is.
  const p = await readPayment(deps.core, r.ctx, ref, merchantAccountId);
  const outcome = paymentResult(p);
  const transactions = await transactionsOf(deps.core, p);
  return compact({
    result: SUCCESS(),
    paymentStatus: paymentStatus(p),
    paymentResultCode: outcome.resultCode,
    paymentResultMessage: outcome.resultMessage,
    paymentRequestId: p.antomPaymentRequestId ?? undefined,
    paymentId: p.antomPaymentId ?? undefined,
    paymentAmount: amount(p.amount, p.currency),
    paymentCreateTime: time(p.createdAt),
    paymentTime: time(paymentTime(p)),
    paymentMethodType: antomMethodType(p.methodType, p.paymentMethod) ?? undefined,
    transactions: transactions.length ? transactions : undefined,
  });
}
