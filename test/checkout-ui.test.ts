// The buyer pages as a buyer meets them: QR codes that encode the payment's qrContent, amounts in
// the buyer's convention, expiry from the injected clock, post-redirect-get after Pay/Fail, one
// stylesheet under a strict CSP, and a layout that fits a 360px phone (checked in a real browser
// when Chromium is installed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import QRCode from 'qrcode';
import { FixedClock } from '../src/core/clock.ts';
import { formatDisplay } from '../src/core/money.ts';
import { expiryText } from '../src/surfaces/checkout/expiry.ts';
import { STYLESHEET_PATH } from '../src/surfaces/checkout/style.ts';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import { cancel, countEvents, createPayment, stored } from './helpers/native.ts';
import { CARDS, nicepayMerchant, payByCard, register } from './helpers/nicepay.ts';

const clock = new FixedClock('2025-03-01T10:00:00.000Z');
const h = await startKasir({ clock });
const m = await nativeMerchant(h, 'Warung UI');

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** A native payment waiting for the buyer, and its checkout link. */
async function waiting(overrides: Record<string, unknown>): Promise<{ p: any; url: URL }> {
  const p = await createPayment(m, { confirm: true, ...overrides });
  return { p, url: new URL(p.nextAction.checkoutUrl ?? p.nextAction.url) };
}

/**
 * Reads the module matrix back out of qrcode's SVG: one "M x y" (new row) / "m dx 0" (skip) and
 * "h n" (n dark modules) per run, inside a quiet zone of `margin` modules.
 */
