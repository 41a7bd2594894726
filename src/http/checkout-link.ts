// The link to a payment's sandbox checkout page (checkout.ts): its id and its checkout token, the
// secret that lets the holder pay (migrations/015). Built where buyers are sent to the page: the
// sandbox processor's nextAction URLs and Antom's normalUrl; the page's own form posts back to it.
import type { Payment } from '../core/payments/model.ts';

export function checkoutPath(p: Pick<Payment, 'id' | 'checkoutToken'>): string {
  return `/sandbox/checkout/${p.id}?token=${encodeURIComponent(p.checkoutToken ?? '')}`;
}
