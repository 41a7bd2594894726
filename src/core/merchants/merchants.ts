// Merchants, their per-dialect credentials and their contract overrides.
import type { Db } from '../../db/db.ts';
import type { Clock } from '../clock.ts';
import type { ContractOverrides } from '../contracts/schema.ts';
import { KasirError } from '../errors.ts';
import { token, uuidv7 } from '../ids.ts';
import type { SecretBox } from './secret-box.ts';
import { addAntomCredentials, addNicepayCredentials, type AntomCredentials, type NicepayCredentials } from './dialect-credentials.ts';

export interface MerchantDeps {
  db: Db;
  clock: Clock;
  box: SecretBox;
}

export interface Merchant {
  id: string;
  name: string;
  status: 'active' | 'suspended';
  contract: ContractOverrides;
  createdAt: Date;
  updatedAt: Date;
}

export interface NativeCredentials {
  apiKey: string;
  apiSecret: string;
}

function rowToMerchant(r: Record<string, unknown>): Merchant {
  return {
    id: r.id as string,
    name: r.name as string,
    status: r.status as Merchant['status'],
    contract: (r.contract as ContractOverrides) ?? {},
    createdAt: new Date(r.created_at as string),
    updatedAt: new Date(r.updated_at as string),
  };
}

const MERCHANT_COLUMNS = 'id, name, status, contract, created_at, updated_at';

export interface NewMerchantOptions {
  /** Register a given iMid and merchantKey (e.g. NICEPAY's published sandbox pair). */
  nicepay?: Partial<NicepayCredentials>;
  /** The merchant's own Antom public key (PEM); otherwise Kasir generates a key pair. */
  antomPublicKey?: string;
}

export interface NewMerchant {
  merchant: Merchant;
  native: NativeCredentials;
  antom: AntomCredentials;
  nicepay: NicepayCredentials;
}

/** Creates a merchant with credentials for every dialect; secrets appear only in this result. */
export async function createMerchant(deps: MerchantDeps, name: string, opts: NewMerchantOptions = {}): Promise<NewMerchant> {
  const now = deps.clock.now();
  const id = uuidv7(deps.clock);
  return deps.db.tx(async (q) => {
    const { rows } = await q.query(
      `INSERT INTO merchants (id, name, status, contract, created_at, updated_at) VALUES ($1, $2, 'active', '{}', $3, $3) RETURNING ${MERCHANT_COLUMNS}`,
      [id, name, now],
    );
    const native = await addNativeKey(q, deps, id);
    const antom = await addAntomCredentials(q, deps, id, opts.antomPublicKey);
    const nicepay = await addNicepayCredentials(q, deps, id, opts.nicepay);
    return { merchant: rowToMerchant(rows[0]), native, antom, nicepay };
  });
}

async function addNativeKey(q: Pick<Db, 'query'>, deps: MerchantDeps, merchantId: string): Promise<NativeCredentials> {
  const apiKey = token('kn_', 16);
  const apiSecret = token('ks_', 32);
  await q.query(
    `INSERT INTO credentials (id, merchant_id, dialect, key_id, secret_enc, created_at) VALUES ($1, $2, 'native', $3, $4, $5)`,
    [uuidv7(deps.clock), merchantId, apiKey, deps.box.seal(apiSecret), deps.clock.now()],
  );
  return { apiKey, apiSecret };
}

/**
 * Issues a new native key and lets the current ones keep working for `overlapSeconds`, so a
 * merchant can roll the new secret out without a window of failed requests.
 */
export async function rotateNativeKey(deps: MerchantDeps, merchantId: string, overlapSeconds: number): Promise<NativeCredentials & { previousKeysExpireAt: Date }> {
  await getMerchant(deps.db, merchantId);
  const expires = new Date(deps.clock.now().getTime() + overlapSeconds * 1000);
  return deps.db.tx(async (q) => {
    await q.query(
      `UPDATE credentials SET expires_at = LEAST(COALESCE(expires_at, $2), $2)
        WHERE merchant_id = $1 AND dialect = 'native'`,
      [merchantId, expires],
    );
    return { ...(await addNativeKey(q, deps, merchantId)), previousKeysExpireAt: expires };
  });
}

export async function getMerchant(db: Pick<Db, 'query'>, id: string): Promise<Merchant> {
  const { rows } = await db.query(`SELECT ${MERCHANT_COLUMNS} FROM merchants WHERE id::text = $1`, [id]);
  if (!rows[0]) throw new KasirError('MERCHANT_NOT_FOUND');
  return rowToMerchant(rows[0]);
}

export async function listMerchants(db: Db): Promise<Merchant[]> {
  const { rows } = await db.query(`SELECT ${MERCHANT_COLUMNS} FROM merchants ORDER BY id`);
  return rows.map(rowToMerchant);
}

export async function setMerchantStatus(deps: MerchantDeps, id: string, status: Merchant['status']): Promise<Merchant> {
  const { rows } = await deps.db.query(
    `UPDATE merchants SET status = $2, updated_at = $3 WHERE id::text = $1 RETURNING ${MERCHANT_COLUMNS}`,
    [id, status, deps.clock.now()],
  );
  if (!rows[0]) throw new KasirError('MERCHANT_NOT_FOUND');
  return rowToMerchant(rows[0]);
}

export async function setMerchantContract(deps: MerchantDeps, id: string, contract: ContractOverrides): Promise<Merchant> {
  const { rows } = await deps.db.query(
    `UPDATE merchants SET contract = $2, updated_at = $3 WHERE id::text = $1 RETURNING ${MERCHANT_COLUMNS}`,
    [id, contract, deps.clock.now()],
  );
  if (!rows[0]) throw new KasirError('MERCHANT_NOT_FOUND');
  return rowToMerchant(rows[0]);
}

export interface CredentialRecord {
  merchant: Merchant;
  keyId: string;
  secret: string | null;
  data: Record<string, unknown>;
  expiresAt: Date | null;
}

const CREDENTIAL_SELECT = `SELECT c.key_id, c.secret_enc, c.data, c.expires_at, m.id, m.name, m.status, m.contract, m.created_at, m.updated_at
       FROM credentials c JOIN merchants m ON m.id = c.merchant_id`;

/** Looks a credential up by its public key id (native apiKey, Antom client id, NICEPAY iMid). */
export async function findCredential(deps: MerchantDeps, dialect: string, keyId: string): Promise<CredentialRecord | null> {
  const { rows } = await deps.db.query<Record<string, unknown>>(`${CREDENTIAL_SELECT} WHERE c.dialect = $1 AND c.key_id = $2`, [dialect, keyId]);
  return rows[0] ? toCredential(deps, rows[0]) : null;
}

/** The merchant's newest credential of a dialect (notifications are signed with it). */
export async function findMerchantCredential(deps: MerchantDeps, merchantId: string, dialect: string): Promise<CredentialRecord | null> {
  const { rows } = await deps.db.query<Record<string, unknown>>(
    `${CREDENTIAL_SELECT} WHERE c.merchant_id = $1 AND c.dialect = $2 ORDER BY c.created_at DESC LIMIT 1`,
    [merchantId, dialect],
  );
  return rows[0] ? toCredential(deps, rows[0]) : null;
}

function toCredential(deps: MerchantDeps, r: Record<string, unknown>): CredentialRecord {
  return {
    merchant: rowToMerchant(r),
    keyId: r.key_id as string,
    secret: r.secret_enc ? deps.box.open(r.secret_enc as string) : null,
    data: (r.data as Record<string, unknown>) ?? {},
    expiresAt: r.expires_at ? new Date(r.expires_at as string) : null,
  };
}
