// The hosted sandbox checkout page: a real HTML page for payments of any dialect, whose form a buyer
// submits (here: fetched and submitted as a browser would, from the page's own form and buttons).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeClientFor, startKasir } from './helpers/harness.ts';
import { antomMerchant, cancel, expectResult, pay, storedByAntomId } from './helpers/antom.ts';
import { getPaymentById } from '../src/core/payments/repo.ts';

const h = await startKasir();
const m = await antomMerchant(h, 'Kopi <Kenangan> & Co');
const native = nativeClientFor(h, m.merchantId, m.native.apiKey, m.native.apiSecret);

interface Page {
  status: number;
  html: string;
  headers: Headers;
}

async function load(url: string): Promise<Page> {
  const res = await fetch(url);
  return { status: res.status, html: await res.text(), headers: res.headers };
}

/** Presses a button of the page's form: posts its name=value to the form's action. */
async function press(page: Page, value: 'succeeded' | 'failed'): Promise<Page> {
  const action = /<form method="post" action="([^"]+)">/.exec(page.html)?.[1];
  assert.ok(action, 'the page has a form');
  const button = new RegExp(`<button [^>]*name="(outcome)" value="(${value})"`).exec(page.html);
  assert.ok(button, `the page has a ${value} button`);
  const res = await fetch(new URL(action, h.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ [button[1]]: button[2] }).toString(),
  });
  return { status: res.status, html: await res.text(), headers: res.headers };
}

test('an Antom payment’s page shows the payment; Pay completes it and links back to the merchant', async () => {
  const p = await pay(m, { paymentRedirectUrl: 'https://merchant.example/return?order=1&x="y"' });
  const page = await load(p.normalUrl);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /^text\/html/);
  assert.match(page.headers.get('content-security-policy')!, /default-src 'none'/);
  assert.match(page.html, /<p class="amount" id="amount">10\.00 USD<\/p>/);
  assert.match(page.html, /<dd id="method">ALIPAY_CN<\/dd>/);
  assert.match(page.html, /data-status="requires_action"/);
  assert.ok(page.html.includes('Kopi &#60;Kenangan&#62; &#38; Co'), 'the merchant name, escaped');
  assert.ok(!page.html.includes('<Kenangan>'));
  const done = await press(page, 'succeeded');
  assert.equal(done.status, 200);
  assert.match(done.html, /the payment is complete/);
  assert.match(done.html, /data-status="succeeded"/);
  assert.match(done.html, /<a id="return" href="https:\/\/merchant\.example\/return\?order=1&#38;x=&#34;y&#34;">/);
  assert.doesNotMatch(done.html, /<form/, 'nothing left to pay');
  assert.equal((await storedByAntomId(h, p.paymentId)).status, 'succeeded');
  const again = await fetch(p.normalUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'outcome=succeeded' });
  assert.equal(again.status, 409);
});

test('Fail declines the payment; a bad form changes nothing; unknown pages are 404', async () => {
  const p = await pay(m);
  const bad = await fetch(p.normalUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'outcome=maybe' });
  assert.equal(bad.status, 400);
  assert.equal((await storedByAntomId(h, p.paymentId)).status, 'requires_action');
  const failed = await press(await load(p.normalUrl), 'failed');
  assert.equal(failed.status, 200);
  assert.match(failed.html, /The payment failed/);
  assert.equal((await storedByAntomId(h, p.paymentId)).status, 'payment_failed');
  for (const id of ['01900000-0000-7000-8000-000000000000', 'not-a-payment', '..%2F..%2Fadmin']) {
    const res = await load(`${h.baseUrl}/sandbox/checkout/${id}`);
    assert.equal(res.status, 404, id);
    assert.match(res.html, /Payment not found/);
  }
});

test('a canceled payment’s page offers nothing to pay', async () => {
  const p = await pay(m);
  expectResult(await cancel(m, { paymentId: p.paymentId }), 'SUCCESS', 'S');
  const page = await load(p.normalUrl);
  assert.match(page.html, /data-status="canceled"/);
  assert.doesNotMatch(page.html, /<form/);
});

test('native payments use the same page: PromptPay QR and a 3-D Secure card', async () => {
  for (const body of [
    { paymentMethod: 'promptpay' },
    { paymentMethod: 'card', paymentMethodData: { card: { number: '4000002500003155' } } },
  ]) {
    const res = await native.request('POST', '/api/v1/payments', { amount: '250.00', currency: 'THB', confirm: true, ...body });
    assert.equal(res.status, 201, res.text);
    const next = res.body.data.nextAction;
    const url = next.checkoutUrl ?? next.url;
    assert.ok(url.startsWith(`${h.baseUrl}/sandbox/checkout/`), `${url} is on this server`);
    const page = await load(url);
    assert.match(page.html, /250\.00 THB/);
    assert.equal((await press(page, 'succeeded')).status, 200);
    assert.equal((await getPaymentById(h.deps.core.db, res.body.data.id))!.status, 'succeeded');
  }
});

test('the Antom page answers its form with post-redirect-get and shows Rupiah the Indonesian way', async () => {
  const p = await pay(m, { paymentAmount: { currency: 'IDR', value: '1500000' } });
  const page = await load(p.normalUrl);
  assert.match(page.html, /<p class="amount" id="amount">Rp 15\.000<\/p>/);
  const action = /<form method="post" action="([^"]+)">/.exec(page.html)![1].replace(/&#38;/g, '&');
  const posted = await fetch(new URL(action, h.baseUrl), {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'outcome=succeeded', redirect: 'manual',
  });
  assert.equal(posted.status, 303);
  assert.equal(posted.headers.get('location'), `${action}&notice=paid`);
  const after = await load(new URL(posted.headers.get('location')!, h.baseUrl).href);
  assert.match(after.html, /data-notice="paid"[^]*data-status="succeeded"/);
});
