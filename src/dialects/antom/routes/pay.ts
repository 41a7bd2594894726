// pay (CASHIER_PAYMENT): create the payment in the antom profile and submit it, so the buyer gets a
// hosted checkout page (normalUrl); the outcome arrives by notifyPayment or inquiryPayment.
import { KasirError, invalidParameter } from '../../../core/errors.ts';
import { requestHash } from '../../../core/idempotency.ts';
import { isCurrency } from '../../../core/money.ts';
import { submitIfOwed } from '../../../core/payments/confirm.ts';
import { createPayment } from '../../../core/payments/create.ts';
import type { Payment } from '../../../core/payments/model.ts';
import { readPayment } from '../../../core/payments/pending.ts';
import { findPayment } from '../../../core/payments/repo.ts';
import { checkoutPath } from '../../../http/checkout-link.ts';
import { validator } from '../../../http/validate.ts';
import { coreMethodFor } from '../methods.ts';
import { amount, compact, paymentResult, paymentStatus, paymentTime, time, type AntomBody } from '../render.ts';
import { idempotent, type AntomDeps, type AntomRequest } from '../route.ts';
import { canonical, minorUnits, parseDateTime, PayBody } from '../schemas.ts';

const check = validator(PayBody);

/** Antom's default when paymentExpiryTime is absent: 14 minutes after the request (cashier payments). */
export const DEFAULT_EXPIRY_MS = 14 * 60_000;

/**
 * The core events notifyPayment reports: a final result (succeeded, a card authorized, failed,
 * expired). Cancel sends none (seed 001). notifyCapture and notifyRefund are not sent yet: they need
 * the capture/refund request ids on the outbox item (see the report of issue 3).
 */
export const NOTIFY_EVENTS = ['succeeded', 'authorized', 'failed', 'expired', 'captured', 'refunded'];

const AWAITING_BUYER = new Set(['requires_payment_method', 'requires_confirmation', 'requires_action']);

export async function pay(deps: AntomDeps, r: AntomRequest): Promise<AntomBody> {
  const body = check.check(r.body);
  if (body.productCode !== 'CASHIER_PAYMENT') throw invalidParameter('productCode', 'must be CASHIER_PAYMENT: the only product the sandbox offers');
  if (!isCurrency(body.paymentAmount.currency)) throw new KasirError('CURRENCY_MISMATCH', 'The currency is not supported', { field: 'paymentAmount.currency' });
  const minor = minorUnits(body.paymentAmount, 'paymentAmount');
  const now = deps.core.clock.now();
  const expiresAt = body.paymentExpiryTime ? parseDateTime(body.paymentExpiryTime, 'paymentExpiryTime') : new Date(now.getTime() + DEFAULT_EXPIRY_MS);
  if (expiresAt <= now) throw invalidParameter('paymentExpiryTime', 'must be in the future');
  const method = coreMethodFor(body.paymentMethod.paymentMethodType);
  const cardNo = body.paymentMethod.paymentMethodMetaData?.cardNo;
  // The same value idempotent() compares, kept on the payment for retries after the stored answer is gone.
  const hash = requestHash('antom-pay', canonical(r.body));
  return idempotent(r, {
    scope: 'antom-pay',
    key: body.paymentRequestId,
    request: r.body,
    // The payment exists once PAYMENT_IN_PROCESS was answered: a retry must get the same paymentId.
    final: (b) => b.result.resultCode !== 'UNKNOWN_EXCEPTION',
    run: async (ctx) => {
      // A cashier card payment without card data waits for the buyer to enter the card on the
      // checkout page: nothing to submit yet. Everything else is submitted now.
      // Live: the provider's cashier page asks the buyer for the card, so the payment goes there now.
      const submits = method !== 'card' || Boolean(cardNo) || ctx.merchant.mode === 'live';
      const card = cardNo ? { number: cardNo } : undefined;
      const existing = await findPayment(deps.core.db, ctx.merchant.id, { antomPaymentRequestId: body.paymentRequestId });
      if (existing) {
        // The stored answer is gone (kept 24 h) or was never written (crash): compare with the request
        // the payment was made from, finish what a crashed attempt left (made but not submitted, or
        // its own submission unanswered), and answer with the payment as it is now.
        if (existing.dialectData.requestHash !== hash) throw new KasirError('IDEMPOTENCY_MISMATCH', 'paymentRequestId was used for another payment');
        if (submits) await submitIfOwed(deps.core, ctx, existing, card);
        // Read as it is now: an unpaid payment past its expiry answers as expired.
        return renderPay(deps, await readPayment(deps.core, ctx, { antomPaymentRequestId: body.paymentRequestId }));
      }
      let p = await createPayment(deps.core, ctx, {
        profile: 'antom',
        amount: minor,
        currency: body.paymentAmount.currency,
        paymentMethod: method,
        methodType: body.paymentMethod.paymentMethodType.toUpperCase(),
        // Wallets and QR methods have no authorization step: MANUAL applies to cards only.
        captureMethod: method === 'card' && body.paymentFactor?.captureMode === 'MANUAL' ? 'manual' : 'automatic',
        referenceId: body.order.referenceOrderId ?? null,
        description: body.order.orderDescription ?? null, // carries `sandbox:<trigger>` words
        expiresAt,
        merchantAccountId: body.merchantAccountId ?? null,
        antomPaymentRequestId: body.paymentRequestId,
        card,
        dialectData: compact({
          notifyUrl: body.paymentNotifyUrl,
          notifyEvents: NOTIFY_EVENTS,
          redirectUrl: body.paymentRedirectUrl,
          requestHash: hash,
        }),
      });
      if (submits) p = await submitIfOwed(deps.core, ctx, p, card);
      return renderPay(deps, p);
    },
  });
}

export function checkoutUrl(deps: AntomDeps, p: Payment): string {
  const next = p.nextAction ?? {};
  const given = typeof next.url === 'string' ? next.url : typeof next.checkoutUrl === 'string' ? next.checkoutUrl : null;
  return given ?? deps.publicUrl() + checkoutPath(p);
}

export function renderPay(deps: AntomDeps, p: Payment): AntomBody {
  const success = paymentStatus(p) === 'SUCCESS';
  return compact({
    result: paymentResult(p),
    paymentRequestId: p.antomPaymentRequestId ?? undefined,
    paymentId: p.antomPaymentId ?? undefined,
    paymentAmount: amount(p.amount, p.currency),
    paymentCreateTime: time(p.createdAt),
    paymentTime: success ? time(paymentTime(p)) : undefined,
    normalUrl: AWAITING_BUYER.has(p.status) ? checkoutUrl(deps, p) : undefined,
  });
}
