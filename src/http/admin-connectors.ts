// Admin API for live merchants' connector accounts (their accounts at Antom and NICEPAY) and the
// routes that send their payments there. An account's secret (private key or merchant key) is taken
// once, checked by its connector and sealed; no answer ever carries it back.
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  createConnector, deleteConnector, getConnector, listConnectors, CONNECTOR_TYPES, type ConnectorAccount, type ConnectorType,
} from '../core/connectors/accounts.ts';
import { deleteRoute, listRoutes, setRoute, type ConnectorRoute } from '../core/connectors/routes.ts';
import { KasirError } from '../core/errors.ts';
import { getMerchant, type Merchant, type MerchantDeps } from '../core/merchants/merchants.ts';
import { ok, type Rendered } from '../dialects/native/render.ts';
import { notifyUrlOf, type GivenSettings } from '../processors/connector.ts';
import { CONNECTOR_KINDS } from '../processors/registry.ts';
import { rawBody } from './raw-body.ts';
import { parseJsonObject, validator } from './validate.ts';

type Route = (method: 'GET' | 'POST' | 'DELETE', url: string, op: (req: FastifyRequest) => Promise<Rendered>) => void;

export interface ConnectorAdminDeps {
  merchants: MerchantDeps;
  /** Kasir's public base URL: each account's notifyUrl, given to the provider, is under it. */
  publicUrl: () => string;
}

// Common to both providers. The base URL is the provider's API host (sandbox or production).
const common = {
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  baseUrl: Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://' }),
};
const BODIES = {
  antom: Type.Object(
    {
      type: Type.Literal('antom'),
      ...common,
      clientId: Type.String({ minLength: 1, maxLength: 128 }),
      privateKey: Type.String({ minLength: 100, maxLength: 8192 }),
      providerPublicKey: Type.String({ minLength: 100, maxLength: 4096 }),
    },
    { additionalProperties: false },
  ),
  nicepay: Type.Object(
    {
      type: Type.Literal('nicepay'),
      ...common,
      iMid: Type.String({ minLength: 10, maxLength: 10 }),
      merchantKey: Type.String({ minLength: 8, maxLength: 512 }),
    },
    { additionalProperties: false },
  ),
};
const checkBody = { antom: validator(BODIES.antom), nicepay: validator(BODIES.nicepay) };
/** What the provider needs beyond the base URL, as the connector's parseSettings takes it. */
const GIVEN: Record<ConnectorType, readonly string[]> = { antom: ['clientId', 'privateKey', 'providerPublicKey'], nicepay: ['iMid', 'merchantKey'] };

const RouteBody = Type.Object(
  {
    connectorId: Type.String({ minLength: 1, maxLength: 80 }),
    method: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 32 }), Type.Null()])),
    currency: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 3 }), Type.Null()])),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);
const checkRoute = validator(RouteBody);

const param = (req: FastifyRequest, name: string) => (req.params as Record<string, string>)[name];
// Ids are checked for shape before any query: a stray byte (NUL) must be "not found", not a SQL error.
const CONNECTOR_ID = /^con_[A-Za-z0-9_-]{1,64}$/;
const ROUTE_ID = /^rt_[A-Za-z0-9_-]{1,64}$/;
// The error table has no code per admin resource; NO_SUCH_API renders as the envelope's 404
// RESOURCE_NOT_FOUND, like the admin API's other unknown ids.
const notFound = (what: string, id: string) => new KasirError('NO_SUCH_API', `${what} ${id} not found`);

/** Everything about an account but its secret: fields picked one by one, so a new one is never leaked by default. */
export function renderConnector(a: ConnectorAccount, publicUrl: string) {
  return {
    id: a.id,
    type: a.type,
    merchantId: a.merchantId,
    name: a.name,
    baseUrl: a.baseUrl,
    settings: a.settings,
    notifyUrl: notifyUrlOf(publicUrl, a.id),
    createdAt: a.createdAt.toISOString(),
    deletedAt: a.deletedAt ? a.deletedAt.toISOString() : null,
  };
}

export function renderRoute(r: ConnectorRoute) {
  return {
    id: r.id, merchantId: r.merchantId, connectorId: r.connectorId, method: r.method, currency: r.currency, priority: r.priority,
    createdAt: r.createdAt.toISOString(),
  };
}

