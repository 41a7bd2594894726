// The operator dashboard (/dashboard): plain HTTP for what a browser enforces (cookie flags, the
// Content-Security-Policy, redirects to the login, escaping), then a real headless Chromium: log in,
// find a payment by its reference, cancel it and see the operator's 'canceled' in its timeline,
// redeliver its notification; a forged form is refused with 403 and changes nothing; logging out ends
// the session (the old cookie no longer opens anything).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { listEvents } from '../src/core/payments/repo.ts';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import { createPayment, stored } from './helpers/native.ts';

/** The public URL this Kasir gives itself: its own address, unless a test sets another. */
let publicUrl: string | undefined;
const h = await startKasir({ publicUrl: () => publicUrl });
const m = await nativeMerchant(h, 'Warung <b>Kopi</b>');
const url = (path: string) => `${h.baseUrl}/dashboard${path}`;

/** What a browser would send back: name=value of each Set-Cookie. */
const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');

/** Logs in over plain HTTP: the session cookie and the CSRF token of its forms. */
async function login(baseUrl = h.baseUrl, token = h.adminToken) {
  const page = await fetch(`${baseUrl}/dashboard/login`);
  const loginCookie = cookiesOf(page);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())![1];
  const res = await fetch(`${baseUrl}/dashboard/login`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: loginCookie },
    body: new URLSearchParams({ csrf, token }),
  });
  return { res, cookie: cookiesOf(res).split('; ').find((c) => c.startsWith('kasir_dashboard=')) ?? '' };
}

const formPost = (path: string, cookie: string, fields: Record<string, string>) =>
  fetch(url(path), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: new URLSearchParams(fields) });

test('without a session: pages redirect to the login, posts are refused', async () => {
  for (const path of ['', '/payments', '/merchants', '/connectors']) {
    const res = await fetch(url(path), { redirect: 'manual' });
    assert.equal(res.status, 303, path);
    assert.match(res.headers.get('location')!, /\/dashboard\/(login|payments)$/);
  }
  const p = await createPayment(m);
  const res = await formPost(`/payments/${p.id}/cancel`, '', { csrf: 'x' });
  assert.equal(res.status, 403);
  assert.equal((await stored(h, p.id)).status, 'requires_payment_method');
});

