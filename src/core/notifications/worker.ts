// Delivers due outbox rows. Safe with several Kasir processes on one database: rows are claimed with
// FOR UPDATE SKIP LOCKED plus a lease (claim.ts), and each attempt is recorded once (unique
// outbox_id + attempt). The HTTP call runs after the claim committed, never inside a transaction.
// Deliveries run in slots (pool.ts) with per-merchant and per-target limits and no batch barrier.
import type { Db } from '../../db/db.ts';
import type { Clock } from '../clock.ts';
import { findCredential, findMerchantCredential, type MerchantDeps } from '../merchants/merchants.ts';
import { getPaymentById } from '../payments/repo.ts';
import { DEFAULT_LIMITS, type DeliveryLimits } from './claim.ts';
import type { NotificationFormats, NotificationRequest, OutboxItem } from './format.ts';
import { createPool, type PoolOptions } from './pool.ts';
import { safePost } from './safe-post.ts';

export interface DeliveryDeps {
  db: Db;
  clock: Clock;
  merchants: MerchantDeps;
  formats: NotificationFormats;
  /** Per-attempt deadline: the whole exchange with the receiver, connect to last byte. */
  timeoutMs?: number;
  /** Deliver to loopback and private addresses (off by default: SSRF protection; tests turn it on). */
  allowPrivateTargets: boolean;
  /** Deliveries in flight in this process: in all, per merchant, per target (DEFAULT_LIMITS). */
  limits?: DeliveryLimits;
}

/**
 * One pass, for tests and tools: claims due notifications (at most `limit` in all) into the slots,
 * refilling each slot as it frees, until nothing more is due; returns how many were delivered.
 * A delivery that threw (the database, not the receiver) is rethrown once the pass is over.
 */
export async function deliverDue(deps: DeliveryDeps, limit = 20): Promise<number> {
  let delivered = 0;
  let failure: { error: unknown } | undefined;
  const pool = poolFor(deps, (o) => {
    if (o.delivered) delivered++;
    if ('error' in o) failure ??= { error: o.error };
  });
  let claimed = 0;
  try {
    for (;;) {
      const started = await pool.fill(limit - claimed);
      claimed += started;
      if (pool.inFlight()) {
        await pool.settled();
        continue;
      }
      // Nothing in flight. If this fill started deliveries, they may all have settled while it was
      // still claiming with their slots counted as busy (rows skipped as over a limit): fill again.
      if (started === 0 || claimed >= limit) break;
    }
  } finally {
    await pool.idle(); // a failed claim leaves no delivery running behind the caller's back
  }
  if (failure) throw failure.error;
  return delivered;
}

/**
 * The delivery job of a long-running process: claims whenever a slot frees and every `pollMs` (rows
 * another process wrote, retries coming due). Returns a stop function that claims nothing more and
 * waits for the deliveries in flight (each bounded by its deadline).
 */
export function startDelivery(deps: DeliveryDeps, pollMs: number, onError: (err: unknown) => void): () => Promise<void> {
  let stopped = false;
  let filling: Promise<void> | null = null;
  let again = false;
  const kick = () => {
    if (stopped) return;
    if (filling) {
      again = true; // a slot freed while claiming: claim once more right after
      return;
    }
    again = false;
    filling = pool
      .fill()
      .then(() => undefined, onError)
      .finally(() => {
        filling = null;
        if (again) kick();
      });
  };
  const pool = poolFor(deps, (o) => {
    if ('error' in o) onError(o.error);
    kick();
  });
  const timer = setInterval(kick, pollMs);
  timer.unref();
  kick();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await filling;
    await pool.idle();
  };
}

const poolFor = (deps: DeliveryDeps, onSettled: PoolOptions['onSettled']) =>
  createPool({ db: deps.db, clock: deps.clock, limits: deps.limits ?? DEFAULT_LIMITS, deliver: (item) => deliverOne(deps, item), onSettled });