function svgMatrix(svg: string): boolean[][] {
  const box = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)![1]);
  const d = /<path stroke="#000000" d="([^"]+)"/.exec(svg)![1];
  const margin = 2;
  const size = box - 2 * margin;
  const grid = Array.from({ length: size }, () => Array<boolean>(size).fill(false));
  let x = 0;
  let y = 0;
  for (const [, cmd, a, b] of d.matchAll(/([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?/g)) {
    if (cmd === 'M') [x, y] = [Number(a), Math.floor(Number(b))];
    else if (cmd === 'm') x += Number(a);
    else for (let i = 0; i < Number(a); i++) grid[y - margin][x++ - margin] = true;
  }
  return grid;
}

function qrMatrix(content: string): boolean[][] {
  const { modules } = QRCode.create(content, { errorCorrectionLevel: 'M' });
  return Array.from({ length: modules.size }, (_, r) => Array.from({ length: modules.size }, (_, c) => Boolean(modules.get(r, c))));
}

/** A NICEPAY QRIS payment (payMethod 08): its qrUrl is the checkout page; amt in whole Rupiah. */
async function qris(amt: string): Promise<{ nextAction: any; url: URL }> {
  const np = await nicepayMerchant(h, undefined, `Toko QRIS ${amt}`);
  const reg = await register(h, np, '08', { amt });
  const { rows } = await h.deps.core.db.query<{ id: string }>('SELECT id FROM payments WHERE nicepay_txid = $1', [reg.tXid]);
  return { nextAction: (await stored(h, rows[0].id)).nextAction, url: new URL(reg.qrUrl) };
}

test('PromptPay (native) and QRIS (NICEPAY) pages draw the QR of the exact qrContent as inline SVG', async () => {
  const promptpay = await waiting({ paymentMethod: 'promptpay', currency: 'THB', amount: '250.00' });
  for (const [name, p] of [['promptpay', { nextAction: promptpay.p.nextAction, url: promptpay.url }], ['qris', await qris('15000')]] as const) {
    assert.equal(p.nextAction.type, 'display_qr_code');
    const content: string = p.nextAction.qrContent;
    const html = await (await fetch(p.url)).text();
    const svg = /<svg class="qr" id="qr" role="img" aria-label="[^"]+" [^]*?<\/svg>/.exec(html)?.[0];
    assert.ok(svg, `${name}: an inline SVG QR code`);
    assert.ok(!/<img/.test(html), 'no image request');
    // Byte for byte what qrcode draws for this content, and the matrix it draws is this content's.
    const own = await QRCode.toString(content, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    assert.equal(/ d="([^"]+)"\/><\/svg>/.exec(svg)![1], / d="([^"]+)"\/><\/svg>/.exec(own)![1]);
    assert.deepEqual(svgMatrix(svg), qrMatrix(content));
    assert.notDeepEqual(svgMatrix(svg), qrMatrix(content.slice(0, -1) + 'x'), 'a different content draws a different code');
  }
});

test('amounts read the buyer’s way: Rupiah with dot thousands and no decimals, others with 2 decimals', async () => {
  assert.equal(formatDisplay(1_500_000n, 'IDR'), 'Rp 15.000');
  assert.equal(formatDisplay(123_456_789_00n, 'IDR'), 'Rp 123.456.789');
  assert.equal(formatDisplay(1_500_050n, 'IDR'), 'Rp 15.000,50', 'sen shown only when present');
  assert.equal(formatDisplay(100n, 'IDR'), 'Rp 1');
  assert.equal(formatDisplay(125_000n, 'THB'), '1,250.00 THB');
  assert.equal(formatDisplay(5n, 'USD'), '0.05 USD');
  assert.equal(formatDisplay(123_456_789n, 'USD'), '1,234,567.89 USD');
  assert.equal(formatDisplay(1000n, 'JPY'), '1,000 JPY');
  const { url } = await qris('1250000');
  assert.match(await (await fetch(url)).text(), /<p class="amount" id="amount">Rp 1\.250\.000<\/p>/);
  const thb = await waiting({ paymentMethod: 'promptpay', currency: 'THB', amount: '1250.50' });
  assert.match(await (await fetch(thb.url)).text(), /<p class="amount" id="amount">1,250\.50 THB<\/p>/);
  // NICEPAY's e-wallet approval page (amt in whole Rupiah on its wire) says it the same way.
  const np = await nicepayMerchant(h, undefined, 'Toko UI');
  const reg = await register(h, np, '01', { amt: '15000' });
  const page = await payByCard(h, np, reg, CARDS.threeDS);
  assert.match(page.text, /<p class="amount" id="amt" data-amt="15000">Rp 15\.000<\/p>/);
});

test('expiry: the ISO instant and the minutes left on the injected clock, whatever the server’s locale', async () => {
  const at = new Date('2025-03-01T10:30:00.000Z');
  assert.equal(expiryText(at, new Date('2025-03-01T10:00:00.000Z')), 'Expires at 2025-03-01T10:30:00.000Z (expires in 30 minutes)');
  assert.equal(expiryText(at, new Date('2025-03-01T10:29:59.000Z')), 'Expires at 2025-03-01T10:30:00.000Z (expires in 1 minute)');
  assert.equal(expiryText(at, new Date('2025-03-01T10:28:30.000Z')), 'Expires at 2025-03-01T10:30:00.000Z (expires in 2 minutes)', 'rounded up');
  assert.equal(expiryText(at, at), 'Expired at 2025-03-01T10:30:00.000Z');
  const { url } = await waiting({ paymentMethod: 'promptpay', expiresInSeconds: 45 * 60 });
  const expiresAt = new Date(clock.now().getTime() + 45 * 60_000).toISOString();
  assert.ok((await (await fetch(url)).text()).includes(`<dd id="expiry" data-expires-at="${expiresAt}">Expires at ${expiresAt} (expires in 45 minutes)</dd>`));
  clock.advance(20 * 60_000);
  assert.match(await (await fetch(url)).text(), /\(expires in 25 minutes\)/, 'counted down on the injected clock');
});

test('post-redirect-get: Pay answers 303 to the page with a notice; reloading it pays nothing again', async () => {
  const { p, url } = await waiting({ paymentMethod: 'wallet' });
  const post = await fetch(url, { method: 'POST', headers: FORM, body: 'outcome=succeeded', redirect: 'manual' });
  assert.equal(post.status, 303);
  assert.equal(await post.text(), '');
  const location = post.headers.get('location')!;
  assert.equal(location, `${url.pathname}${url.search}&notice=paid`);
  for (let i = 0; i < 2; i++) {
    // The refreshed page is this GET: it shows the result and changes nothing.
    const page = await fetch(new URL(location, url));
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<p id="notice" class="notice ok" data-notice="paid" role="status"><strong>Thank you, the payment is complete\.<\/strong><\/p>/);
    assert.match(html, /data-status="succeeded"/);
    assert.doesNotMatch(html, /<form/);
  }
  assert.equal(await countEvents(h, p.id, 'succeeded'), 1);
  // Fail redirects the same way, to its own notice.
  const other = await waiting({ paymentMethod: 'wallet' });
  const failed = await fetch(other.url, { method: 'POST', headers: FORM, body: 'outcome=failed', redirect: 'manual' });
  assert.equal(failed.status, 303);
  assert.match(failed.headers.get('location')!, /&notice=failed$/);
  assert.match(await (await fetch(new URL(failed.headers.get('location')!, url))).text(), /data-notice="failed"[^]*data-status="payment_failed"/);
});

