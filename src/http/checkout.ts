// The sandbox's hosted checkout page: where a buyer is sent by Antom's `normalUrl` and by the
// native dialect's nextAction (wallets, QR, 3-D Secure). A real HTML page with the payment and two
// buttons; the form posts the buyer's choice, which is core completeByBuyer — the processor
// reporting the buyer's outcome, for a payment of any dialect. Only the holder of the page's link
// (checkout-link.ts: the id and the payment's checkout token) sees or acts on the payment; without
// the right token the page is "not found", exactly like an unknown payment.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CallContext, CoreDeps } from '../core/deps.ts';
import { KasirError } from '../core/errors.ts';
import { isUuid } from '../core/ids.ts';
import { getMerchant, type MerchantDeps } from '../core/merchants/merchants.ts';
import { formatMajor } from '../core/money.ts';
import { completeByBuyer } from '../core/payments/buyer.ts';
import type { Payment } from '../core/payments/model.ts';
import { getPaymentById } from '../core/payments/repo.ts';
import { checkoutPath } from './checkout-link.ts';
import { rawBody } from './raw-body.ts';

export interface CheckoutDeps {
  core: CoreDeps;
  merchants: MerchantDeps;
}

/** Statuses in which the buyer still has something to do (completeByBuyer accepts them). */
const PAYABLE = new Set(['requires_confirmation', 'requires_action', 'processing']);

const STATUS_TEXT: Record<string, string> = {
  requires_payment_method: 'Waiting for a payment method',
  requires_confirmation: 'Waiting for you to pay',
  requires_action: 'Waiting for you to pay',
  processing: 'Waiting for you to pay',
  requires_capture: 'Authorized: the merchant will capture the payment',
  succeeded: 'Paid',
  canceled: 'Canceled by the merchant: no money was taken',
  expired: 'Expired: no money was taken',
  payment_failed: 'Failed: no money was taken',
};

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Kasir sandbox checkout</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1d2430}
.card{border:1px solid #d5dae1;border-radius:12px;padding:1.5rem}.amount{font-size:2rem;font-weight:600;margin:.25rem 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:.35rem 1rem}dt{color:#5b6573}dd{margin:0}
button{font-size:1rem;padding:.7rem 1.4rem;border-radius:8px;border:0;cursor:pointer;margin-right:.5rem}
.pay{background:#1a7f37;color:#fff}.fail{background:#e5e8ec}.note{color:#5b6573;font-size:.85rem}</style>
</head><body><main class="card">${body}</main>
<p class="note">Kasir sandbox: no real money moves. “Pay” completes the payment, “Fail” declines it.</p></body></html>`;
}

/** A merchant's return URL, only when it is a web address (never javascript: or data:). */
function redirectUrl(p: Payment): string | null {
  const url = p.dialectData.redirectUrl;
  return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
}

function paymentPage(p: Payment, merchantName: string, notice?: string): string {
  const method = p.methodType ?? p.paymentMethod ?? 'not chosen yet';
  const form = PAYABLE.has(p.status)
    ? `<form method="post" action="${escape(checkoutPath(p))}">
<button class="pay" type="submit" name="outcome" value="succeeded">Pay</button>
<button class="fail" type="submit" name="outcome" value="failed">Fail</button></form>`
    : '';
  const back = !PAYABLE.has(p.status) && redirectUrl(p) ? `<p><a id="return" href="${escape(redirectUrl(p)!)}">Return to ${escape(merchantName)}</a></p>` : '';
  return page(
    `Pay ${merchantName}`,
    `${notice ? `<p id="notice"><strong>${escape(notice)}</strong></p>` : ''}
<p>${escape(merchantName)}</p>
<p class="amount" id="amount">${escape(formatMajor(p.amount, p.currency))} ${escape(p.currency)}</p>
<dl><dt>Method</dt><dd id="method">${escape(method)}</dd>
<dt>Status</dt><dd id="status" data-status="${escape(p.status)}">${escape(STATUS_TEXT[p.status] ?? p.status)}</dd>
${p.referenceId ? `<dt>Order</dt><dd>${escape(p.referenceId)}</dd>` : ''}
${p.description ? `<dt>Description</dt><dd>${escape(p.description)}</dd>` : ''}</dl>
${form}${back}`,
  );
}

function send(reply: FastifyReply, status: number, html: string) {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    // The URL holds the checkout token: never hand it to the merchant's return page in a Referer.
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
    .send(html);
}

const notFound = (reply: FastifyReply) => send(reply, 404, page('Payment not found', '<h1>Payment not found</h1><p>Check the link you were given.</p>'));

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time, over digests so that neither the token's length nor its prefix leaks. */
function holdsToken(p: Payment, given: unknown): boolean {
  return typeof given === 'string' && p.checkoutToken !== null && timingSafeEqual(digest(given), digest(p.checkoutToken));
}

async function load(deps: CheckoutDeps, req: FastifyRequest): Promise<{ p: Payment; merchant: Awaited<ReturnType<typeof getMerchant>> } | null> {
  const id = (req.params as { id: string }).id;
  if (!isUuid(id)) return null;
  const p = await getPaymentById(deps.core.db, id.toLowerCase());
  // A live payment is paid on its provider's own page: the simulator does not know it.
  if (!p || p.processor !== 'sandbox' || !holdsToken(p, (req.query as { token?: unknown }).token)) return null;
  return { p, merchant: await getMerchant(deps.merchants.db, p.merchantId) };
}

export async function checkoutPages(app: FastifyInstance, deps: CheckoutDeps): Promise<void> {
  app.get('/sandbox/checkout/:id', async (req, reply) => {
    const found = await load(deps, req);
    return found ? send(reply, 200, paymentPage(found.p, found.merchant.name)) : notFound(reply);
  });

  app.post('/sandbox/checkout/:id', async (req, reply) => {
    const found = await load(deps, req);
    if (!found) return notFound(reply);
    const outcome = new URLSearchParams(rawBody(req.body).toString('utf8')).get('outcome');
    if (outcome !== 'succeeded' && outcome !== 'failed') {
      return send(reply, 400, paymentPage(found.p, found.merchant.name, 'Choose Pay or Fail.'));
    }
    // The buyer acts on the payment's own merchant, in the payment's own profile.
    const ctx: CallContext = { merchant: { id: found.merchant.id, mode: found.merchant.mode, contract: found.merchant.contract }, dialect: found.p.profile, requestId: req.id };
    try {
      const p = await completeByBuyer(deps.core, ctx, { id: found.p.id }, outcome);
      if (p.status === 'canceled' || p.status === 'expired') {
        // Paid after the merchant canceled (or it expired): core returned the late funds (seed 001).
        return send(reply, 409, paymentPage(p, found.merchant.name, 'This payment was already closed: the money you paid was returned to you.'));
      }
      const notice = p.status === 'payment_failed' ? 'The payment failed.' : 'Thank you, the payment is complete.';
      return send(reply, 200, paymentPage(p, found.merchant.name, notice));
    } catch (err) {
      if (!(err instanceof KasirError)) throw err;
      // Someone else decided first (the merchant canceled, the payment expired, another tab paid).
      const now = (await getPaymentById(deps.core.db, found.p.id)) ?? found.p;
      return send(reply, 409, paymentPage(now, found.merchant.name, 'This payment can no longer be paid.'));
    }
  });
}
