// The one stylesheet of every buyer-facing page (the sandbox checkout page of native and Antom
// payments, NICEPAY's hand-back, 3-D Secure and e-wallet pages). Served from our own origin so the
// pages' Content-Security-Policy can forbid every inline style and every external resource.
import { createHash } from 'node:crypto';

// Mobile first: fluid widths, wrapping text, nothing wider than a 360px phone.
export const STYLESHEET = `*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;background:#f4f6f8}
main{max-width:28rem;margin:0 auto;padding:1rem}
.card{background:#fff;border:1px solid #d5dae1;border-radius:12px;padding:1.25rem;overflow-wrap:anywhere}
h1{font-size:1.25rem;margin:0 0 .75rem}
.merchant{margin:0;color:#5b6573}
.amount{font-size:2rem;font-weight:600;margin:.25rem 0 1rem;line-height:1.2}
dl{display:grid;grid-template-columns:auto minmax(0,1fr);gap:.35rem 1rem;margin:0 0 1rem}
dt{color:#5b6573}dd{margin:0;min-width:0}
code{background:#eef1f4;padding:0 .25rem;border-radius:4px;overflow-wrap:anywhere}
.notice{border-radius:8px;padding:.6rem .8rem;margin:0 0 1rem;background:#eef1f4}
.notice.ok{background:#dafbe1}.notice.bad{background:#ffebe9}
.qr{display:block;width:100%;max-width:16rem;height:auto;margin:0 auto 1rem;background:#fff}
.expiry{color:#5b6573;font-size:.9rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0 0}
button{flex:1 1 8rem;font:inherit;font-weight:600;padding:.75rem 1rem;border-radius:8px;border:0;cursor:pointer;text-align:center;text-decoration:none}
.pay{background:#1a7f37;color:#fff}.fail{background:#e5e8ec;color:#1d2430}
a{color:#0969da}
.return a{display:block;text-align:center;padding:.75rem 1rem;border-radius:8px;background:#1a7f37;color:#fff;font-weight:600;text-decoration:none}
.note{color:#5b6573;font-size:.85rem;margin:1rem 0 0}
@media (min-width:40rem){main{padding:3rem 1rem}}`;

export const STYLESHEET_ROUTE = '/assets/checkout.css';

/** Pages link it with its content's hash, so a new version is fetched anew and browsers may cache it for good. */
export const STYLESHEET_PATH = `${STYLESHEET_ROUTE}?v=${createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 12)}`;

/**
 * The policy of every buyer page: nothing but our stylesheet loads, forms post only to us, no
 * framing, no <base> tricks. Pages that need a script add its hash (see layout.ts).
 */
export function contentSecurityPolicy(scriptHashes: string[] = []): string {
  const scripts = scriptHashes.length ? `; script-src ${scriptHashes.map((h) => `'${h}'`).join(' ')}` : '';
  return `default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'${scripts}`;
}
