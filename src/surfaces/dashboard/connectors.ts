// Connector accounts (a live merchant's own accounts at Antom or NICEPAY) and the routes that send its
// payments there: the core functions of src/core/connectors/*, checked as the admin API checks them
// (admin-connectors.ts). An account's secret is taken once, checked by its connector, sealed, and
// never shown again.
import type { FastifyRequest } from 'fastify';
import {
  createConnector, deleteConnector, getConnector, listConnectors, CONNECTOR_TYPES, type ConnectorAccount, type ConnectorType,
} from '../../core/connectors/accounts.ts';
import { deleteRoute, listRoutes, ROUTABLE_METHODS, setRoute, type ConnectorRoute } from '../../core/connectors/routes.ts';
import { KasirError } from '../../core/errors.ts';
import type { Merchant } from '../../core/merchants/merchants.ts';
import { CONNECTOR_KINDS } from '../../processors/registry.ts';
import { BASE, esc, merchantOf, input, link, param, postForm, select, table, time } from './html.ts';
import type { DashboardDeps, Surface } from './plugin.ts';

const merchantPath = (id: string) => `${BASE}/merchants/${encodeURIComponent(id)}`;
/** What each provider needs beyond the base URL, as its connector's parseSettings takes it. */
const GIVEN: Record<ConnectorType, readonly string[]> = { antom: ['clientId', 'privateKey', 'providerPublicKey'], nicepay: ['iMid', 'merchantKey'] };
const invalid = (field: string, message: string) => new KasirError('INVALID_PARAMETER', message, { field });
// Ids are checked for shape before any query: a stray byte (NUL) in a URL must be "not found", not a SQL error.
const CONNECTOR_ID = /^con_[A-Za-z0-9_-]{1,64}$/;
const ROUTE_ID = /^rt_[A-Za-z0-9_-]{1,64}$/;
const notFound = (what: string) => new KasirError('NO_SUCH_API', `${what} not found`);

function connectorRows(accounts: ConnectorAccount[], csrf: string, names?: Map<string, string>) {
  return accounts.map((a) => [
    `<code>${esc(a.id)}</code>`, esc(a.type), esc(a.name), ...(names ? [link(merchantPath(a.merchantId), names.get(a.merchantId) ?? a.merchantId)] : []),
    `<code>${esc(a.baseUrl)}</code>`, esc(a.deletedAt ? `deleted ${time(a.deletedAt)}` : 'active'),
    a.deletedAt ? '' : postForm(`${BASE}/connectors/${encodeURIComponent(a.id)}/delete`, csrf, '<button type="submit" class="danger">Delete</button>', 'inline'),
  ]);
}

function routeRows(routes: ConnectorRoute[], csrf: string) {
  return routes.map((r) => [
    `<code>${esc(r.id)}</code>`, `<code>${esc(r.connectorId)}</code>`, esc(r.method ?? 'any'), esc(r.currency ?? 'any'), esc(r.priority),
    postForm(`${BASE}/routes/${encodeURIComponent(r.id)}/delete`, csrf, '<button type="submit" class="danger">Delete</button>', 'inline'),
  ]);
}

/** The merchant page's part: its accounts and routes, and (live merchants only) forms to add them. */
export async function connectorSection(deps: DashboardDeps, m: Merchant, csrf: string): Promise<string> {
  const accounts = await listConnectors(deps.merchants, m.id);
  const routes = await listRoutes(deps.core.db, m.id);
  const lists = `${table(['Account', 'Type', 'Name', 'Base URL', 'State', ''], connectorRows(accounts, csrf), 'No connector account.')}
<h3>Routes</h3>${table(['Route', 'Account', 'Method', 'Currency', 'Priority', ''], routeRows(routes, csrf), 'No route.')}`;
  if (m.mode !== 'live') return `<section><h2>Connectors</h2><p class="muted">A test merchant reaches only the sandbox.</p>${lists}</section>`;
  const path = merchantPath(m.id);
  const common = `${input('name', 'Name')}${input('baseUrl', 'Provider API base URL', { required: true, placeholder: 'https://…' })}`;
  const live = accounts.filter((a) => !a.deletedAt).map((a): [string, string] => [a.id, `${a.name} (${a.type})`]);
  return `<section><h2>Connectors</h2>${lists}
<h3>Add an Antom account</h3>${postForm(`${path}/connectors`, csrf, `<input type="hidden" name="type" value="antom">${common}
${input('clientId', 'Client id', { required: true })}${input('privateKey', 'Private key (PEM)', { required: true })}${input('providerPublicKey', 'Antom public key (PEM)', { required: true })}
<button type="submit">Add Antom account</button>`)}
<h3>Add a NICEPAY account</h3>${postForm(`${path}/connectors`, csrf, `<input type="hidden" name="type" value="nicepay">${common}
${input('iMid', 'iMid', { required: true })}${input('merchantKey', 'Merchant key', { required: true, type: 'password' })}<button type="submit">Add NICEPAY account</button>`)}
<h3>Add a route</h3>${live.length ? postForm(`${path}/routes`, csrf, `${select('connectorId', 'Account', live)}
${select('method', 'Method', [['', 'any'], ...ROUTABLE_METHODS.map((x): [string, string] => [x, x])])}${input('currency', 'Currency', { placeholder: 'any' })}
${input('priority', 'Priority', { value: '100', type: 'number' })}<button type="submit">Add route</button>`) : '<p class="muted">Add an account first.</p>'}</section>`;
}

