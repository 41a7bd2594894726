// Delivers due outbox rows. Safe with several Kasir processes on one database: rows are claimed with
// FOR UPDATE SKIP LOCKED plus a lease (locked_until), and each attempt is recorded once (unique
// outbox_id + attempt). The HTTP call runs after the claim committed, never inside a transaction.
import type { Db } from '../../db/db.ts';
import type { Clock } from '../clock.ts';
import { findCredential, findMerchantCredential, type MerchantDeps } from '../merchants/merchants.ts';
import { getPaymentById } from '../payments/repo.ts';
import type { NotificationFormats, NotificationRequest, OutboxItem } from './format.ts';
import { safePost } from './safe-post.ts';

export interface DeliveryDeps {
  db: Db;
  clock: Clock;
  merchants: MerchantDeps;
  formats: NotificationFormats;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  /** Deliver to loopback and private addresses (off by default: SSRF protection; tests turn it on). */
  allowPrivateTargets: boolean;
}

const LEASE_MS = 60_000;

async function claimDue(deps: DeliveryDeps, limit: number): Promise<OutboxItem[]> {
  const now = deps.clock.now();
  const { rows } = await deps.db.query<Record<string, unknown>>(
    `WITH due AS (
       SELECT id FROM outbox
        WHERE status = 'pending' AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)
        ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
     UPDATE outbox o SET locked_until = $3, attempts = o.attempts + 1
       FROM due, payment_events e
      WHERE o.id = due.id AND e.id = o.event_id
     RETURNING o.id, o.merchant_id, o.payment_id, o.event_id, o.event_type, o.format, o.target_url, o.endpoint_id, o.attempts, o.created_at,
               e.amount AS event_amount, e.data AS event_data, e.at AS event_at, e.request_id AS event_request_id`,
    [now, limit, new Date(now.getTime() + LEASE_MS)],
  );
  return rows.map((r) => ({
    id: String(r.id),
    merchantId: r.merchant_id as string,
    paymentId: r.payment_id as string,
    eventId: String(r.event_id),
    eventType: r.event_type as string,
    eventAmount: r.event_amount == null ? null : BigInt(r.event_amount as string),
    eventData: (r.event_data as Record<string, unknown>) ?? {},
    eventRequestId: (r.event_request_id as string) ?? null,
    eventAt: new Date(r.event_at as string),
    format: r.format as string,
    targetUrl: r.target_url as string,
    endpointId: (r.endpoint_id as string) ?? null,
    attempts: Number(r.attempts),
    createdAt: new Date(r.created_at as string),
  }));
}

/** One pass: claims up to `limit` due notifications and attempts each once. Returns how many were delivered. */
export async function deliverDue(deps: DeliveryDeps, limit = 20): Promise<number> {
  const items = await claimDue(deps, limit);
  const results = await Promise.all(items.map((item) => deliverOne(deps, item)));
  return results.filter(Boolean).length;
}

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
      [item.id, item.attempts, now, status, error, body.slice(0, 500), Date.now() - started],
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
