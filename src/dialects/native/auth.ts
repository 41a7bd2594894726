// Seed 002's HMAC authentication, exactly: X-API-Key, X-Timestamp (epoch ms), X-Signature
// `sha256=<hex HMAC-SHA256(secret, "<ts>.<raw body>")>`; ±300 s; constant-time comparison; and a
// replayed (key, timestamp, signature) refused by every process on the database (ReplayGuard), since
// the signed text binds neither method nor path.
// `v2=<hex HMAC(secret, "<ts>.<METHOD>.<path>.<raw body>")>` is also accepted and binds both.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import { KasirError } from '../../core/errors.ts';
import type { CredentialCache } from '../../core/merchants/credential-cache.ts';
import type { Merchant } from '../../core/merchants/merchants.ts';
import { answered, coalesce, type Answer, type CoalesceOptions } from '../../db/coalesce.ts';
import type { Queryable } from '../../db/db.ts';
import { secondsHint } from '../../http/validate.ts';

export const TOLERANCE_MS = 300_000;

export interface NativeAuthInput {
  apiKey: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  method: string;
  path: string;
  rawBody: Buffer;
}

/** One signature offered to the guard. */
interface Offer {
  digest: Buffer;
  signedAt: Date;
}

/**
 * Remembers accepted signatures in the database (table native_replay_guard), so that every Kasir
 * process on it refuses a replay, also after a restart. An entry lives 2 × the tolerance (a
 * timestamp may be ±300 s off); src/core/jobs/prune-guards.ts deletes expired ones.
 *
 * One statement at a time per process, offering every signature that arrived while the previous
 * one ran (src/db/coalesce.ts): under load, 16 requests in flight share a few statements instead of
 * paying one round trip and one commit each.
 */
export class ReplayGuard {
  private readonly db: Queryable;
  private readonly clock: Clock;
  private readonly offer: (offer: Offer) => Promise<boolean>;
  constructor(deps: { db: Queryable; clock: Clock }, opts: CoalesceOptions = {}) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.offer = coalesce((offers) => this.offerAll(offers), opts);
  }
  /** True the first time a signature is offered; false for every reuse inside the window. */
  firstUse(key: string, signedAtMs: number): Promise<boolean> {
    return this.offer({ digest: createHash('sha256').update(key).digest(), signedAt: new Date(signedAtMs) });
  }

  private async offerAll(offers: Offer[]): Promise<Answer<boolean>[]> {
    // The same signature twice in one statement: the second is a replay of the first, whatever
    // the database says of the first (and ON CONFLICT may not touch one row twice). Across two
    // statements in flight at once (one stalled), the unique key decides, as between processes.
    const hexes = offers.map((o) => o.digest.toString('hex'));
    const firsts = new Map<string, Offer>();
    hexes.forEach((hex, i) => firsts.has(hex) || firsts.set(hex, offers[i]));
    const accepted = await this.insert([...firsts.values()]);
    return hexes.map((hex, i) => answered(firsts.get(hex) === offers[i] && accepted.has(hex)));
  }

  /**
   * The digests the database accepted. The insert decides, and the unique (signed_at, digest)
   * serialises two processes offering the same signature at once. Rows go in in the key's order:
   * two statements inserting the same two signatures in opposite orders would each wait for the
   * other's uncommitted row (a deadlock, and a whole batch failed). An expired entry the prune job
   * has not yet deleted is taken over (the WHERE), so acceptance never depends on when the job
   * last ran.
   *
   * Committed without waiting for the WAL flush (`synchronous_commit` off for this statement's own
   * transaction only), which took a flush wait off every native request. Nothing is lost by it: a
   * request that changes anything commits its change synchronously afterwards, and that flush
   * carries every earlier WAL record, this entry's included, before the answer leaves. Only the
   * entry of a request that changed nothing can vanish in a database crash, and its replay
   * changes nothing either.
   */
  private async insert(offers: Offer[]): Promise<Set<string>> {
    const now = this.clock.now();
    // Keyed by (signed_at, digest) (migration 019): the signed time leads, so inserts stay on the
    // index's newest pages. An entry from before that migration (no signed_at; moved apart by
    // migration 020) still refuses its replay until it expires.
    const { rows } = await this.db.query<{ hex: string }>(
      `INSERT INTO native_replay_guard (signed_at, digest, expires_at)
         SELECT o.signed_at, o.digest, $3
           FROM unnest($1::timestamptz[], $2::bytea[]) AS o (signed_at, digest),
                (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
          WHERE NOT EXISTS (SELECT 1 FROM native_replay_guard_legacy l WHERE l.digest = o.digest AND l.expires_at >= $4)
          ORDER BY o.signed_at, o.digest
       ON CONFLICT (signed_at, digest) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE native_replay_guard.expires_at < $4
       RETURNING encode(digest, 'hex') AS hex`,
      [offers.map((o) => o.signedAt), offers.map((o) => o.digest), new Date(now.getTime() + 2 * TOLERANCE_MS), now],
    );
    return new Set(rows.map((r) => r.hex));
  }
}

const unauthorized = (message: string) => new KasirError('UNAUTHENTICATED', message);

function hexEqual(expected: Buffer, givenHex: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(givenHex)) return false;
  return timingSafeEqual(expected, Buffer.from(givenHex, 'hex'));
}

export async function authenticateNative(input: NativeAuthInput, deps: { clock: Clock; credentials: CredentialCache; replays: Pick<ReplayGuard, 'firstUse'> }): Promise<Merchant> {
  const { apiKey, timestamp, signature } = input;
  if (!apiKey || !timestamp || !signature) throw unauthorized('Missing X-API-Key, X-Timestamp or X-Signature header');
  if (!/^\d{1,16}$/.test(timestamp)) throw unauthorized('X-Timestamp must be milliseconds since the epoch');
  const cred = await deps.credentials.get('native', apiKey);
  const now = deps.clock.now().getTime();
  if (!cred || !cred.secret || (cred.expiresAt && cred.expiresAt.getTime() <= now)) throw unauthorized('Invalid API key');
  if (Math.abs(now - Number(timestamp)) > TOLERANCE_MS) {
    throw unauthorized(`X-Timestamp is more than 300 seconds away from the server time${secondsHint('X-Timestamp', timestamp)}`);
  }
  // Split at the first '=' only: split('=', 2) would drop a tail and accept "sha256=<hex>=anything".
  const eq = signature.indexOf('=');
  const scheme = eq < 0 ? signature : signature.slice(0, eq);
  const hex = eq < 0 ? undefined : signature.slice(eq + 1);
  const signed =
    scheme === 'sha256' ? `${timestamp}.` : scheme === 'v2' ? `${timestamp}.${input.method.toUpperCase()}.${input.path}.` : null;
  if (signed === null || hex === undefined) throw unauthorized('X-Signature must be sha256=<hex> or v2=<hex>');
  const expected = createHmac('sha256', cred.secret).update(signed).update(input.rawBody).digest();
  if (!hexEqual(expected, hex)) throw unauthorized('Invalid signature');
  if (!(await deps.replays.firstUse(`${apiKey}:${timestamp}:${hex.toLowerCase()}`, Number(timestamp)))) {
    throw unauthorized('Signature replayed: sign each request with a fresh X-Timestamp');
  }
  if (cred.merchant.status !== 'active') throw new KasirError('MERCHANT_SUSPENDED', 'The merchant is suspended');
  return cred.merchant;
}
