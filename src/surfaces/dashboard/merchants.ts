// Merchants: the list, creating one (test or live), suspending and activating, rotating native keys,
// the contract in force per profile, balances and payouts, and (connectors.ts) connector accounts
// and routes. The same core functions as the admin API (src/http/admin.ts, admin-money.ts).
import type { FastifyRequest } from 'fastify';
import { effectiveContract } from '../../core/contracts/defaults.ts';
import { KasirError } from '../../core/errors.ts';
import { merchantBalances } from '../../core/ledger/journal.ts';
import { postPayout } from '../../core/ledger/postings.ts';
import {
  createMerchant, listMerchants, MERCHANT_MODES, rotateCredential, setMerchantStatus, type Merchant, type MerchantMode,
} from '../../core/merchants/merchants.ts';
import { isCurrency, parseMajor } from '../../core/money.ts';
import { connectorSection } from './connectors.ts';
import { BASE, definitions, esc, merchantOf, input, link, money, param, postForm, select, table, time } from './html.ts';
import type { DashboardDeps, Surface } from './plugin.ts';

export const merchantPath = (id: string) => `${BASE}/merchants/${encodeURIComponent(id)}`;
const PROFILES = ['native', 'antom', 'nicepay'] as const;

/** Secrets are shown once, on the answer to the POST that issued them, and never stored for later. */
function secretsPage(title: string, m: Merchant, issued: Record<string, unknown>, note: string) {
  const blocks = Object.entries(issued).map(([dialect, value]) => `<h2>${esc(dialect)}</h2><pre class="secret" data-dialect="${esc(dialect)}">${esc(JSON.stringify(value, null, 2))}</pre>`);
  return {
    status: 201,
    title,
    body: `<h1>${esc(title)}</h1><section><p>${esc(note)} These secrets are shown only now: copy them before leaving this page.</p>
${blocks.join('')}<p>${link(merchantPath(m.id), `Go to ${m.name}`, 'merchant-link')}</p></section>`,
  };
}

async function payouts(deps: DashboardDeps, merchantId: string) {
  const { rows } = await deps.core.db.query<{ id: string; currency: string; at: string; amount: string }>(
    `SELECT j.id, j.currency, j.at, e.amount FROM journals j JOIN ledger_entries e ON e.journal_id = j.id
      WHERE j.merchant_id = $1 AND j.kind = 'payout' AND e.account = 'external:payouts' ORDER BY j.id DESC LIMIT 50`,
    [merchantId],
  );
  return rows.map((r) => [esc(time(new Date(r.at))), esc(String(r.id)), esc(money(BigInt(r.amount), r.currency))]);
}

async function merchantPage(deps: DashboardDeps, req: FastifyRequest, csrf: string) {
  const m = await merchantOf(deps, param(req, 'id'));
  const path = merchantPath(m.id);
  const { rows: keys } = await deps.core.db.query<{ dialect: string; key_id: string; created_at: string; expires_at: string | null }>(
    'SELECT dialect, key_id, created_at, expires_at FROM credentials WHERE merchant_id = $1 ORDER BY created_at',
    [m.id],
  );
  const balances = await merchantBalances(deps.core.db, m.id);
  const statusForm = m.status === 'active'
    ? postForm(`${path}/suspend`, csrf, '<button type="submit" class="danger" id="suspend">Suspend</button>', 'inline')
    : postForm(`${path}/activate`, csrf, '<button type="submit" id="activate">Activate</button>', 'inline');
  const contract = PROFILES.map((p) => `<h3>${esc(p)}</h3><pre>${esc(JSON.stringify(effectiveContract(p, m.contract), null, 2))}</pre>`).join('');
  return {
    title: m.name,
    body: `<h1>${esc(m.name)}</h1><section>${definitions([
      ['Merchant', `<code>${esc(m.id)}</code>`], ['Mode', esc(m.mode)], ['Status', `<strong id="merchant-status">${esc(m.status)}</strong> ${statusForm}`],
      ['Created', esc(time(m.createdAt))], ['Payments', link(`${BASE}/payments?merchant=${encodeURIComponent(m.id)}`, 'Search this merchant’s payments')],
    ])}</section>
<section><h2>Keys</h2>${table(['Dialect', 'Key id', 'Created', 'Expires'], keys.map((k) => [
      esc(k.dialect), `<code>${esc(k.key_id)}</code>`, esc(time(new Date(k.created_at))), esc(k.expires_at ? time(new Date(k.expires_at)) : 'never'),
    ]))}
${postForm(`${path}/keys/native/rotate`, csrf, `${input('overlapSeconds', 'Old native keys keep working for (seconds)', { value: '86400', type: 'number' })}
<button type="submit" id="rotate">Rotate native keys</button>`)}</section>
<section><h2>Balances</h2>${table(['Account', 'Balance'], balances.map((b) => [esc(b.account.split(':').pop()), esc(money(b.balance, b.currency))]), 'No money moved yet.')}
<h2>Payouts</h2>${table(['At', 'Journal', 'Amount'], await payouts(deps, m.id), 'No payout yet.')}
${postForm(`${path}/payouts`, csrf, `${input('currency', 'Currency', { placeholder: 'THB', required: true })}${input('amount', 'Amount', { placeholder: '100.00', required: true })}
<button type="submit" id="payout">Pay out available funds</button>`)}</section>
${await connectorSection(deps, m, csrf)}
<section><h2>Contract in force</h2><p class="muted">Overrides: <code>${esc(JSON.stringify(m.contract))}</code></p>${contract}</section>`,
  };
}

