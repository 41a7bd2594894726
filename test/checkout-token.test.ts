// The sandbox checkout page pays a payment, so only its link opens it: the payment id plus the
// payment's checkout token. Without the token, or with another payment's, GET and POST answer 404
// like an unknown payment and change nothing. The token survives cancel (client_secret does not),
// so the buyer holding the link still sees what became of the payment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import { antomMerchant, pay } from './helpers/antom.ts';
import { cancel, countEvents, createPayment, expectStatus, stored } from './helpers/native.ts';
import { nicepayMerchant, register } from './helpers/nicepay.ts';

const h = await startKasir();
const m = await nativeMerchant(h, 'Checkout token shop');

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const buyerPosts = (url: string | URL, outcome = 'succeeded') => fetch(url, { method: 'POST', headers: FORM, body: `outcome=${outcome}` });

/** A native wallet payment waiting for the buyer, and the checkout URL its nextAction gives. */
async function waitingPayment(): Promise<{ id: string; url: URL }> {
  const p = await createPayment(m, { paymentMethod: 'wallet', confirm: true });
  assert.equal(p.nextAction.type, 'redirect_to_url');
  return { id: p.id, url: new URL(p.nextAction.url) };
}

function withToken(url: URL, token: string | null): URL {
  const u = new URL(url);
  if (token === null) u.searchParams.delete('token');
  else u.searchParams.set('token', token);
  return u;
}

test('the nextAction link carries the stored token; the page opens with it, and its form posts back to it', async () => {
  const { id, url } = await waitingPayment();
  const token = (await stored(h, id)).checkoutToken!;
  assert.match(token, /^ct_[\w-]{32}$/);
  assert.equal(url.pathname, `/sandbox/checkout/${id}`);
  assert.equal(url.searchParams.get('token'), token);
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
  const html = await page.text();
  assert.ok(html.includes(`action="/sandbox/checkout/${id}?token=${token}"`), html);
});

test('without the token, with a wrong one or another payment’s: 404 like an unknown payment, nothing changes', async () => {
  const { id, url } = await waitingPayment();
  const other = await waitingPayment();
  const unknown = new URL(`/sandbox/checkout/01900000-0000-7000-8000-000000000000?token=${url.searchParams.get('token')}`, url);
  const notFoundHtml = await (await fetch(unknown)).text();
  for (const bad of [withToken(url, null), withToken(url, ''), withToken(url, 'ct_guess'), withToken(url, other.url.searchParams.get('token'))]) {
    const get = await fetch(bad);
    assert.equal(get.status, 404, bad.href);
    assert.equal(await get.text(), notFoundHtml, 'indistinguishable from an unknown payment');
    const post = await buyerPosts(bad);
    assert.equal(post.status, 404, bad.href);
  }
  const p = await stored(h, id);
  assert.equal(p.status, 'requires_action');
  assert.equal(await countEvents(h, id, 'succeeded'), 0);
  // The real link still works.
  assert.equal((await buyerPosts(url)).status, 200);
  assert.equal((await stored(h, id)).status, 'succeeded');
});

test('after cancel the client secret is gone but the link still shows the payment; paying it late returns the money', async () => {
  const { id, url } = await waitingPayment();
  const canceled = expectStatus(await cancel(m, id), 200).data;
  assert.equal(canceled.clientSecret, null);
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /data-status="canceled"/);
  const late = await buyerPosts(url);
  assert.equal(late.status, 409);
  assert.match(await late.text(), /money you paid was returned/);
  assert.equal((await stored(h, id)).status, 'canceled');
});

test('every dialect’s link carries the token: native 3-D Secure and PromptPay, Antom normalUrl, NICEPAY qrUrl', async () => {
  const links: [string, string][] = [];
  const threeDS = await createPayment(m, { paymentMethod: 'card', confirm: true, paymentMethodData: { card: { number: '4000002500003155' } } });
  links.push([threeDS.id, threeDS.nextAction.url]);
  const qr = await createPayment(m, { paymentMethod: 'promptpay', confirm: true });
  links.push([qr.id, qr.nextAction.checkoutUrl]);
  const antom = await antomMerchant(h, 'Checkout token Antom shop');
  // A cashier card: not submitted yet, so the link is Antom's own (no nextAction).
  for (const overrides of [{}, { paymentMethod: { paymentMethodType: 'CARD' } }]) {
    const res = await pay(antom, overrides);
    const { rows } = await h.deps.core.db.query<{ id: string }>('SELECT id FROM payments WHERE antom_payment_id = $1', [res.paymentId]);
    links.push([rows[0].id, res.normalUrl]);
  }
  const nicepay = await nicepayMerchant(h, undefined, 'Checkout token NICEPAY shop');
  const reg = await register(h, nicepay, '08');
  const { rows } = await h.deps.core.db.query<{ id: string }>('SELECT id FROM payments WHERE nicepay_txid = $1', [reg.tXid]);
  links.push([rows[0].id, reg.qrUrl]);
  for (const [id, link] of links) {
    const url = new URL(link);
    assert.equal(url.searchParams.get('token'), (await stored(h, id)).checkoutToken, link);
    assert.equal((await fetch(url)).status, 200, link);
    assert.equal((await fetch(withToken(url, null))).status, 404, link);
  }
});