/** The provider's API host as given, without a trailing slash; credentials, query or fragment in it are refused. */
function checkedBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new KasirError('INVALID_PARAMETER', 'baseUrl must be an http or https URL', { field: 'baseUrl' });
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash) {
    throw new KasirError('INVALID_PARAMETER', 'baseUrl must be an http or https URL without credentials, query or fragment', { field: 'baseUrl' });
  }
  return url.href.replace(/\/+$/, '');
}

/** Connectors carry real money: a test merchant reaches only the sandbox, so it has no use for one. */
function requireLive(m: Merchant, what: string): void {
  if (m.mode !== 'live') {
    throw new KasirError('INVALID_PARAMETER', `${what} serve live merchants; create the merchant with mode live`, { field: 'mode' });
  }
}

async function connectorOr404(deps: MerchantDeps, id: string): Promise<ConnectorAccount> {
  if (!CONNECTOR_ID.test(id)) throw notFound('connector', id.slice(0, 80));
  try {
    return await getConnector(deps, id);
  } catch (err) {
    if (err instanceof KasirError && err.field === 'connector') throw notFound('connector', id);
    throw err;
  }
}

export function connectorAdminRoutes(route: Route, deps: ConnectorAdminDeps): void {
  const m = deps.merchants;
  const view = (a: ConnectorAccount) => renderConnector(a, deps.publicUrl());

  route('POST', '/merchants/:id/connectors', async (req) => {
    const merchant = await getMerchant(m.db, param(req, 'id'));
    requireLive(merchant, 'connectors');
    const raw = parseJsonObject(rawBody(req.body), false);
    // The type first: it decides which fields the rest of the body needs.
    const type = raw.type as ConnectorType;
    if (!CONNECTOR_TYPES.includes(type)) throw new KasirError('INVALID_PARAMETER', `type must be one of ${CONNECTOR_TYPES.join(', ')}`, { field: 'type' });
    const body = checkBody[type].check(raw);
    const baseUrl = checkedBaseUrl(body.baseUrl);
    const given: GivenSettings = Object.fromEntries(GIVEN[type].map((k) => [k, (body as Record<string, string>)[k]]));
    // The connector checks its keys now (a key that does not parse is refused here, not at the first payment).
    const { settings, secret } = CONNECTOR_KINDS[type].parseSettings(given);
    const name = body.name ?? `${type} ${'clientId' in body ? body.clientId : body.iMid}`;
    return ok(view(await createConnector(m, { merchantId: merchant.id, type, name, baseUrl, settings, secret })), 201);
  });
  route('GET', '/merchants/:id/connectors', async (req) => {
    const merchant = await getMerchant(m.db, param(req, 'id'));
    return ok({ object: 'list', data: (await listConnectors(m, merchant.id)).map(view) });
  });
  route('GET', '/connectors', async () => ok({ object: 'list', data: (await listConnectors(m)).map(view) }));
  // Deleted accounts stay readable: their payments are still served through them.
  route('GET', '/connectors/:id', async (req) => ok(view(await connectorOr404(m, param(req, 'id')))));
  route('DELETE', '/connectors/:id', async (req) => {
    const account = await connectorOr404(m, param(req, 'id'));
    return ok(view(await deleteConnector(m, account.id)));
  });

  route('POST', '/merchants/:id/routes', async (req) => {
    const merchant = await getMerchant(m.db, param(req, 'id'));
    requireLive(merchant, 'routes');
    const body = checkRoute.check(parseJsonObject(rawBody(req.body), false));
    try {
      // setRoute finds the account among this merchant's own only: another merchant's is "not found".
      return ok(renderRoute(await setRoute(m, { merchantId: merchant.id, ...body })), 201);
    } catch (err) {
      if (err instanceof KasirError && err.field === 'connector') throw new KasirError('INVALID_PARAMETER', err.message, { field: 'connectorId' });
      throw err;
    }
  });
  route('GET', '/merchants/:id/routes', async (req) => {
    const merchant = await getMerchant(m.db, param(req, 'id'));
    return ok({ object: 'list', data: (await listRoutes(m.db, merchant.id)).map(renderRoute) });
  });
  route('GET', '/routes', async () => ok({ object: 'list', data: (await listRoutes(m.db)).map(renderRoute) }));
  route('DELETE', '/routes/:id', async (req) => {
    const id = param(req, 'id');
    if (!ROUTE_ID.test(id)) throw notFound('route', id.slice(0, 80));
    try {
      await deleteRoute(m.db, id);
    } catch (err) {
      if (err instanceof KasirError && err.field === 'route') throw notFound('route', id);
      throw err;
    }
    return ok({ id, deleted: true });
  });
}