async function deliverOne(deps: DeliveryDeps, item: OutboxItem): Promise<boolean> {
  const format = deps.formats[item.format];
  const payment = await getPaymentById(deps.db, item.paymentId);
  // Webhook endpoints sign with their own secret; dialect notifications with the merchant's key.
  const credential = item.endpointId
    ? await findCredential(deps.merchants, 'webhook', item.endpointId)
    : await findMerchantCredential(deps.merchants, item.merchantId, item.format);
  let request: NotificationRequest | null;
  try {
    request = format && payment ? format.build(item, payment, credential, deps.clock.now()) : null;
  } catch (err) {
    // A notification that cannot even be built (say, an unusable stored URL) never will be: give it
    // up with the reason on record, instead of re-claiming it forever.
    await deps.db.tx(async (q) => {
      await q.query(
        `INSERT INTO delivery_attempts (outbox_id, attempt, at, error, duration_ms) VALUES ($1, $2, $3, $4, 0)`,
        [item.id, item.attempts, deps.clock.now(), `could not build the notification: ${String((err as Error).message).slice(0, 400)}`],
      );
      await q.query(`UPDATE outbox SET status = 'failed', locked_until = NULL WHERE id = $1`, [item.id]);
    });
    return false;
  }
  if (!request) {
    await deps.db.query(`UPDATE outbox SET status = 'skipped', locked_until = NULL WHERE id = $1`, [item.id]);
    return false;
  }
  const started = Date.now();
  let status: number | null = null;
  let body = '';
  let error: string | null = null;
  try {
    const res = await safePost(item.targetUrl, {
      headers: request.headers,
      body: request.body,
      timeoutMs: deps.timeoutMs ?? 10_000,
      allowPrivate: deps.allowPrivateTargets,
    });
    status = res.status;
    body = res.body.slice(0, 2000);
  } catch (err) {
    error = (err as Error).message.slice(0, 500);
  }
  const acknowledged = status !== null && format.isAcknowledged(status, body);
  const now = deps.clock.now();
  const delay = format.retryDelaysMs[item.attempts - 1];
  await deps.db.tx(async (q) => {
    await q.query(
      `INSERT INTO delivery_attempts (outbox_id, attempt, at, status_code, error, response_excerpt, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [item.id, item.attempts, now, status, storableText(error), storableText(body.slice(0, 500)), Date.now() - started],
    );
    await q.query(
      `UPDATE outbox SET status = $2, locked_until = NULL, delivered_at = $3, next_attempt_at = $4 WHERE id = $1`,
      [
        item.id,
        acknowledged ? 'delivered' : delay === undefined ? 'failed' : 'pending',
        acknowledged ? now : null,
        new Date(now.getTime() + (delay ?? 0)),
      ],
    );
  });
  return acknowledged;
}

export interface DeliveryView {
  id: string;
  eventType: string;
  format: string;
  targetUrl: string;
  status: string;
  attempts: { attempt: number; at: string; statusCode: number | null; error: string | null }[];
}

/** A payment's notifications and every attempt, for the admin API. */
export async function listDeliveries(db: Db, paymentId: string): Promise<DeliveryView[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT o.id, o.event_type, o.format, o.target_url, o.status,
            COALESCE(json_agg(json_build_object('attempt', a.attempt, 'at', a.at, 'statusCode', a.status_code, 'error', a.error) ORDER BY a.attempt)
                     FILTER (WHERE a.id IS NOT NULL), '[]') AS attempts
       FROM outbox o LEFT JOIN delivery_attempts a ON a.outbox_id = o.id
      WHERE o.payment_id = $1 GROUP BY o.id ORDER BY o.id`,
    [paymentId],
  );
  return rows.map((r) => ({
    id: String(r.id),
    eventType: r.event_type as string,
    format: r.format as string,
    targetUrl: r.target_url as string,
    status: r.status as string,
    attempts: r.attempts as DeliveryView['attempts'],
  }));
}

/** Schedules one more attempt of a notification now, whatever its state (operator's redelivery). */
export async function redeliver(db: Db, clock: Clock, outboxId: string): Promise<boolean> {
  if (!/^\d{1,18}$/.test(outboxId)) return false;
  const res = await db.query(`UPDATE outbox SET status = 'pending', next_attempt_at = $2, locked_until = NULL WHERE id = $1`, [outboxId, clock.now()]);
  return res.rowCount > 0;
}

/**
 * A receiver's answer is anybody's bytes: PostgreSQL text refuses NUL and lone surrogates, and a
 * refused insert would leave the row claimed and retried forever with no attempt recorded.
 */
function storableText(text: string | null): string | null {
  return text === null ? null : text.replace(/\u0000/g, '\uFFFD').toWellFormed();
}
