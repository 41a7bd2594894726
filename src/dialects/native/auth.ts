// Seed 002's HMAC authentication, exactly: X-API-Key, X-Timestamp (epoch ms), X-Signature
// `sha256=<hex HMAC-SHA256(secret, "<ts>.<raw body>")>`; ±300 s; constant-time comparison; and a
// replayed (key, timestamp, signature) refused, since the signed text binds neither method nor path.
// `v2=<hex HMAC(secret, "<ts>.<METHOD>.<path>.<raw body>")>` is also accepted and binds both.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import { KasirError } from '../../core/errors.ts';
import type { CredentialCache } from '../../core/merchants/credential-cache.ts';
import type { Merchant } from '../../core/merchants/merchants.ts';

export const TOLERANCE_MS = 300_000;

export interface NativeAuthInput {
  apiKey: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  method: string;
  path: string;
  rawBody: Buffer;
}

/** Remembers accepted signatures for the tolerance window (twice: a timestamp may be ±300 s off). */
export class ReplayGuard {
  private seen = new Map<string, number>();
  private readonly clock: Clock;
  constructor(clock: Clock) {
    this.clock = clock;
  }
  /** True the first time a signature is offered; false for every reuse inside the window. */
  firstUse(key: string): boolean {
    const now = this.clock.now().getTime();
    if (this.seen.size > 50_000) for (const [k, until] of this.seen) if (until < now) this.seen.delete(k);
    const until = this.seen.get(key);
    if (until !== undefined && until >= now) return false;
    this.seen.set(key, now + 2 * TOLERANCE_MS);
    return true;
  }
}

const unauthorized = (message: string) => new KasirError('UNAUTHENTICATED', message);

function hexEqual(expected: Buffer, givenHex: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(givenHex)) return false;
  return timingSafeEqual(expected, Buffer.from(givenHex, 'hex'));
}

export async function authenticateNative(input: NativeAuthInput, deps: { clock: Clock; credentials: CredentialCache; replays: ReplayGuard }): Promise<Merchant> {
  const { apiKey, timestamp, signature } = input;
  if (!apiKey || !timestamp || !signature) throw unauthorized('Missing X-API-Key, X-Timestamp or X-Signature header');
  if (!/^\d{1,16}$/.test(timestamp)) throw unauthorized('X-Timestamp must be milliseconds since the epoch');
  const cred = await deps.credentials.get('native', apiKey);
  const now = deps.clock.now().getTime();
  if (!cred || !cred.secret || (cred.expiresAt && cred.expiresAt.getTime() <= now)) throw unauthorized('Invalid API key');
  if (Math.abs(now - Number(timestamp)) > TOLERANCE_MS) throw unauthorized('X-Timestamp is more than 300 seconds away from the server time');
  // Split at the first '=' only: split('=', 2) would drop a tail and accept "sha256=<hex>=anything".
  const eq = signature.indexOf('=');
  const scheme = eq < 0 ? signature : signature.slice(0, eq);
  const hex = eq < 0 ? undefined : signature.slice(eq + 1);
  const signed =
    scheme === 'sha256' ? `${timestamp}.` : scheme === 'v2' ? `${timestamp}.${input.method.toUpperCase()}.${input.path}.` : null;
  if (signed === null || hex === undefined) throw unauthorized('X-Signature must be sha256=<hex> or v2=<hex>');
  const expected = createHmac('sha256', cred.secret).update(signed).update(input.rawBody).digest();
  if (!hexEqual(expected, hex)) throw unauthorized('Invalid signature');
  if (!deps.replays.firstUse(`${apiKey}:${timestamp}:${hex.toLowerCase()}`)) {
    throw unauthorized('Signature replayed: sign each request with a fresh X-Timestamp');
  }
  if (cred.merchant.status !== 'active') throw new KasirError('MERCHANT_SUSPENDED', 'The merchant is suspended');
  return cred.merchant;
}
