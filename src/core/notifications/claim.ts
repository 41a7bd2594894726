// Claims due outbox rows for this process's free delivery slots, within its per-merchant and
// per-target limits. Safe with several processes: rows are locked with FOR UPDATE SKIP LOCKED and
// leased (locked_until), so no two processes attempt one row at once. Limits count what THIS process
// has in flight (`busy`); each process bounds its own share.
//
// Fairness lives in the statement: merchants and targets already at their limit are left out before
// the candidates are cut to SCAN rows (so a backlog of one merchant cannot fill the window and hide
// another's row), and each candidate is ranked within its merchant and its target, so one claim
// never takes more of a merchant or a target than its free share.
import type { Db } from '../../db/db.ts';
import type { Clock } from '../clock.ts';
import type { OutboxItem } from './format.ts';

/** Ceilings on deliveries in flight in one process. */
export interface DeliveryLimits {
  /** All deliveries at once. */
  slots: number;
  /** Of one merchant: keep it below `slots`, so one merchant's hanging receivers leave room for others. */
  perMerchant: number;
  /** To one target URL. */
  perTarget: number;
}

export const DEFAULT_LIMITS: DeliveryLimits = { slots: 32, perMerchant: 8, perTarget: 2 };

/** What this process has in flight, per merchant id and per target URL. */
export interface Busy {
  merchants: Map<string, number>;
  targets: Map<string, number>;
}

/** A claim holds its row this long; every attempt ends well before (safe-post's deadline). */
const LEASE_MS = 60_000;
/** How many due rows one claim looks at. */
const SCAN = 500;

const CLAIM = `
  WITH cand AS (
    SELECT id, merchant_id, target_url, next_attempt_at FROM outbox
     WHERE status = 'pending' AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)
       AND NOT (merchant_id::text = ANY($4::text[])) AND NOT (target_url = ANY($5::text[]))
     ORDER BY next_attempt_at, id LIMIT ${SCAN}),
  ranked AS (
    SELECT id, next_attempt_at,
           row_number() OVER (PARTITION BY merchant_id ORDER BY next_attempt_at, id) + COALESCE(($6::jsonb ->> merchant_id::text)::int, 0) AS merchant_load,
           row_number() OVER (PARTITION BY target_url ORDER BY next_attempt_at, id) + COALESCE(($7::jsonb ->> target_url)::int, 0) AS target_load
      FROM cand),
  due AS (
    SELECT o.id FROM outbox o JOIN ranked r ON r.id = o.id
     WHERE r.merchant_load <= $8 AND r.target_load <= $9
       AND o.status = 'pending' AND (o.locked_until IS NULL OR o.locked_until <= $1)
     ORDER BY r.next_attempt_at, o.id LIMIT $2 FOR UPDATE OF o SKIP LOCKED)
  UPDATE outbox o SET locked_until = $3, attempts = o.attempts + 1
    FROM due, payment_events e
   WHERE o.id = due.id AND e.id = o.event_id
  RETURNING o.id, o.merchant_id, o.payment_id, o.event_id, o.event_type, o.format, o.target_url, o.endpoint_id, o.attempts, o.created_at,
            e.amount AS event_amount, e.data AS event_data, e.at AS event_at, e.request_id AS event_request_id`;

const full = (counts: Map<string, number>, limit: number) => [...counts].filter(([, n]) => n >= limit).map(([k]) => k);

/** Claims at most `want` due rows, none beyond a limit given what is `busy`; each gets one attempt. */
export async function claimDue(deps: { db: Db; clock: Clock }, want: number, limits: DeliveryLimits, busy: Busy): Promise<OutboxItem[]> {
  const now = deps.clock.now();
  const { rows } = await deps.db.query<Record<string, unknown>>(CLAIM, [
    now,
    want,
    new Date(now.getTime() + LEASE_MS),
    full(busy.merchants, limits.perMerchant),
    full(busy.targets, limits.perTarget),
    Object.fromEntries(busy.merchants),
    Object.fromEntries(busy.targets),
    limits.perMerchant,
    limits.perTarget,
  ]);
  return rows.map(toItem);
}

function toItem(r: Record<string, unknown>): OutboxItem {
  return {
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
  };
}
