// Credentials of the Antom and NICEPAY dialects, created with the merchant and returned once.
// Antom: a client id, the merchant's RSA public key (Kasir verifies requests with it) and a gateway
// key pair per client id (Kasir signs responses with its private half, sealed at rest). NICEPAY: an
// iMid (exactly 10 characters) and the shared merchantKey (sealed at rest: tokens are recomputed).
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/db.ts';
import { KasirError } from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import type { MerchantDeps } from './merchants.ts';
import { newRsaKeyPair } from './rsa.ts';

export interface AntomCredentials {
  clientId: string;
  merchantPrivateKeyPkcs8: string | null;
  merchantPrivateKeyPkcs1: string | null;
  gatewayPublicKey: string;
}

export interface NicepayCredentials {
  iMid: string;
  merchantKey: string;
}

const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
function randomCode(length: number): string {
  return Array.from(randomBytes(length), (b) => ALNUM[b % ALNUM.length]).join('');
}

async function insertCredential(q: Queryable, deps: MerchantDeps, merchantId: string, dialect: string, keyId: string, secret: string, data: Record<string, unknown>) {
  const taken = await q.query('SELECT 1 FROM credentials WHERE key_id = $1', [keyId]);
  if (taken.rows.length) throw new KasirError('INVALID_PARAMETER', `${keyId} is already registered`, { field: 'keyId' });
  await q.query(
    'INSERT INTO credentials (id, merchant_id, dialect, key_id, secret_enc, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [uuidv7(deps.clock), merchantId, dialect, keyId, deps.box.seal(secret), data, deps.clock.now()],
  );
}

/**
 * `merchantPublicKey` given: the merchant keeps its own private key and Kasir returns none.
 * The SANDBOX_ prefix lets SDKs route to /ams/sandbox/api; every prefix accepts every client id.
 */
export async function addAntomCredentials(q: Queryable, deps: MerchantDeps, merchantId: string, merchantPublicKey?: string): Promise<AntomCredentials> {
  const clientId = 'SANDBOX_' + randomCode(16);
  const [gateway, merchantPair] = await Promise.all([newRsaKeyPair(), merchantPublicKey ? null : newRsaKeyPair()]);
  await insertCredential(q, deps, merchantId, 'antom', clientId, gateway.privateKeyPkcs8Pem, {
    merchantPublicKey: merchantPublicKey ?? merchantPair!.publicKeySpkiPem,
    gatewayPublicKey: gateway.publicKeySpkiPem,
  });
  return {
    clientId,
    merchantPrivateKeyPkcs8: merchantPair?.privateKeyPkcs8Pem ?? null,
    merchantPrivateKeyPkcs1: merchantPair?.privateKeyPkcs1Pem ?? null,
    gatewayPublicKey: gateway.publicKeySpkiPem,
  };
}

export async function setAntomMerchantPublicKey(deps: MerchantDeps, merchantId: string, publicKeyPem: string): Promise<void> {
  const res = await deps.db.query(
    `UPDATE credentials SET data = jsonb_set(data, '{merchantPublicKey}', to_jsonb($2::text)) WHERE merchant_id = $1 AND dialect = 'antom'`,
    [merchantId, publicKeyPem],
  );
  if (res.rowCount === 0) throw new KasirError('MERCHANT_NOT_FOUND');
}

/** A given iMid and key (e.g. the published IONPAYTEST pair) or freshly generated ones. */
export async function addNicepayCredentials(q: Queryable, deps: MerchantDeps, merchantId: string, given?: Partial<NicepayCredentials>): Promise<NicepayCredentials> {
  const iMid = given?.iMid ?? 'KSR' + randomCode(7);
  if (!/^[A-Za-z0-9]{10}$/.test(iMid)) throw new KasirError('INVALID_PARAMETER', 'iMid must be exactly 10 letters or digits', { field: 'nicepay.iMid' });
  const merchantKey = given?.merchantKey ?? randomBytes(64).toString('base64');
  if (merchantKey.length < 8 || merchantKey.length > 512) throw new KasirError('INVALID_PARAMETER', 'merchantKey must be 8 to 512 characters', { field: 'nicepay.merchantKey' });
  await insertCredential(q, deps, merchantId, 'nicepay', iMid, merchantKey, {});
  return { iMid, merchantKey };
}
