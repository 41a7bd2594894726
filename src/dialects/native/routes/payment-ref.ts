import { KasirError } from '../../../core/errors.ts';
import { isUuid } from '../../../core/ids.ts';
import type { PaymentRef } from '../../../core/payments/repo.ts';

/** A malformed id cannot name any payment: 404 like an unknown one, never a 500 (docs/native-api.md). */
export function paymentRef(id: string | undefined): PaymentRef {
  if (!isUuid(id)) throw new KasirError('PAYMENT_NOT_FOUND', 'Payment not found');
  return { id: id.toLowerCase() };
}
