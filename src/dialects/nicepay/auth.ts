// NICEPAY authenticates with `merchantToken` in the body: iMid → the merchant's credential (key_id =
// iMid, secret = merchantKey) → the endpoint's formula (token.ts) compared in constant time.
// Unknown iMid → KEY_NOT_FOUND (9011), wrong token → BAD_SIGNATURE (9010), suspended merchant →
// MERCHANT_SUSPENDED, checked only after the token so it never tells strangers a merchant's state;
// then the contract's per-merchant rate limit (RATE_LIMITED → 9002).
import { admit } from '../../http/pipeline.ts';
import type { CallContext, CoreDeps } from '../../core/deps.ts';
import { KasirError } from '../../core/errors.ts';
import type { CredentialCache } from '../../core/merchants/credential-cache.ts';
import type { CredentialRecord } from '../../core/merchants/merchants.ts';
import type { RateLimiter } from '../../http/rate-limit.ts';
import { tokenMatches } from './token.ts';
import type { TxidSequence } from './txid-sequence.ts';

export interface NicepayDeps {
  core: CoreDeps;
  credentials: CredentialCache;
  /** The contract's rateLimitPerSecond per merchant (RATE_LIMITED, resultCd 9002). */
  limiter?: RateLimiter;
  /** The sequence part of new tXids and canceltXids (one per app: it caches numbers per second). */
  txids: TxidSequence;
}

export interface Authenticated {
  iMid: string;
  merchantKey: string;
  ctx: CallContext;
}

/** The credential of an iMid, or KEY_NOT_FOUND (9011). */
export async function credentialFor(deps: NicepayDeps, iMid: string): Promise<CredentialRecord & { secret: string }> {
  const cred = await deps.credentials.get('nicepay', iMid);
  const now = deps.core.clock.now().getTime();
  if (!cred || !cred.secret || (cred.expiresAt && cred.expiresAt.getTime() <= now)) {
    throw new KasirError('KEY_NOT_FOUND', 'Invalid MID');
  }
  return cred as CredentialRecord & { secret: string };
}

/**
 * Verifies `given` against each candidate token (a client may hash `amt` as sent, e.g. "10000.00",
 * or canonical, "10000"); every candidate is compared, so timing does not depend on which matched.
 */
export async function verifyToken(
  deps: NicepayDeps,
  cred: CredentialRecord & { secret: string },
  requestId: string,
  given: string | undefined,
  expected: (merchantKey: string) => string[],
): Promise<Authenticated> {
  let ok = false;
  for (const candidate of new Set(expected(cred.secret))) ok = tokenMatches(candidate, given) || ok;
  if (!ok) throw new KasirError('BAD_SIGNATURE', 'Invalid Merchant Token');
  if (cred.merchant.status !== 'active') throw new KasirError('MERCHANT_SUSPENDED', 'The merchant is suspended');
  if (deps.limiter) await admit(deps.limiter, 'nicepay', cred.merchant);
  return {
    iMid: cred.keyId,
    merchantKey: cred.secret,
    ctx: { merchant: { id: cred.merchant.id, mode: cred.merchant.mode, contract: cred.merchant.contract }, dialect: 'nicepay', requestId },
  };
}

export async function authenticate(
  deps: NicepayDeps,
  iMid: string,
  requestId: string,
  given: string | undefined,
  expected: (merchantKey: string) => string[],
): Promise<Authenticated> {
  return verifyToken(deps, await credentialFor(deps, iMid), requestId, given, expected);
}
