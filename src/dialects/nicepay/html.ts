// The browser-facing pages of the NICEPAY dialect: the hand-back to the merchant's callBackUrl (an
// HTML page, never a bare 302: clients open it in a web view), the sandbox's 3-D Secure and
// e-wallet approval pages, and an error page for requests that cannot be handed back.
import { formatDisplay } from '../../core/money.ts';
import { renderPage } from '../../surfaces/checkout/layout.ts';

export const HTML_TYPE = 'text/html; charset=utf-8';

// Named entities, not layout.ts's numeric ones: clients (and our tests) read the hidden fields and
// the #continue link back with exactly these replacements.
const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** The shared buyer-page shell and style (surfaces/checkout), so every dialect's pages look alike. */
const page = (title: string, body: string, extra: { head?: string; script?: string } = {}) =>
  renderPage({ title, body, ...extra, footer: '<p class="note">NICEPAY-compatible sandbox by Kasir.</p>' });

/** amt is whole Rupiah on NICEPAY's wire; shown the Indonesian way ("Rp 15.000"). */
const rupiah = (amt: string) => (/^\d{1,16}$/.test(amt) ? formatDisplay(BigInt(amt) * 100n, 'IDR') : `IDR ${amt}`);

/** callBackUrl with the result appended as query parameters (existing parameters are kept). */
export function callbackTarget(callBackUrl: string, params: Record<string, string | null | undefined>): string {
  const url = new URL(callBackUrl);
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

/** Sends the browser on to `target` at once (meta refresh and script), with a link as fallback. */
export function redirectPage(target: string, result: { resultCd: string; resultMsg: string }): string {
  const t = esc(target);
  return page(
    'Returning to the merchant',
    `<h1>Returning to the merchant</h1><p>Payment result <code id="resultCd">${esc(result.resultCd)}</code> <span id="resultMsg">${esc(result.resultMsg)}</span></p>
<p class="return"><a id="continue" href="${t}">Continue to the merchant</a></p>`,
    // The script is allowed by its hash in the page's CSP; the meta refresh covers browsers without it.
    { head: `<meta http-equiv="refresh" content="0;url=${t}">`, script: `location.replace(${JSON.stringify(target).replace(/</g, '\\u003c')});` },
  );
}

/** A request that cannot be handed back (no valid token or no callBackUrl): shown, not redirected. */
export function errorPage(result: { resultCd: string; resultMsg: string }): string {
  return page(
    'Payment request refused',
    `<h1>Payment request refused</h1><p><code id="resultCd">${esc(result.resultCd)}</code> <span id="resultMsg">${esc(result.resultMsg)}</span></p>`,
  );
}

export interface ChallengeInput {
  kind: '3ds' | 'ewallet';
  tXid: string;
  amt: string;
  partner: string | null;
  /** The payment request's timeStamp and merchantToken: the approval re-proves them (sandbox/pay). */
  timeStamp: string;
  merchantToken: string;
  callBackUrl: string;
  action: string;
}

/** The sandbox issuer's 3-D Secure page, or the e-wallet's approval page: the buyer decides. */
export function challengePage(c: ChallengeInput): string {
  const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${esc(value)}">`;
  const title = c.kind === '3ds' ? 'Sandbox 3-D Secure' : `Sandbox e-wallet${c.partner ? ` (${c.partner})` : ''}`;
  const ask = c.kind === '3ds' ? 'Authenticate this card payment?' : 'Approve this payment in your e-wallet?';
  return page(
    title,
    `<h1>${esc(title)}</h1><p>${esc(ask)}</p><p class="amount" id="amt" data-amt="${esc(c.amt)}">${esc(rupiah(c.amt))}</p>
<dl><dt>Transaction</dt><dd><code id="tXid">${esc(c.tXid)}</code></dd></dl>
<form id="challenge" method="post" action="${esc(c.action)}">
${hidden('tXid', c.tXid)}${hidden('timeStamp', c.timeStamp)}${hidden('merchantToken', c.merchantToken)}${hidden('callBackUrl', c.callBackUrl)}
<div class="actions"><button class="pay" type="submit" name="outcome" value="paid">${c.kind === '3ds' ? 'Authenticate' : 'Approve'}</button>
<button class="fail" type="submit" name="outcome" value="failed">${c.kind === '3ds' ? 'Fail authentication' : 'Decline'}</button></div>
</form>`,
  );
}
