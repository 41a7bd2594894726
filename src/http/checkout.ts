// The sandbox's hosted checkout page: where a buyer is sent by Antom's `normalUrl` and by the
// native dialect's nextAction (wallets, QR, 3-D Secure). A real HTML page with the payment and two
// buttons (surfaces/checkout/payment-page.ts); the form posts the buyer's choice, which is core
// completeByBuyer — the processor reporting the buyer's outcome, for a payment of any dialect. Only
// the holder of the page's link (checkout-link.ts: the id and the payment's checkout token) sees or
// acts on the payment; without the right token the page is "not found", exactly like an unknown one.
//
// Post-redirect-get: a POST that reached the core answers 303 to the page itself with a notice, so
// reloading the result never posts the buyer's choice again. A refusal (409: someone else decided
// first, or the money came after the payment closed) keeps its status code for scripts and moves
// browsers on to the same GET page at once, for the same reason.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CallContext, CoreDeps } from '../core/deps.ts';
import { KasirError } from '../core/errors.ts';
import { isUuid } from '../core/ids.ts';
import { getMerchant, type MerchantDeps } from '../core/merchants/merchants.ts';
import { completeByBuyer } from '../core/payments/buyer.ts';
import type { Payment } from '../core/payments/model.ts';
import { getPaymentById } from '../core/payments/repo.ts';
import { escapeHtml } from '../surfaces/checkout/layout.ts';
import { isNotice, notFoundPage, noticePath, paymentPage, type NoticeCode } from '../surfaces/checkout/payment-page.ts';
import { contentSecurityPolicy, STYLESHEET, STYLESHEET_ROUTE } from '../surfaces/checkout/style.ts';
import { rawBody } from './raw-body.ts';

export interface CheckoutDeps {
  core: CoreDeps;
  merchants: MerchantDeps;
}

function send(reply: FastifyReply, status: number, html: string) {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    // The URL holds the checkout token: never hand it to the merchant's return page in a Referer.
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', contentSecurityPolicy())
    .header('x-frame-options', 'DENY')
    .send(html);
}

const notFound = (reply: FastifyReply) => send(reply, 404, notFoundPage());

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time, over digests so that neither the token's length nor its prefix leaks. */
function holdsToken(p: Payment, given: unknown): boolean {
  return typeof given === 'string' && p.checkoutToken !== null && timingSafeEqual(digest(given), digest(p.checkoutToken));
}

type Found = { p: Payment; merchant: Awaited<ReturnType<typeof getMerchant>> };

async function load(deps: CheckoutDeps, req: FastifyRequest): Promise<Found | null> {
  const id = (req.params as { id: string }).id;
  if (!isUuid(id)) return null;
  const p = await getPaymentById(deps.core.db, id.toLowerCase());
  // A live payment is paid on its provider's own page: the simulator does not know it.
  if (!p || p.processor !== 'sandbox' || !holdsToken(p, (req.query as { token?: unknown }).token)) return null;
  return { p, merchant: await getMerchant(deps.merchants.db, p.merchantId) };
}

const render = (deps: CheckoutDeps, f: Found, p: Payment, notice?: NoticeCode, head?: string) =>
  paymentPage({ p, merchantName: f.merchant.name, now: deps.core.clock.now(), notice, head });

/** A refusal: the page with its notice, plus a meta refresh that replaces it with the GET page. */
async function refused(deps: CheckoutDeps, reply: FastifyReply, f: Found, p: Payment, notice: NoticeCode) {
  const refresh = `<meta http-equiv="refresh" content="0;url=${escapeHtml(noticePath(p, notice))}">`;
  return send(reply, 409, await render(deps, f, p, notice, refresh));
}

export async function checkoutPages(app: FastifyInstance, deps: CheckoutDeps): Promise<void> {
  // The buyer pages' one stylesheet (every dialect's): its path names its content, so cache it for good.
  app.get(STYLESHEET_ROUTE, async (_req, reply) =>
    reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=31536000, immutable').send(STYLESHEET));

  app.get('/sandbox/checkout/:id', async (req, reply) => {
    const found = await load(deps, req);
    if (!found) return notFound(reply);
    const notice = (req.query as { notice?: unknown }).notice;
    return send(reply, 200, await render(deps, found, found.p, isNotice(notice) ? notice : undefined));
  });

  app.post('/sandbox/checkout/:id', async (req, reply) => {
    const found = await load(deps, req);
    if (!found) return notFound(reply);
    const outcome = new URLSearchParams(rawBody(req.body).toString('utf8')).get('outcome');
    // Nothing happened: answering the form again is harmless, so no redirect.
    if (outcome !== 'succeeded' && outcome !== 'failed') return send(reply, 400, await render(deps, found, found.p, 'choose'));
    // The buyer acts on the payment's own merchant, in the payment's own profile.
    const ctx: CallContext = { merchant: { id: found.merchant.id, mode: found.merchant.mode, contract: found.merchant.contract }, dialect: found.p.profile, requestId: req.id };
    try {
      const p = await completeByBuyer(deps.core, ctx, { id: found.p.id }, outcome);
      // Paid after the merchant canceled (or it expired): core returned the late funds
      // (docs/cancel-rules.md). A reload must not pay, and return, a second time.
      if (p.status === 'canceled' || p.status === 'expired') return refused(deps, reply, found, p, 'returned');
      return reply.code(303).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer')
        .header('location', noticePath(p, p.status === 'payment_failed' ? 'failed' : 'paid')).send();
    } catch (err) {
      if (!(err instanceof KasirError)) throw err;
      // Someone else decided first (the merchant canceled, the payment expired, another tab paid).
      const now = (await getPaymentById(deps.core.db, found.p.id)) ?? found.p;
      return refused(deps, reply, found, now, 'closed');
    }
  });
}
