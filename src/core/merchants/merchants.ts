// Merchants, their per-dialect credentials and their contract overrides. Which credentials a new
// merchant gets is the dialects' business: each supplies a CredentialProvisioner (they are injected
// through ProvisioningDeps by src/runtime.ts from src/dialects/registry.ts; core imports no dialect).
import type { Db, Queryable } from '../../db/db.ts';
import type { Clock } from '../clock.ts';
import type { ContractOverrides } from '../contracts/schema.ts';
import { KasirError } from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import type { RsaKeyPair } from './rsa.ts';
import type { SecretBox } from './secret-box.ts';

export interface MerchantDeps {
  db: Db;
  clock: Clock;
  box: SecretBox;
}

export const MERCHANT_MODES = ['test', 'live'] as const;
export type MerchantMode = (typeof MERCHANT_MODES)[number];

export interface Merchant {
  id: string;
  name: string;
  status: 'active' | 'suspended';
  /** test: payments reach only the sandbox; live: only the merchant's connector accounts. */
  mode: MerchantMode;
  contract: ContractOverrides;
  createdAt: Date;
  updatedAt: Date;
}

function rowToMerchant(r: Record<string, unknown>): Merchant {
  return {
    id: r.id as string,
    name: r.name as string,
    status: r.status as Merchant['status'],
    mode: (r.mode as MerchantMode) ?? 'test',
    contract: (r.contract as ContractOverrides) ?? {},
    createdAt: new Date(r.created_at as string),
    updatedAt: new Date(r.updated_at as string),
  };
}

const MERCHANT_COLUMNS = 'id, name, status, mode, contract, created_at, updated_at';

/**
 * A dialect's part of creating a merchant, in two steps. `prepare` makes the credential's material
 * from what the operator gave for it (if anything), before the merchant's transaction opens: an RSA
 * key pair is tens of milliseconds of CPU, and an open transaction holds a connection (PGlite's only
 * one) all along. The step it returns stores the credential inside that transaction and gives what
 * the operator is shown once (secrets included).
 */
export interface CredentialProvisioner<Given = never, Issued = unknown> {
  prepare(deps: CredentialDeps, merchant: { id: string; mode: MerchantMode }, given: Given | undefined): Promise<(q: Queryable) => Promise<Issued>>;
}

/** What making credentials needs beyond storing them. */
export interface CredentialDeps extends MerchantDeps {
  /** A new RSA-2048 key pair (src/core/merchants/rsa.ts); the tests' in-process Kasir reuses pairs other databases of its process had (test/helpers/rsa-key-pool.ts). */
  rsaKeyPair(): Promise<RsaKeyPair>;
}

/** Provisioners by dialect name, in the order credentials are issued (and shown). */
export type Provisioners = Readonly<Record<string, CredentialProvisioner<never, unknown>>>;

export interface ProvisioningDeps<P extends Provisioners = Provisioners> extends CredentialDeps {
  provisioners: P;
}

type GivenTo<T> = T extends CredentialProvisioner<infer G, unknown> ? G : never;
type IssuedBy<T> = T extends CredentialProvisioner<never, infer I> ? I : never;

/** What the operator may give per dialect (e.g. NICEPAY's published sandbox iMid and key). */
export type GivenCredentials<P extends Provisioners> = { [D in keyof P]?: GivenTo<P[D]> };
export type NewMerchant<P extends Provisioners = Provisioners> = { merchant: Merchant } & { [D in keyof P]: IssuedBy<P[D]> };

/** Creates a merchant with credentials for every dialect; secrets appear only in this result. */
export async function createMerchant<P extends Provisioners>(
  deps: ProvisioningDeps<P>,
  name: string,
  given: GivenCredentials<P> = {},
  mode: MerchantMode = 'test',
): Promise<NewMerchant<P>> {
  const now = deps.clock.now();
  const id = uuidv7(deps.clock);
  const stores = await Promise.all(
    Object.entries(deps.provisioners).map(async ([dialect, provisioner]) =>
      [dialect, await provisioner.prepare(deps, { id, mode }, (given as Record<string, never>)[dialect])] as const),
  );
  return deps.db.tx(async (q) => {
    const { rows } = await q.query(
      `INSERT INTO merchants (id, name, status, mode, contract, created_at, updated_at) VALUES ($1, $2, 'active', $4, '{}', $3, $3) RETURNING ${MERCHANT_COLUMNS}`,
      [id, name, now, mode],
    );
    const issued: Record<string, unknown> = {};
    for (const [dialect, store] of stores) issued[dialect] = await store(q);
    return { merchant: rowToMerchant(rows[0]), ...issued } as NewMerchant<P>;
  });
}

/** Stores one credential; its key id (native apiKey, Antom client id, NICEPAY iMid) must be new. */
export async function insertCredential(q: Queryable, deps: MerchantDeps, merchantId: string, dialect: string, keyId: string, secret: string, data: Record<string, unknown>) {
  const taken = await q.query('SELECT 1 FROM credentials WHERE key_id = $1', [keyId]);
  if (taken.rows.length) throw new KasirError('INVALID_PARAMETER', `${keyId} is already registered`, { field: 'keyId' });
  await q.query(
    'INSERT INTO credentials (id, merchant_id, dialect, key_id, secret_enc, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [uuidv7(deps.clock), merchantId, dialect, keyId, deps.box.seal(secret), data, deps.clock.now()],
  );
}

/**
 * Issues a new credential of one dialect and lets the current ones keep working for `overlapSeconds`,
 * so a merchant can roll the new secret out without a window of failed requests.
 */
export async function rotateCredential<P extends Provisioners, D extends keyof P & string>(
  deps: ProvisioningDeps<P>,
  merchantId: string,
  dialect: D,
  overlapSeconds: number,
): Promise<{ issued: IssuedBy<P[D]>; previousKeysExpireAt: Date }> {
  const merchant = await getMerchant(deps.db, merchantId);
  const expires = new Date(deps.clock.now().getTime() + overlapSeconds * 1000);
  const store = await deps.provisioners[dialect]!.prepare(deps, merchant, undefined);
  return deps.db.tx(async (q) => {
    await q.query(
      `UPDATE credentials SET expires_at = LEAST(COALESCE(expires_at, $2), $2)
        WHERE merchant_id = $1 AND dialect = $3`,
      [merchantId, expires, dialect],
    );
    const issued = (await store(q)) as IssuedBy<P[D]>;
    return { issued, previousKeysExpireAt: expires };
  });
}

/** Sets one field of the data of a merchant's credentials of a dialect (e.g. Antom's merchantPublicKey). */
export async function setCredentialField(deps: MerchantDeps, merchantId: string, dialect: string, field: string, value: string): Promise<void> {
  const res = await deps.db.query(
    `UPDATE credentials SET data = jsonb_set(data, ARRAY[$3::text], to_jsonb($4::text)) WHERE merchant_id = $1 AND dialect = $2`,
    [merchantId, dialect, field, value],
  );
  if (res.rowCount === 0) throw new KasirError('MERCHANT_NOT_FOUND');
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

const CREDENTIAL_SELECT = `SELECT c.key_id, c.secret_enc, c.data, c.expires_at, m.id, m.name, m.status, m.mode, m.contract, m.created_at, m.updated_at
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