function checkedBaseUrl(text: string): string {
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash) {
    throw invalid('baseUrl', 'baseUrl must be an http or https URL without credentials, query or fragment');
  }
  return url.href.replace(/\/+$/, '');
}

export function connectorPages(s: Surface, deps: DashboardDeps): void {
  const m = deps.merchants;
  const back = (req: FastifyRequest) => merchantPath(param(req, 'id'));
  s.page('/connectors', async (_req, csrf) => {
    const names = new Map((await m.db.query<{ id: string; name: string }>('SELECT id, name FROM merchants')).rows.map((r) => [r.id, r.name]));
    return {
      title: 'Connectors',
      body: `<h1>Connector accounts</h1><section>${table(['Account', 'Type', 'Name', 'Merchant', 'Base URL', 'State', ''], connectorRows(await listConnectors(m), csrf, names), 'No connector account.')}
<p class="muted">Accounts are added on a live merchant’s page.</p></section>
<section><h2>Routes</h2>${table(['Route', 'Account', 'Method', 'Currency', 'Priority', ''], routeRows(await listRoutes(m.db), csrf), 'No route.')}</section>`,
    };
  });
  s.action('/merchants/:id/connectors', back, async (req, form) => {
    const merchant = await merchantOf(deps, param(req, 'id'));
    if (merchant.mode !== 'live') throw invalid('mode', 'connectors serve live merchants only');
    const type = form.get('type') as ConnectorType;
    if (!CONNECTOR_TYPES.includes(type)) throw invalid('type', `type must be one of ${CONNECTOR_TYPES.join(', ')}`);
    const given = Object.fromEntries(GIVEN[type].map((k) => [k, form.get(k)?.trim() || undefined]));
    for (const [k, v] of Object.entries(given)) if (!v || v.length > 8192) throw invalid(k, `${k} is required`);
    const baseUrl = checkedBaseUrl((form.get('baseUrl') ?? '').trim());
    // The connector checks the keys now: one that does not parse is refused here, not at the first payment.
    const { settings, secret } = CONNECTOR_KINDS[type].parseSettings(given);
    const name = (form.get('name')?.trim() || `${type} ${given.clientId ?? given.iMid}`).slice(0, 200);
    const account = await createConnector(m, { merchantId: merchant.id, type, name, baseUrl, settings, secret });
    return { redirect: merchantPath(merchant.id), flash: { kind: 'ok', text: `Connector account ${account.id} added.` } };
  });
  s.action('/merchants/:id/routes', back, async (req, form) => {
    const merchant = await merchantOf(deps, param(req, 'id'));
    if (merchant.mode !== 'live') throw invalid('mode', 'routes serve live merchants only');
    const priorityText = form.get('priority')?.trim() || '100';
    if (!/^\d{1,7}$/.test(priorityText)) throw invalid('priority', 'priority must be an integer from 0 to 1000000');
    const route = await setRoute(m, {
      merchantId: merchant.id, connectorId: form.get('connectorId') ?? '', method: form.get('method') || null,
      currency: form.get('currency')?.trim() || null, priority: Number(priorityText),
    });
    return { redirect: merchantPath(merchant.id), flash: { kind: 'ok', text: `Route ${route.id} saved.` } };
  });
  s.action('/connectors/:id/delete', () => `${BASE}/connectors`, async (req) => {
    if (!CONNECTOR_ID.test(param(req, 'id'))) throw notFound('connector account');
    const account = await getConnector(m, param(req, 'id'));
    await deleteConnector(m, account.id);
    return { redirect: merchantPath(account.merchantId), flash: { kind: 'ok', text: `Connector account ${account.id} deleted: it takes no new payments.` } };
  });
  s.action('/routes/:id/delete', () => `${BASE}/connectors`, async (req) => {
    if (!ROUTE_ID.test(param(req, 'id'))) throw notFound('route');
    await deleteRoute(m.db, param(req, 'id'));
    return { redirect: `${BASE}/connectors`, flash: { kind: 'ok', text: `Route ${param(req, 'id')} deleted.` } };
  });
}