test('login: strict CSP on every page, HttpOnly SameSite=Strict session cookie on /dashboard, only the admin token opens it', async () => {
  const page = await fetch(url('/login'));
  const csp = page.headers.get('content-security-policy')!;
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /form-action 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|script-src/);
  assert.equal(page.headers.get('cache-control'), 'no-store');
  assert.doesNotMatch(await page.text(), /<script|style=/i, 'no inline script or style');

  const wrong = await login(h.baseUrl, 'kat_wrong');
  assert.equal(wrong.res.status, 401);
  assert.equal(wrong.cookie, '');
  const noCsrf = await fetch(url('/login'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${h.adminToken}` });
  assert.equal(noCsrf.status, 403, 'the login form too needs its token');

  const { res } = await login();
  assert.equal(res.status, 303);
  const session = res.headers.getSetCookie().find((c) => c.startsWith('kasir_dashboard='))!;
  assert.match(session, /; Path=\/dashboard(;|$)/);
  assert.match(session, /; HttpOnly/);
  assert.match(session, /; SameSite=Strict/);
  assert.doesNotMatch(session, /Secure/, 'plain http here');
  // The database holds a digest of the secret, never the cookie itself.
  const secret = session.split(';')[0].split('=')[1];
  const { rows } = await h.deps.core.db.query<{ id_hash: string }>('SELECT id_hash FROM dashboard_sessions');
  assert.ok(rows.length > 0 && rows.every((r) => !r.id_hash.includes(secret)));

  // Behind https (the public URL the operator configured), the cookie is Secure. Read at each login.
  publicUrl = 'https://kasir.example';
  try {
    const secure = await login();
    assert.match(secure.res.headers.getSetCookie().find((c) => c.startsWith('kasir_dashboard='))!, /; Secure/);
  } finally {
    publicUrl = undefined;
  }
});

test('pages escape what merchants and buyers wrote', async () => {
  const { cookie } = await login();
  const p = await createPayment(m, { referenceId: '<script>alert(1)</script>', description: '"><img src=x onerror=alert(2)>' });
  for (const path of [`/payments?q=${encodeURIComponent('<script>alert(1)</script>')}`, `/payments/${p.id}`, `/merchants/${m.merchantId}`]) {
    const res = await fetch(url(path), { headers: { cookie } });
    assert.equal(res.status, 200, path);
    const text = await res.text();
    assert.doesNotMatch(text, /<script>alert|<img src=x|<b>Kopi/, path);
    assert.match(res.headers.get('content-security-policy')!, /default-src 'none'/);
  }
  assert.equal((await fetch(url('/payments/not-a-payment'), { headers: { cookie } })).status, 404);
  assert.equal((await fetch(url('/payments?status=bogus'), { headers: { cookie } })).status, 400);
});

let browser: Browser;
before(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
});
after(async () => browser?.close());

test('in a browser: search, open, cancel as the operator, redeliver; forged forms refused; logout ends the session', async () => {
  const hook = await m.request('POST', '/api/v1/webhook-endpoints', { url: 'https://receiver.example/hooks', events: ['payment.canceled'] });
  assert.equal(hook.status, 201, hook.text);
  const target = await createPayment(m, { paymentMethod: 'promptpay', confirm: true, referenceId: 'dash-order-1' });
  const other = await createPayment(m, { paymentMethod: 'promptpay', confirm: true, referenceId: 'dash-order-2' });

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url('/payments'));
  assert.match(page.url(), /\/dashboard\/login$/);
  await page.fill('#token', h.adminToken);
  await Promise.all([page.waitForURL(/\/dashboard\/payments$/), page.click('#login')]);

  await page.fill('input[name=q]', 'dash-order-1');
  await Promise.all([page.waitForURL(/q=dash-order-1/), page.click('#search')]);
  const links = page.locator(`a[href="/dashboard/payments/${target.id}"]`);
  assert.equal(await links.count(), 1);
  assert.equal(await page.locator(`a[href="/dashboard/payments/${other.id}"]`).count(), 0);
  await Promise.all([page.waitForURL(new RegExp(`/payments/${target.id}$`)), links.click()]);
  assert.equal(await page.textContent('#status'), 'requires_action');

  await page.selectOption('select[name=reason]', 'requested_by_customer');
  await Promise.all([page.waitForURL(new RegExp(`/payments/${target.id}$`)), page.click('#cancel')]);
  assert.match((await page.textContent('#flash'))!, /Canceled 1000\.00 THB/);
  assert.equal(await page.textContent('#status'), 'canceled');
  assert.equal(await page.locator('#timeline tr[data-type="canceled"][data-by="operator"]').count(), 1);
  const canceled = (await listEvents(h.deps.core.db, target.id)).at(-1)!;
  assert.deepEqual([canceled.type, canceled.dialect], ['canceled', 'operator']);
  assert.equal((await stored(h, target.id)).cancellationReason, 'requested_by_customer');
  // The flash is shown once: a reload no longer has it.
  await page.reload();
  assert.equal(await page.locator('#flash').count(), 0);

  // The canceled event's notification: the operator schedules it again.
  await h.deps.core.db.query("UPDATE outbox SET status = 'failed' WHERE payment_id = $1", [target.id]);
  await page.reload();
  await Promise.all([page.waitForURL(new RegExp(`/payments/${target.id}$`)), page.click('text=Redeliver')]);
  assert.match((await page.textContent('#flash'))!, /scheduled/);
  const { rows } = await h.deps.core.db.query<{ status: string }>('SELECT status FROM outbox WHERE payment_id = $1', [target.id]);
  assert.deepEqual(rows.map((r) => r.status), ['pending']);

  // Forged forms with the victim's own session cookie: wrong, missing or another session's token.
  const session = (await context.cookies()).find((c) => c.name === 'kasir_dashboard')!;
  const cookie = `kasir_dashboard=${session.value}`;
  const csrf = await page.getAttribute('input[name=csrf]', 'value');
  const before = { p: await stored(h, other.id), events: (await listEvents(h.deps.core.db, other.id)).length };
  const otherSession = await login();
  const otherCsrf = /name="csrf" value="([^"]+)"/.exec(await (await fetch(url('/payments'), { headers: { cookie: otherSession.cookie } })).text())![1];
  for (const fields of [{ csrf: 'forged' }, {}, { csrf: otherCsrf }, { csrf: csrf!.slice(0, -1) }] as Record<string, string>[]) {
    const res = await formPost(`/payments/${other.id}/cancel`, cookie, fields);
    assert.equal(res.status, 403, JSON.stringify(fields));
  }
  const json = await fetch(url(`/payments/${other.id}/cancel`), { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ csrf }) });
  assert.equal(json.status, 403, 'only forms are accepted');
  const afterForgery = await stored(h, other.id);
  assert.deepEqual([afterForgery.status, afterForgery.version], [before.p.status, before.p.version]);
  assert.equal((await listEvents(h.deps.core.db, other.id)).length, before.events);

  await Promise.all([page.waitForURL(/\/dashboard\/login$/), page.click('#logout')]);
  await page.goto(url(`/payments/${target.id}`));
  assert.match(page.url(), /\/dashboard\/login$/);
  // The old cookie is dead on the server, not only forgotten by this browser.
  const replay = await fetch(url('/payments'), { redirect: 'manual', headers: { cookie } });
  assert.equal(replay.status, 303);
  assert.equal((await formPost(`/payments/${other.id}/cancel`, cookie, { csrf: csrf! })).status, 403);
  assert.equal((await stored(h, other.id)).status, 'requires_action');
  await context.close();
});

test('in a browser: merchants — create a live one (keys shown once), suspend it, open its payments', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url('/login'));
  await page.fill('#token', h.adminToken);
  await Promise.all([page.waitForURL(/\/dashboard\/payments$/), page.click('#login')]);
  await page.goto(url('/merchants'));
  await page.fill('input[name=name]', 'Toko Baru');
  await page.selectOption('select[name=mode]', 'live');
  await Promise.all([page.waitForLoadState(), page.click('#create-merchant')]);
  const native = JSON.parse((await page.textContent('pre[data-dialect="native"]'))!);
  assert.match(native.apiKey, /\S/);
  const { rows } = await h.deps.core.db.query<{ id: string; mode: string }>("SELECT id, mode FROM merchants WHERE name = 'Toko Baru'");
  assert.deepEqual(rows.map((r) => r.mode), ['live']);
  await Promise.all([page.waitForURL(new RegExp(`/merchants/${rows[0].id}$`)), page.click('#merchant-link')]);
  await Promise.all([page.waitForURL(new RegExp(`/merchants/${rows[0].id}$`)), page.click('#suspend')]);
  assert.equal(await page.textContent('#merchant-status'), 'suspended');
  assert.equal((await h.deps.core.db.query<{ status: string }>('SELECT status FROM merchants WHERE id = $1', [rows[0].id])).rows[0].status, 'suspended');
  await context.close();
});