export function merchantPages(s: Surface, deps: DashboardDeps): void {
  const back = (req: FastifyRequest) => merchantPath(param(req, 'id'));
  const changed = <T>(value: T): T => {
    deps.credentials.invalidate(); // suspension and rotation take effect on the merchant's next request
    return value;
  };
  s.page('/merchants', async (_req, csrf) => {
    const merchants = await listMerchants(deps.core.db);
    const rows = merchants.map((m) => [link(merchantPath(m.id), m.name), `<code>${esc(m.id)}</code>`, esc(m.mode), esc(m.status), esc(time(m.createdAt))]);
    return {
      title: 'Merchants',
      body: `<h1>Merchants</h1><section>${table(['Name', 'Id', 'Mode', 'Status', 'Created'], rows, 'No merchant yet.')}</section>
<section><h2>New merchant</h2>${postForm(`${BASE}/merchants`, csrf, `${input('name', 'Name', { required: true })}
${select('mode', 'Mode', MERCHANT_MODES)}<button type="submit" id="create-merchant">Create merchant</button>`)}</section>`,
    };
  });
  s.page('/merchants/:id', async (req, csrf) => merchantPage(deps, req, csrf));
  s.action('/merchants', () => `${BASE}/merchants`, async (_req, form) => {
    const name = form.get('name')?.trim() ?? '';
    if (!name || name.length > 200) throw new KasirError('INVALID_PARAMETER', 'name must be 1 to 200 characters', { field: 'name' });
    const mode = form.get('mode') ?? 'test';
    if (!(MERCHANT_MODES as readonly string[]).includes(mode)) throw new KasirError('INVALID_PARAMETER', 'mode must be test or live', { field: 'mode' });
    const { merchant, ...issued } = await createMerchant(deps.merchants, name, {}, mode as MerchantMode);
    return secretsPage(`Merchant ${merchant.name} created`, merchant, issued, `A ${merchant.mode} merchant.`);
  });
  for (const [verb, status] of [['suspend', 'suspended'], ['activate', 'active']] as const) {
    s.action(`/merchants/:id/${verb}`, back, async (req) => {
      const m = changed(await setMerchantStatus(deps.merchants, (await merchantOf(deps, param(req, 'id'))).id, status));
      return { redirect: merchantPath(m.id), flash: { kind: 'ok', text: `${m.name} is now ${m.status}.` } };
    });
  }
  s.action('/merchants/:id/keys/native/rotate', back, async (req, form) => {
    const overlap = Number(form.get('overlapSeconds') ?? '86400');
    if (!Number.isInteger(overlap) || overlap < 0 || overlap > 30 * 86_400) throw new KasirError('INVALID_PARAMETER', 'overlapSeconds must be 0 to 2592000', { field: 'overlapSeconds' });
    const m = await merchantOf(deps, param(req, 'id'));
    const { issued, previousKeysExpireAt } = changed(await rotateCredential(deps.merchants, m.id, 'native', overlap));
    return secretsPage(`New native keys for ${m.name}`, m, { native: issued }, `The previous native keys stop working at ${time(previousKeysExpireAt)}.`);
  });
  s.action('/merchants/:id/payouts', back, async (req, form) => {
    const m = await merchantOf(deps, param(req, 'id'));
    const currency = (form.get('currency') ?? '').trim().toUpperCase();
    if (!isCurrency(currency)) throw new KasirError('INVALID_PARAMETER', 'currency is not supported', { field: 'currency' });
    const amount = parseMajor((form.get('amount') ?? '').trim(), currency);
    if (!amount.ok) throw new KasirError('INVALID_PARAMETER', `amount ${amount.reason}`, { field: 'amount' });
    await deps.core.db.tx((q) => postPayout(q, m.id, currency, amount.minor, deps.core.clock.now()));
    return { redirect: merchantPath(m.id), flash: { kind: 'ok', text: `Paid out ${money(amount.minor, currency)}.` } };
  });
}
