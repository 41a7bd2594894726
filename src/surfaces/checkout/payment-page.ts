// The sandbox checkout page of one payment (any dialect's: native nextAction links, Antom's
// normalUrl, NICEPAY's qrUrl): amount, QR code or transfer details, expiry, status, and the buyer's
// Pay / Fail form while the payment still waits for the buyer.
import { formatDisplay } from '../../core/money.ts';
import type { Payment } from '../../core/payments/model.ts';
import { checkoutPath } from '../../http/checkout-link.ts';
import { expiryText } from './expiry.ts';
import { escapeHtml as escape, renderPage } from './layout.ts';
import { qrSvg } from './qr.ts';

/** Statuses in which the buyer still has something to do (completeByBuyer accepts them). */
export const PAYABLE = new Set(['requires_confirmation', 'requires_action', 'processing']);

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

/**
 * What the buyer's last action did, carried in the redirect after the form (post-redirect-get).
 * A notice is shown only while the payment's status still agrees with it, so a stale or hand-edited
 * link never claims "paid" over a payment that is not.
 */
export const NOTICES = {
  paid: { text: 'Thank you, the payment is complete.', tone: 'ok', statuses: ['succeeded', 'requires_capture', 'processing'] },
  failed: { text: 'The payment failed.', tone: 'bad', statuses: ['payment_failed'] },
  returned: { text: 'This payment was already closed: the money you paid was returned to you.', tone: 'bad', statuses: ['canceled', 'expired'] },
  closed: { text: 'This payment can no longer be paid.', tone: 'bad', statuses: null },
  choose: { text: 'Choose Pay or Fail.', tone: 'bad', statuses: null },
} as const;
export type NoticeCode = keyof typeof NOTICES;

export const isNotice = (v: unknown): v is NoticeCode => typeof v === 'string' && Object.hasOwn(NOTICES, v);

/** The page's own address with a notice: where the form's POST redirects to. */
export const noticePath = (p: Payment, notice: NoticeCode) => `${checkoutPath(p)}&notice=${notice}`;

/** A merchant's return URL, only when it is a web address (never javascript: or data:). */
function redirectUrl(p: Payment): string | null {
  const url = p.dialectData.redirectUrl;
  return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
}

const row = (label: string, id: string, value: string) => `<dt>${label}</dt><dd id="${id}">${escape(value)}</dd>`;

/** QR code, transfer account or payment code: what the buyer needs to pay outside this page. */
async function instructions(p: Payment): Promise<{ qr: string; rows: string }> {
  const a = p.nextAction ?? {};
  const qr = a.type === 'display_qr_code' && typeof a.qrContent === 'string' && a.qrContent
    ? `${await qrSvg(a.qrContent, `QR code to pay ${formatDisplay(p.amount, p.currency)}`)}<p class="expiry">Scan with your banking or e-wallet app.</p>`
    : '';
  let rows = '';
  if (typeof a.accountNumber === 'string') rows += row('Account', 'account-number', a.accountNumber);
  if (typeof a.paymentCode === 'string') rows += row('Payment code', 'payment-code', a.paymentCode);
  return { qr, rows };
}

export interface PageInput {
  p: Payment;
  merchantName: string;
  now: Date;
  notice?: NoticeCode;
  /** Extra <head> markup: the refusal's meta refresh. */
  head?: string;
}

export async function paymentPage({ p, merchantName, now, notice, head }: PageInput): Promise<string> {
  const payable = PAYABLE.has(p.status);
  const n = notice ? NOTICES[notice] : undefined;
  const showNotice = n && (n.statuses === null || (n.statuses as readonly string[]).includes(p.status));
  const how = payable ? await instructions(p) : { qr: '', rows: '' };
  const form = payable
    ? `<form method="post" action="${escape(checkoutPath(p))}"><div class="actions">
<button class="pay" type="submit" name="outcome" value="succeeded">Pay</button>
<button class="fail" type="submit" name="outcome" value="failed">Fail</button></div></form>`
    : '';
  const back = !payable && redirectUrl(p) ? `<p class="return"><a id="return" href="${escape(redirectUrl(p)!)}">Return to ${escape(merchantName)}</a></p>` : '';
  const expiry = payable && p.expiresAt ? `<dt>Expires</dt><dd id="expiry" data-expires-at="${p.expiresAt.toISOString()}">${escape(expiryText(p.expiresAt, now))}</dd>` : '';
  return renderPage({
    title: `Pay ${merchantName}`,
    head,
    body: `${showNotice ? `<p id="notice" class="notice ${n.tone}" data-notice="${notice}" role="status"><strong>${escape(n.text)}</strong></p>` : ''}
<p class="merchant">${escape(merchantName)}</p>
<p class="amount" id="amount">${escape(formatDisplay(p.amount, p.currency))}</p>
${how.qr}<dl>${row('Method', 'method', p.methodType ?? p.paymentMethod ?? 'not chosen yet')}
<dt>Status</dt><dd id="status" data-status="${escape(p.status)}">${escape(STATUS_TEXT[p.status] ?? p.status)}</dd>
${how.rows}${expiry}${p.referenceId ? row('Order', 'order', p.referenceId) : ''}
${p.description ? row('Description', 'description', p.description) : ''}</dl>
${form}${back}`,
    footer: '<p class="note">Kasir sandbox: no real money moves. “Pay” completes the payment, “Fail” declines it.</p>',
  });
}

export const notFoundPage = () => renderPage({ title: 'Payment not found', body: '<h1>Payment not found</h1><p>Check the link you were given.</p>' });
