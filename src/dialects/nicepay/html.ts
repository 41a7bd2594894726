// The browser-facing pages of the NICEPAY dialect: the hand-back to the merchant's callBackUrl (an
// HTML page, never a bare 302: clients open it in a web view), the sandbox's 3-D Secure and
// e-wallet approval pages, and an error page for requests that cannot be handed back.
export const HTML_TYPE = 'text/html; charset=utf-8';

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

function page(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${esc(title)}</title>${head}
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}
button{font-size:1rem;padding:.6rem 1.2rem;margin:.3rem}code{background:#f3f3f3;padding:0 .2rem}</style>
</head><body>${body}</body></html>`;
}

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
    `<p>Payment result <code id="resultCd">${esc(result.resultCd)}</code> <span id="resultMsg">${esc(result.resultMsg)}</span></p>
<p><a id="continue" href="${t}">Continue to the merchant</a></p>
<script>location.replace(${JSON.stringify(target).replace(/</g, '\\u003c')});</script>`,
    `<meta http-equiv="refresh" content="0;url=${t}">`,
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
    `<h1>${esc(title)}</h1><p>${esc(ask)}</p><p>Amount: IDR <span id="amt">${esc(c.amt)}</span>, transaction <code id="tXid">${esc(c.tXid)}</code></p>
<form id="challenge" method="post" action="${esc(c.action)}">
${hidden('tXid', c.tXid)}${hidden('timeStamp', c.timeStamp)}${hidden('merchantToken', c.merchantToken)}${hidden('callBackUrl', c.callBackUrl)}
<button type="submit" name="outcome" value="paid">${c.kind === '3ds' ? 'Authenticate' : 'Approve'}</button>
<button type="submit" name="outcome" value="failed">${c.kind === '3ds' ? 'Fail authentication' : 'Decline'}</button>
</form>`,
  );
}
