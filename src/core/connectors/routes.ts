// Routes: which connector account a live merchant's new payment goes to. A route names an account
// and optionally a payment method (the core's: card, wallet, va, cvs, qris, promptpay, thai_banking)
// and a currency; null matches any. Matching routes are tried by priority, lowest first — the next
// one only after a definite "not available" (confirm.ts failover).
import type { Db } from '../../db/db.ts';
import { KasirError } from '../errors.ts';
import { token } from '../ids.ts';
import type { MerchantDeps } from '../merchants/merchants.ts';
import { getConnector } from './accounts.ts';

export interface ConnectorRoute {
  id: string;
  merchantId: string;
  connectorId: string;
  method: string | null;
  currency: string | null;
  priority: number;
  createdAt: Date;
}

export interface RouteInput {
  merchantId: string;
  connectorId: string;
  method?: string | null;
  currency?: string | null;
  priority?: number;
}

/** The core's payment methods (what every dialect's methods map to). */
export const ROUTABLE_METHODS = ['card', 'wallet', 'va', 'cvs', 'qris', 'promptpay', 'thai_banking', 'bank_transfer'] as const;

const COLUMNS = 'id, merchant_id, connector_id, method, currency, priority, created_at';

function toRoute(r: Record<string, unknown>): ConnectorRoute {
  return {
    id: r.id as string,
    merchantId: r.merchant_id as string,
    connectorId: r.connector_id as string,
    method: (r.method as string) ?? null,
    currency: (r.currency as string) ?? null,
    priority: Number(r.priority),
    createdAt: new Date(r.created_at as string),
  };
}

/** Adds a route, or changes the priority of the same account + method + currency. */
export async function setRoute(deps: MerchantDeps, r: RouteInput): Promise<ConnectorRoute> {
  const account = await getConnector(deps, r.connectorId, r.merchantId);
  if (account.deletedAt) throw new KasirError('INVALID_PARAMETER', `connector ${account.id} is deleted`, { field: 'connector' });
  const method = r.method ?? null;
  const currency = r.currency?.toUpperCase() ?? null;
  if (currency !== null && !/^[A-Z]{3}$/.test(currency)) throw new KasirError('INVALID_PARAMETER', 'currency must be a three-letter code such as IDR', { field: 'currency' });
  if (method !== null && !(ROUTABLE_METHODS as readonly string[]).includes(method)) {
    throw new KasirError('INVALID_PARAMETER', `method must be one of ${ROUTABLE_METHODS.join(', ')}`, { field: 'method' });
  }
  const priority = r.priority ?? 100;
  if (!Number.isSafeInteger(priority) || priority < 0 || priority > 1_000_000) throw new KasirError('INVALID_PARAMETER', 'priority must be an integer from 0 to 1000000', { field: 'priority' });
  const { rows } = await deps.db.query(
    `INSERT INTO connector_routes (id, merchant_id, connector_id, method, currency, priority, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (merchant_id, connector_id, COALESCE(method, ''), COALESCE(currency, '')) DO UPDATE SET priority = EXCLUDED.priority
     RETURNING ${COLUMNS}`,
    [token('rt_', 12), r.merchantId, account.id, method, currency, priority, deps.clock.now()],
  );
  return toRoute(rows[0]);
}

export async function listRoutes(db: Pick<Db, 'query'>, merchantId?: string): Promise<ConnectorRoute[]> {
  const { rows } = merchantId
    ? await db.query(`SELECT ${COLUMNS} FROM connector_routes WHERE merchant_id = $1 ORDER BY priority, created_at, id`, [merchantId])
    : await db.query(`SELECT ${COLUMNS} FROM connector_routes ORDER BY merchant_id, priority, created_at, id`);
  return rows.map(toRoute);
}

export async function deleteRoute(db: Pick<Db, 'query'>, id: string, merchantId?: string): Promise<void> {
  const res = merchantId
    ? await db.query('DELETE FROM connector_routes WHERE id = $1 AND merchant_id = $2', [id, merchantId])
    : await db.query('DELETE FROM connector_routes WHERE id = $1', [id]);
  if (!res.rowCount) throw new KasirError('INVALID_PARAMETER', `route ${id} not found`, { field: 'route' });
}

/**
 * The accounts a new payment may go to, best first. `method` null (not chosen yet): every route for
 * the currency. A deleted account has no routes left.
 */
export async function routedConnectors(db: Pick<Db, 'query'>, merchantId: string, want: { method: string | null; currency: string }): Promise<string[]> {
  const { rows } = await db.query<{ connector_id: string }>(
    // Joined with the account: a route written while its account was being deleted never matches.
    `SELECT r.connector_id, MIN(r.priority) AS best FROM connector_routes r
       JOIN connector_accounts a ON a.id = r.connector_id AND a.deleted_at IS NULL
      WHERE r.merchant_id = $1 AND (r.currency IS NULL OR r.currency = $2) AND ($3::text IS NULL OR r.method IS NULL OR r.method = $3)
      GROUP BY r.connector_id ORDER BY best, r.connector_id`,
    [merchantId, want.currency.toUpperCase(), want.method],
  );
  return rows.map((r) => r.connector_id);
}
