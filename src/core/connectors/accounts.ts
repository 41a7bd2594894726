// Connector accounts: a merchant's accounts at upstream providers (Antom, NICEPAY) that its live
// payments are sent to (src/processors/ implements each provider). What the provider needs to know
// is in `settings` (not secret: client id, iMid, the provider's public key) and in the one sealed
// secret (Kasir's private key for that account, or the NICEPAY merchant key), opened only in memory
// to sign and never shown again after creation.
import type { Queryable } from '../../db/db.ts';
import { KasirError } from '../errors.ts';
import { token } from '../ids.ts';
import type { MerchantDeps } from '../merchants/merchants.ts';

export const CONNECTOR_TYPES = ['antom', 'nicepay'] as const;
export type ConnectorType = (typeof CONNECTOR_TYPES)[number];

export interface ConnectorAccount {
  id: string;
  merchantId: string;
  type: ConnectorType;
  name: string;
  baseUrl: string;
  settings: Record<string, string>;
  /** Opened from secret_enc; never rendered. */
  secret: string;
  deletedAt: Date | null;
  createdAt: Date;
}

/** An account as the operator sees it: everything but the secret. */
export type ConnectorView = Omit<ConnectorAccount, 'secret'>;

export type NewConnector = Pick<ConnectorAccount, 'merchantId' | 'type' | 'name' | 'baseUrl' | 'settings' | 'secret'>;

const COLUMNS = 'id, merchant_id, type, name, base_url, settings, secret_enc, deleted_at, created_at';

function toAccount(deps: Pick<MerchantDeps, 'box'>, r: Record<string, unknown>): ConnectorAccount {
  return {
    id: r.id as string,
    merchantId: r.merchant_id as string,
    type: r.type as ConnectorType,
    name: r.name as string,
    baseUrl: r.base_url as string,
    settings: (r.settings as Record<string, string>) ?? {},
    secret: deps.box.open(r.secret_enc as string),
    deletedAt: r.deleted_at ? new Date(r.deleted_at as string) : null,
    createdAt: new Date(r.created_at as string),
  };
}

export function viewOf(a: ConnectorAccount): ConnectorView {
  const { secret: _secret, ...view } = a;
  return view;
}

export async function createConnector(deps: MerchantDeps, c: NewConnector): Promise<ConnectorAccount> {
  const id = token('con_', 16);
  const { rows } = await deps.db.query(
    `INSERT INTO connector_accounts (id, merchant_id, type, name, base_url, settings, secret_enc, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
    [id, c.merchantId, c.type, c.name, c.baseUrl, c.settings, deps.box.seal(c.secret), deps.clock.now()],
  );
  return toAccount(deps, rows[0]);
}

/** One account by id, deleted ones included (their payments are still served); `merchantId` scopes the lookup. */
export async function getConnector(deps: Pick<MerchantDeps, 'db' | 'box'>, id: string, merchantId?: string): Promise<ConnectorAccount> {
  const { rows } = await deps.db.query(`SELECT ${COLUMNS} FROM connector_accounts WHERE id = $1`, [id]);
  const row = rows[0];
  if (!row || (merchantId !== undefined && row.merchant_id !== merchantId)) throw new KasirError('INVALID_PARAMETER', `connector ${id} not found`, { field: 'connector' });
  return toAccount(deps, row);
}

export async function listConnectors(deps: Pick<MerchantDeps, 'db' | 'box'>, merchantId?: string): Promise<ConnectorAccount[]> {
  const { rows } = merchantId
    ? await deps.db.query(`SELECT ${COLUMNS} FROM connector_accounts WHERE merchant_id = $1 AND deleted_at IS NULL ORDER BY created_at, id`, [merchantId])
    : await deps.db.query(`SELECT ${COLUMNS} FROM connector_accounts WHERE deleted_at IS NULL ORDER BY created_at, id`);
  return rows.map((r) => toAccount(deps, r));
}

/**
 * Retires an account: its routes go (no new payment reaches it), the row stays so the payments
 * already sent to it can still be canceled, refunded and notified about.
 */
export async function deleteConnector(deps: MerchantDeps, id: string, merchantId?: string): Promise<ConnectorAccount> {
  const account = await getConnector(deps, id, merchantId);
  return deps.db.tx(async (q: Queryable) => {
    await q.query('DELETE FROM connector_routes WHERE connector_id = $1', [id]);
    const { rows } = await q.query(
      `UPDATE connector_accounts SET deleted_at = COALESCE(deleted_at, $2) WHERE id = $1 RETURNING ${COLUMNS}`,
      [account.id, deps.clock.now()],
    );
    return toAccount(deps, rows[0]);
  });
}