test('a refused POST keeps its 409 and sends browsers on to the GET page; notices never contradict the status', async () => {
  const { p, url } = await waiting({ paymentMethod: 'wallet' });
  assert.equal((await cancel(m, p.id)).status, 200);
  const late = await fetch(url, { method: 'POST', headers: FORM, body: 'outcome=succeeded', redirect: 'manual' });
  assert.equal(late.status, 409);
  const html = await late.text();
  const refresh = /<meta http-equiv="refresh" content="0;url=([^"]+)">/.exec(html)?.[1].replace(/&#38;/g, '&');
  assert.equal(refresh, `${url.pathname}${url.search}&notice=returned`);
  assert.match(await (await fetch(new URL(refresh!, url))).text(), /money you paid was returned[^]*data-status="canceled"/);
  assert.equal((await stored(h, p.id)).status, 'canceled');
  // A hand-edited link cannot make a canceled payment look paid.
  const forged = new URL(url);
  forged.searchParams.set('notice', 'paid');
  const shown = await (await fetch(forged)).text();
  assert.doesNotMatch(shown, /id="notice"/);
  forged.searchParams.set('notice', '<script>');
  assert.doesNotMatch(await (await fetch(forged)).text(), /id="notice"|<script>/);
});

test('strict CSP, one stylesheet from our own origin, and a viewport for phones on every buyer page', async () => {
  const { url } = await waiting({ paymentMethod: 'promptpay' });
  const res = await fetch(url);
  const csp = res.headers.get('content-security-policy')!;
  assert.equal(csp, "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:|\*/);
  const np = await nicepayMerchant(h, undefined, 'Toko CSP');
  const challenge = (await payByCard(h, np, await register(h, np, '01'), CARDS.threeDS)).text;
  const handBack = (await payByCard(h, np, await register(h, np, '01'), CARDS.approved)).text;
  for (const html of [await res.text(), challenge, handBack]) {
    assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
    assert.ok(html.includes(`<link rel="stylesheet" href="${STYLESHEET_PATH}">`), 'the one shared stylesheet');
    assert.doesNotMatch(html, /<style|style="/, 'no inline styles');
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\/(?!merchant\.example)/, 'no external resources');
    // The policy travels in the page too, for routes that send no CSP header (NICEPAY's).
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;self&#39;; form-action &#39;self&#39;; base-uri &#39;none&#39;/);
  }
  // The hand-back's one inline script runs only because the policy names its hash.
  const script = /<script>([^<]+)<\/script>/.exec(handBack)![1];
  const { createHash } = await import('node:crypto');
  assert.ok(handBack.includes(`script-src &#39;sha256-${createHash('sha256').update(script).digest('base64')}&#39;`));
  const css = await fetch(new URL(STYLESHEET_PATH, h.baseUrl));
  assert.equal(css.status, 200);
  assert.match(css.headers.get('content-type')!, /^text\/css/);
  assert.match(await css.text(), /@media/);
});

// A real browser at phone width: no horizontal scroll, styles applied under the CSP, and the
// post-redirect-get seen from the browser's side (reload is a GET).
const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
test('at 360px in Chromium: fits the screen, styled, Pay lands on the GET page and reload re-posts nothing', { skip: chromium ? false : 'no Chromium installed' }, async () => {
  const { chromium: pw } = await import('playwright-core');
  const browser = await pw.launch({ executablePath: chromium, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    const violations: string[] = [];
    page.on('console', (msg) => { if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text()); });
    const { p, url } = await waiting({ paymentMethod: 'promptpay', description: 'A very long description without spaces '.repeat(3) + 'x'.repeat(120) });
    await page.goto(url.href);
    const fit = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: innerWidth, qr: document.getElementById('qr')!.getBoundingClientRect().width }));
    assert.ok(fit.scroll <= 360, `no horizontal scroll at 360px: ${JSON.stringify(fit)}`);
    assert.ok(fit.qr > 150, `the QR is drawn large enough to scan: ${fit.qr}px`);
    assert.equal(await page.$eval('button.pay', (b) => getComputedStyle(b).backgroundColor), 'rgb(26, 127, 55)', 'the stylesheet applies');
    await Promise.all([page.waitForURL(/notice=paid/), page.click('button.pay')]);
    assert.equal(await page.textContent('#status'), 'Paid');
    await page.reload();
    assert.equal(await countEvents(h, p.id, 'succeeded'), 1, 'the reload was a GET');
    assert.deepEqual(violations, []);
  } finally {
    await browser.close();
  }
});
