// cancel and inquiryPayment name a payment the same way (seed 000): paymentId or paymentRequestId,
// not both absent, paymentId wins; merchantAccountId narrows the look-up.
import { invalidParameter } from '../../../core/errors.ts';
import type { PaymentRef } from '../../../core/payments/repo.ts';
import { validator } from '../../../http/validate.ts';
import { PaymentLookupBody } from '../schemas.ts';

const check = validator(PaymentLookupBody);

export interface PaymentLookup {
  ref: PaymentRef;
  merchantAccountId: string | null;
}

export function paymentLookup(body: Record<string, unknown>): PaymentLookup {
  const b = check.check(body);
  if (b.paymentId === undefined && b.paymentRequestId === undefined) {
    throw invalidParameter('paymentId', 'and paymentRequestId cannot both be null');
  }
  return {
    ref: b.paymentId !== undefined ? { antomPaymentId: b.paymentId } : { antomPaymentRequestId: b.paymentRequestId! },
    merchantAccountId: b.merchantAccountId ?? null,
  };
}
