// The scale scenario of `npm run bench` (bench/README.md): the same native cancel runs, on a schema
// that already holds BENCH_SCALE_ROWS historical payments (default 1,000,000) with their events,
// processor operations (and the sandbox's books of them), outbox rows and delivery attempts,
// idempotency keys, replay-guard entries and rate windows, spread over many merchants and a year,
// filled by set-based SQL (INSERT … SELECT generate_series). Reported next to the empty database's
// runs of the same process as ratios; then the prune jobs (src/core/jobs, called, never copied)
// clear what history they own, and the table sizes show what is left growing.
//
// The fill is deterministic per row number g: every table derives a payment's id, time, merchant,
// profile and outcome from g alone, so events, operations and outbox rows are written by separate
// statements (two connections at once on PostgreSQL) and still agree with their payment. The fill's
// connections skip foreign-key triggers (session_replication_role = replica, as a restore does):
// the rows are consistent by construction, and the checks would only slow the fill.
import pg from 'pg';
import { ConfigSchema } from '../src/config.ts';
import { pruneExpired } from '../src/core/jobs/prune.ts';
import { pruneGuards } from '../src/core/jobs/prune-guards.ts';
import { isUuid } from '../src/core/ids.ts';
import type { Db, Queryable } from '../src/db/db.ts';
import { captureCancelSql } from './capture.ts';
import { makePayments, startKasir, withMemoryReplayGuard, type Kasir, type Scenario } from './kasir.ts';
import type { Measurement } from './load.ts';

const env = process.env;
const int = (name: string, fallback: number) => (env[name] ? Math.max(0, Number.parseInt(env[name]!, 10)) : fallback);

/** Historical payments on PostgreSQL (BENCH_SCALE=0: no scale phase). */
export const SCALE_ROWS = env.BENCH_SCALE === '0' ? 0 : int('BENCH_SCALE_ROWS', 1_000_000);
/** Historical payments on PGlite: off unless asked for (the fill runs in Kasir's own thread there). */
export const SCALE_ROWS_PGLITE = env.BENCH_SCALE === '0' ? 0 : int('BENCH_SCALE_PGLITE_ROWS', 0);
const TOTAL_SECONDS = int('BENCH_TOTAL_SECONDS', 900) || 900;
/** The history's span: payments made over a year, the newest HISTORY_ENDS_DAYS ago. */
const DAYS = 365;
/** Every historical payment is finished: its last event (a refund 3 days after) lies in the past. */
const HISTORY_ENDS_DAYS = 4;
/** Merchants sharing the history; the bench's own merchant holds a tenth of it (every g % 10 = 0). */
const MERCHANTS = 1000;
/** Payments per fill statement. */
const CHUNK = 50_000;
const OUTBOX_RETENTION_MS = ConfigSchema.properties.KASIR_OUTBOX_RETENTION_MS.default as number;
const SCENARIOS: Scenario[] = ['requires_confirmation', 'requires_capture'];

// ---------------------------------------------------------------------------------------------
// What the history is made of. A payment's outcome (its kind) is drawn from g; each kind is the
// timeline the core writes for it, with the processor operations it calls and the events a
// webhook (or an Antom / NICEPAY notifyUrl) is told about.

interface EventPlan {
  type: string;
  from: string | null;
  to: string;
  /** Seconds after the payment was made. */
  at: number;
  /** 'amount', 'half' (a partial refund) or null. */
  amount: 'amount' | 'half' | null;
  /** Index of the operation it reports (data.operationId), if any. */
  op: number | null;
  notify: boolean;
}
interface OpPlan {
  kind: string;
  at: number;
  done: number;
  amount: 'amount' | 'half';
  outcome: string;
  /** The sandbox processor's own record of the call. */
  sandbox: string;
}
interface KindPlan {
  /** Share of payments, percent. */
  share: number;
  status: string;
  capture: 'automatic' | 'manual';
  events: EventPlan[];
  ops: OpPlan[];
}

const ev = (type: string, from: string | null, to: string, at: number, amount: EventPlan['amount'], op: number | null, notify = false): EventPlan => ({ type, from, to, at, amount, op, notify });
const DAY = 86_400;
const created = ev('created', null, 'requires_confirmation', 0, 'amount', null);
const submitted = ev('submitted', 'requires_confirmation', 'processing', 1, null, 0);
const authorize = (outcome: string, sandbox: string): OpPlan => ({ kind: 'authorize', at: 1, done: 2, amount: 'amount', outcome, sandbox });

const KINDS: Record<string, KindPlan> = {
  // automatic capture, paid, settled two days later
  A: { share: 60, status: 'succeeded', capture: 'automatic', ops: [authorize('succeeded', 'succeeded')],
       events: [created, submitted, ev('succeeded', 'processing', 'succeeded', 2, 'amount', 0, true), ev('settled', 'succeeded', 'succeeded', 2 * DAY, 'amount', null)] },
  // manual capture: authorized, captured an hour later, settled
  M: { share: 10, status: 'succeeded', capture: 'manual',
       ops: [authorize('authorized', 'authorized'), { kind: 'capture', at: 3600, done: 3601, amount: 'amount', outcome: 'succeeded', sandbox: 'succeeded' }],
       events: [created, submitted, ev('authorized', 'processing', 'requires_capture', 2, 'amount', 0, true), ev('captured', 'requires_capture', 'succeeded', 3601, 'amount', 1, true), ev('settled', 'succeeded', 'succeeded', 3601 + 2 * DAY, 'amount', null)] },
  // paid, settled, half refunded three days after
  R: { share: 5, status: 'succeeded', capture: 'automatic',
       ops: [authorize('succeeded', 'succeeded'), { kind: 'refund', at: 3 * DAY, done: 3 * DAY + 1, amount: 'half', outcome: 'succeeded', sandbox: 'succeeded' }],
       events: [created, submitted, ev('succeeded', 'processing', 'succeeded', 2, 'amount', 0, true), ev('settled', 'succeeded', 'succeeded', 2 * DAY, 'amount', null), ev('refunded', 'succeeded', 'succeeded', 3 * DAY + 1, 'half', 1, true)] },
  // canceled before it was submitted (the requires_confirmation cancel)
  C: { share: 5, status: 'canceled', capture: 'automatic', ops: [], events: [created, ev('canceled', 'requires_confirmation', 'canceled', 600, 'amount', null, true)] },
  // authorized, then voided a day later (the requires_capture cancel)
  V: { share: 3, status: 'canceled', capture: 'manual',
       ops: [authorize('authorized', 'authorized'), { kind: 'void', at: DAY, done: DAY + 1, amount: 'amount', outcome: 'succeeded', sandbox: 'canceled' }],
       events: [created, submitted, ev('authorized', 'processing', 'requires_capture', 2, 'amount', 0, true), ev('canceled', 'requires_capture', 'canceled', DAY + 1, 'amount', 1, true)] },
  // declined
  F: { share: 7, status: 'payment_failed', capture: 'automatic', ops: [authorize('failed', 'failed')],
       events: [created, submitted, ev('failed', 'processing', 'payment_failed', 2, null, 0, true)] },
  // made without a method, never paid, expired a day later
  E: { share: 10, status: 'expired', capture: 'automatic', ops: [],
       events: [ev('created', null, 'requires_payment_method', 0, 'amount', null), ev('expired', 'requires_payment_method', 'expired', DAY, null, null, true)] },
};

const lit = (v: string | number | boolean | null) => (v === null ? 'NULL' : typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v));
const values = (rows: (string | number | boolean | null)[][]) => `VALUES ${rows.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}`;
/** At most this many events per payment: event and outbox ids are base + g·SLOTS + the event's index. */
const SLOTS = 8;

/** The kind of payment g, by its share (a CASE over a hash of g). */
function kindCase(): string {
  let upTo = 0;
  const arms = Object.entries(KINDS).map(([k, p]) => `WHEN s.k < ${(upTo += p.share)} THEN '${k}'`);
  if (upTo !== 100) throw new Error('kind shares must add up to 100');
  return `CASE ${arms.join(' ')} END`;
}
const opPlans = () => Object.entries(KINDS).flatMap(([k, p]) => p.ops.map((o, i) => [k, i, o.kind, o.at, o.done, o.amount, o.outcome, o.sandbox]));
const eventPlans = () =>
  Object.entries(KINDS).flatMap(([k, p]) =>
    p.events.map((e, i) => [k, i, e.type, e.from, e.to, e.at, e.amount, e.op, e.op === null ? null : p.ops[e.op].at, e.notify]),
  );
const at = (k: KindPlan, type: string) => k.events.find((e) => e.type === type)?.at ?? null;
const kindColumns = () =>
  Object.entries(KINDS).map(([k, p]) => [
    k, p.status, p.events.length - 1, p.capture,
    at(p, 'submitted'), at(p, 'authorized') ?? at(p, 'succeeded'), at(p, 'captured') ?? at(p, 'succeeded'), at(p, 'captured') ?? at(p, 'succeeded'),
    at(p, 'canceled'), at(p, 'settled'), p.events.at(-1)!.at, p.ops.length > 0, p.events.some((e) => e.type === 'refunded'),
  ]);

/** A uuidv7 from a time (epoch seconds, SQL) and a seed (SQL text): time-ordered like Kasir's. */
const uuid7 = (epochSql: string, seedSql: string) => `(lpad(to_hex(((${epochSql})::float8 * 1000)::bigint), 12, '0') || '7' || substr(md5(${seedSql}), 1, 19))::uuid`;

interface FillPlan {
  rows: number;
  benchMerchant: string;
  /** Epoch seconds of the newest payment. */
  end: number;
  eventBase: number;
  outboxBase: number;
}

/** Payment g in [from, to]: its time, draws, merchant, id, kind, profile and amount. */
function base(f: FillPlan, from: number, to: number): string {
  const step = (DAYS * DAY) / f.rows;
  return `SELECT s.*, ${kindCase()} AS kind,
            CASE WHEN s.pf < 3 THEN 'antom' WHEN s.pf < 4 THEN 'nicepay' ELSE 'native' END AS profile,
            CASE WHEN s.pf < 3 THEN 'CNY' WHEN s.pf < 4 THEN 'IDR' ELSE 'USD' END AS currency,
            CASE WHEN s.g % 10 = 0 THEN '${f.benchMerchant}'::uuid ELSE ('01000000-0000-7000-8000-' || lpad(to_hex(s.m), 12, '0'))::uuid END AS merchant_id,
            -- native payments of a merchant with a webhook endpoint are notified (the bench's own merchant has none)
            (s.g % 10 <> 0 AND s.m % 10 < 7) AS webhook,
            ${uuid7('s.epoch', "s.g || 'p'")} AS pid,
            to_timestamp(s.epoch) AS t
       FROM (SELECT g, ${f.end} - (${f.rows} - g) * ${step}::float8 AS epoch,
                    abs(hashint4(g)::bigint) % 100 AS k, abs(hashint4(g # 1234567)::bigint) % 20 AS pf, abs(hashint4(g # 7654321)::bigint) % 100 AS r,
                    abs(hashint4(g # 2468)::bigint) % ${MERCHANTS} AS m, 1000 + abs(hashint4(g # 99)::bigint) % 500000 AS amount
               FROM generate_series(${from}, ${to}) g) s`;
}

function fillMerchants(f: FillPlan): string {
  return `INSERT INTO merchants (id, name, status, contract, created_at, updated_at)
          SELECT ('01000000-0000-7000-8000-' || lpad(to_hex(m), 12, '0'))::uuid, 'Historical merchant ' || m, 'active', '{}',
                 to_timestamp(${f.end - (DAYS + 30) * DAY}), to_timestamp(${f.end - (DAYS + 30) * DAY})
            FROM generate_series(0, ${MERCHANTS - 1}) m`;
}

/**
 * Their credentials: native, Antom and NICEPAY keys, a webhook endpoint for 7 in 10 (the cancel's
 * outbox statement joins them), and a native key rotated out for 1 in 5. The sealed secrets are
 * stand-ins: nobody signs as these merchants.
 */
function fillCredentials(f: FillPlan): string {
  const mid = `('01000000-0000-7000-8000-' || lpad(to_hex(m), 12, '0'))::uuid`;
  const since = f.end - (DAYS + 30) * DAY;
  return `INSERT INTO credentials (id, merchant_id, dialect, key_id, secret_enc, data, created_at, expires_at)
          SELECT ${uuid7(`${since} + m + d.n`, `m || 'cr' || d.n`)}, ${mid}, d.dialect,
                 CASE d.dialect WHEN 'native' THEN 'kn_' || md5(m || 'kn' || d.n) WHEN 'antom' THEN 'SANDBOX_' || upper(substr(md5(m || 'ka'), 1, 16))
                                WHEN 'nicepay' THEN upper(substr(md5(m || 'ki'), 1, 10)) ELSE 'we_' || md5('we' || m) END,
                 'v1:' || substr(md5(m || 'iv' || d.n), 1, 16) || ':' || md5(m || 'tag' || d.n) || ':' || repeat(md5(m || 'sec' || d.n), CASE d.dialect WHEN 'antom' THEN 40 ELSE 2 END),
                 CASE d.dialect WHEN 'webhook' THEN jsonb_build_object('url', 'https://m' || m || '.example.com/webhooks/kasir',
                   'events', '["payment.succeeded","payment.requires_capture","payment.canceled","payment.failed","payment.expired","refund.succeeded"]'::jsonb,
                   'coreEvents', '["succeeded","captured","authorized","canceled","failed","expired","refunded"]'::jsonb) ELSE '{}' END,
                 to_timestamp(${since} + m + d.n), CASE WHEN d.n = 4 THEN to_timestamp(${since} + 200 * ${DAY}) END
            FROM generate_series(0, ${MERCHANTS - 1}) m
            JOIN (VALUES (0, 'native'), (1, 'antom'), (2, 'nicepay'), (3, 'webhook'), (4, 'native')) d(n, dialect)
              ON d.n < 3 OR (d.n = 3 AND m % 10 < 7) OR (d.n = 4 AND m % 5 = 0)`;
}

function fillPayments(f: FillPlan, from: number, to: number): string {
  const ts = (col: string) => `b.t + kp.${col} * interval '1 second'`;
  return `INSERT INTO payments (id, merchant_id, profile, status, version, amount, currency, payment_method, method_type, capture_method,
            reference_id, description, metadata, client_secret, checkout_token, amount_capturable, amount_received, amount_refunded,
            amount_canceled, processor, processor_ref, dialect_data, antom_payment_id, antom_payment_request_id, nicepay_txid,
            nicepay_reference_no, confirmed_at, authorized_at, captured_at, succeeded_at, canceled_at, settled_at, expires_at, created_at, updated_at)
  SELECT b.pid, b.merchant_id, b.profile, kp.status, kp.version, b.amount, b.currency,
         CASE WHEN b.kind = 'E' THEN NULL WHEN b.profile = 'nicepay' THEN 'bank_transfer' WHEN b.profile = 'antom' THEN 'wallet' ELSE 'card' END,
         CASE WHEN b.kind = 'E' THEN NULL WHEN b.profile = 'nicepay' THEN 'BMRI' WHEN b.profile = 'antom' THEN 'ALIPAY_CN' END,
         kp.capture,
         CASE WHEN b.r % 5 < 3 THEN 'order-' || b.g END, 'Order #' || b.g,
         CASE WHEN b.r % 2 = 0 THEN jsonb_build_object('order_id', 'o' || b.g, 'customer', 'c' || b.g % 50000) ELSE '{}' END,
         CASE WHEN kp.status <> 'canceled' THEN b.pid || '_secret_' || substr(md5(b.g || 's'), 1, 24) END,
         'ct_' || md5(b.g || 'c'), 0,
         CASE WHEN kp.status = 'succeeded' THEN b.amount ELSE 0 END,
         CASE WHEN kp.refunded THEN b.amount / 2 ELSE 0 END,
         CASE WHEN kp.status = 'canceled' THEN b.amount ELSE 0 END,
         'sandbox', CASE WHEN kp.submitted THEN 'sbx_' || substr(md5(b.g || 'x'), 1, 20) END,
         CASE b.profile
           WHEN 'antom' THEN jsonb_build_object('notifyUrl', 'https://m' || b.m || '.example.com/antom/notify', 'notifyEvents',
                                                '["succeeded","captured","failed","canceled","expired","refunded","authorized"]'::jsonb, 'requestHash', md5(b.g || 'h'))
           WHEN 'nicepay' THEN jsonb_build_object('notifyUrl', 'https://m' || b.m || '.example.com/nicepay/notify', 'notifyEvents',
                                                  '["succeeded","captured","failed","canceled","expired","refunded","authorized"]'::jsonb,
                                                  'iMid', 'IONPAYTEST', 'payMethod', '02', 'bankCd', 'BMRI', 'vacctNo', lpad((b.g % 100000000)::text, 16, '0'))
           ELSE '{}' END,
         to_char(b.t AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDDHH24MI') || lpad(b.g::text, 22, '0'),
         CASE WHEN b.profile = 'antom' THEN 'req_' || md5(b.g || 'r') END,
         CASE WHEN b.profile = 'nicepay' THEN 'IONPAYTEST02' || to_char(b.t, 'YYYYMMDDHH24MISS') || lpad((b.g % 10000)::text, 4, '0') END,
         CASE WHEN b.profile = 'nicepay' THEN 'ORD' || b.g END,
         ${ts('confirmed')}, ${ts('authorized')}, ${ts('captured')}, ${ts('succeeded')}, ${ts('canceled')}, ${ts('settled')},
         b.t + interval '1 day', b.t, ${ts('updated')}
    FROM (${base(f, from, to)}) b
    JOIN (${values(kindColumns())}) kp(kind, status, version, capture, confirmed, authorized, captured, succeeded, canceled, settled, updated, submitted, refunded)
      ON kp.kind = b.kind`;
}

const EVENTS_JOIN = `(${values(eventPlans())}) e(kind, seq, type, from_status, to_status, at, amount, op, op_at, notify)`;
const opId = (seq: string, opAt: string) => uuid7(`b.epoch + ${opAt}`, `b.g || 'o' || ${seq}`);

function fillEvents(f: FillPlan, from: number, to: number): string {
  return `INSERT INTO payment_events (id, payment_id, merchant_id, type, from_status, to_status, amount, dialect, request_id, data, at) OVERRIDING SYSTEM VALUE
  SELECT ${f.eventBase} + b.g::bigint * ${SLOTS} + e.seq, b.pid, b.merchant_id, e.type, e.from_status, e.to_status,
         CASE e.amount WHEN 'amount' THEN b.amount WHEN 'half' THEN b.amount / 2 END,
         b.profile, 'req_' || substr(md5(b.g || 'q' || e.seq), 1, 20),
         CASE WHEN e.op IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('source', 'response', 'operationId', ${opId('e.op', 'e.op_at')}) END,
         b.t + e.at * interval '1 second'
    FROM (${base(f, from, to)}) b JOIN ${EVENTS_JOIN} ON e.kind = b.kind`;
}

function fillOperations(f: FillPlan, from: number, to: number, sandbox: boolean): string {
  const source = `FROM (${base(f, from, to)}) b JOIN (${values(opPlans())}) o(kind_, seq, kind, at, done, amount, outcome, sandbox) ON o.kind_ = b.kind`;
  const amount = `CASE o.amount WHEN 'half' THEN b.amount / 2 ELSE b.amount END`;
  if (sandbox)
    return `INSERT INTO sandbox_operations (operation_id, payment_id, kind, amount, status, code, reason, next_action, created_at, updated_at)
    SELECT ${opId('o.seq', 'o.at')}, b.pid, o.kind, ${amount}, o.sandbox,
           CASE WHEN o.sandbox = 'failed' THEN 'card_declined' END, CASE WHEN o.sandbox = 'failed' THEN 'The card was declined' END, NULL,
           b.t + o.done * interval '1 second', b.t + o.done * interval '1 second' ${source}`;
  return `INSERT INTO processor_operations (id, payment_id, merchant_id, processor, kind, amount, currency, refund_id, status, result, created_at, updated_at)
  SELECT ${opId('o.seq', 'o.at')}, b.pid, b.merchant_id, 'sandbox', o.kind, ${amount}, b.currency,
         CASE WHEN o.kind = 'refund' THEN md5(b.g || 'rf')::uuid END, 'completed',
         jsonb_build_object('source', 'response', 'outcome', o.outcome, 'responseAt', b.t + o.done * interval '1 second'),
         b.t + o.at * interval '1 second', b.t + o.done * interval '1 second' ${source}`;
}

/** The outbox rows of payments g in [from, to]: one per notified event, 97 % delivered (a tenth of them on a retry), 1 % given up, 2 % skipped. */
function outboxRows(f: FillPlan, from: number, to: number): string {
  return `SELECT x.*,
           CASE WHEN x.d < 97 THEN 'delivered' WHEN x.d < 98 THEN 'failed' ELSE 'skipped' END AS status,
           CASE WHEN x.d < 97 THEN 1 + (x.d % 10 = 0)::int WHEN x.d < 98 THEN 6 ELSE 0 END AS tries
      FROM (SELECT ${f.outboxBase} + b.g::bigint * ${SLOTS} + e.seq AS id, ${f.eventBase} + b.g::bigint * ${SLOTS} + e.seq AS event_id,
                   b.merchant_id, b.pid, b.profile, b.m, e.type, b.t + e.at * interval '1 second' AS at,
                   abs(hashint4(b.g # (e.seq * 7919 + 17))::bigint) % 100 AS d
              FROM (${base(f, from, to)}) b JOIN ${EVENTS_JOIN} ON e.kind = b.kind
             WHERE e.notify AND (b.profile <> 'native' OR b.webhook)) x`;
}

function fillOutbox(f: FillPlan, from: number, to: number): string {
  return `INSERT INTO outbox (id, merchant_id, payment_id, event_id, event_type, format, target_url, status, attempts, next_attempt_at,
                             locked_until, created_at, delivered_at, endpoint_id) OVERRIDING SYSTEM VALUE
  SELECT o.id, o.merchant_id, o.pid, o.event_id, o.type, o.profile,
         CASE o.profile WHEN 'native' THEN 'https://m' || o.m || '.example.com/webhooks/kasir' ELSE 'https://m' || o.m || '.example.com/' || o.profile || '/notify' END,
         o.status, o.tries,
         CASE o.status WHEN 'failed' THEN o.at + interval '6 hours' ELSE o.at + (o.tries - 1) * interval '30 seconds' + interval '300 milliseconds' END,
         NULL, o.at,
         CASE WHEN o.status = 'delivered' THEN o.at + (o.tries - 1) * interval '30 seconds' + interval '300 milliseconds' END,
         CASE WHEN o.profile = 'native' THEN 'we_' || md5('we' || o.m) END
    FROM (${outboxRows(f, from, to)}) o`;
}

function fillAttempts(f: FillPlan, from: number, to: number): string {
  return `INSERT INTO delivery_attempts (outbox_id, attempt, at, status_code, error, response_excerpt, duration_ms)
  SELECT o.id, a, o.at + (a - 1) * interval '30 seconds',
         CASE WHEN o.status = 'delivered' AND a = o.tries THEN 200 WHEN a % 2 = 0 THEN NULL ELSE 503 END,
         CASE WHEN o.status <> 'delivered' OR a < o.tries THEN CASE WHEN a % 2 = 0 THEN 'connect ECONNREFUSED' ELSE 'HTTP 503' END END,
         CASE WHEN o.status = 'delivered' AND a = o.tries THEN '{"received":true}' WHEN a % 2 = 1 THEN '<html><body>Service Unavailable</body></html>' END,
         20 + o.d * 4
    FROM (${outboxRows(f, from, to)}) o CROSS JOIN LATERAL generate_series(1, o.tries) a`;
}

/** Keys of the 30 % of requests that sent one (the create), each kept a day after its first use: all expired. */
function fillKeys(f: FillPlan, from: number, to: number): string {
  return `INSERT INTO idempotency_keys (merchant_id, scope, key, request_hash, state, response_status, response_body, created_at, expires_at,
                                       locked_until, owner, recovery_point, payment_id, operation_id)
  SELECT b.merchant_id, b.profile, 'idem-' || b.g, encode(sha256((b.g || 'k')::bytea), 'hex'), 'done', 200,
         'v1:' || repeat(md5(b.g || 'body'), 24), b.t, b.t + interval '1 day', NULL, 'ow_' || substr(md5(b.g || 'w'), 1, 16), 'done', b.pid, NULL
    FROM (${base(f, from, to)}) b WHERE b.r < 30`;
}

/** A day's worth of keys still live (made within the last 23 hours): the prune must leave them. */
function fillLiveKeys(f: FillPlan, count: number): string {
  return `INSERT INTO idempotency_keys (merchant_id, scope, key, request_hash, state, response_status, response_body, created_at, expires_at, recovery_point)
  SELECT '${f.benchMerchant}'::uuid, 'native', 'live-idem-' || i, md5(i || 'lk'), 'done', 200, 'v1:' || repeat(md5(i || 'lb'), 24),
         now() - i * (interval '23 hours' / ${count}), now() - i * (interval '23 hours' / ${count}) + interval '1 day', 'done'
    FROM generate_series(1, ${count}) i`;
}

/** Signatures accepted over the history and never pruned (a backlog: the prune job did not run), all expired. */
function fillReplays(f: FillPlan, count: number): string {
  // As the guard writes them (migration 019): signed at t, expiring 10 minutes after.
  return `INSERT INTO native_replay_guard (signed_at, digest, expires_at)
  SELECT t, sha256(('replay-' || i)::bytea), t + interval '10 minutes'
    FROM (SELECT i, to_timestamp(${f.end + HISTORY_ENDS_DAYS * DAY - 3600} - (${count} - i) * ${(DAYS * DAY) / count}::float8) AS t
            FROM generate_series(1, ${count}) i) s`;
}

/** Rate-limit counts of seconds long passed, for the history's merchants. */
function fillWindows(f: FillPlan, count: number): string {
  return `INSERT INTO rate_windows (second, key, count)
  SELECT ${f.end + HISTORY_ENDS_DAYS * DAY - 3600} - i, ('01000000-0000-7000-8000-' || lpad(to_hex(i % ${MERCHANTS}), 12, '0')), 1 + i % 7
    FROM generate_series(1, ${count}) i`;
}

// ---------------------------------------------------------------------------------------------
// Running SQL: two connections of their own on PostgreSQL (the fill splits its statements between
// them), Kasir's own Db on PGlite (one session).

interface Conn {
  query(sql: string): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
  close(): Promise<void>;
}

async function connections(db: Db, pgUrl: string | null, schema: string | null): Promise<Conn[]> {
  if (!pgUrl || !schema) return [{ query: (sql) => db.query(sql), close: async () => {} }];
  return Promise.all(
    [0, 1].map(async () => {
      const c = new pg.Client({ connectionString: pgUrl, options: `-c search_path=${schema}` });
      await c.connect();
      return { query: (sql: string) => c.query(sql) as Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>, close: () => c.end() };
    }),
  );
}

/**
 * Runs the statements on every connection at once, each taking the next one free. A failure stops
 * the others after their current statement (none is left running when this returns).
 */
async function runAll(conns: Conn[], jobs: { table: string; sql: string }[], seconds: Record<string, number>, deadline: number): Promise<void> {
  let next = 0;
  let failed: Error | null = null;
  await Promise.all(
    conns.map(async (c) => {
      while (!failed && next < jobs.length) {
        if (Date.now() > deadline) failed ??= new Error('BENCH_TOTAL_SECONDS would be exceeded: stopped');
        if (failed) break;
        const j = jobs[next++];
        const t0 = performance.now();
        try {
          await c.query(j.sql);
        } catch (err) {
          failed ??= new Error(`${j.table}: ${(err as Error).message}`);
        }
        seconds[j.table] = (seconds[j.table] ?? 0) + (performance.now() - t0) / 1000;
      }
    }),
  );
  if (failed) throw failed;
}

// ---------------------------------------------------------------------------------------------
// Sizes and rows

/** The tables the history fills or Kasir keeps growing, in report order. */
const TABLES = [
  'payments', 'payment_events', 'processor_operations', 'sandbox_operations', 'outbox', 'delivery_attempts', 'idempotency_keys',
  'native_replay_guard', 'rate_windows', 'journals', 'ledger_entries', 'refunds', 'merchants', 'credentials',
] as const;

export interface TableSnapshot {
  rows: number;
  /** pg_total_relation_size: heap + indexes + TOAST, bytes. */
  bytes: number;
  indexBytes: number;
  /** Bytes of its live rows (sum of pg_column_size), where asked: the rest of the heap is free space VACUUM made reusable. */
  liveBytes?: number;
}
export type Snapshot = Record<string, TableSnapshot>;

/** The tables the prune jobs keep. */
const PRUNED = ['outbox', 'delivery_attempts', 'idempotency_keys', 'native_replay_guard', 'rate_windows'] as const;

async function snapshot(q: Queryable, live: readonly string[] = []): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const t of TABLES) {
    const { rows } = await q.query<{ total: string; idx: string }>(`SELECT pg_total_relation_size($1::regclass) AS total, pg_indexes_size($1::regclass) AS idx`, [t]);
    const n = Number((await q.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
    out[t] = { rows: n, bytes: Number(rows[0].total), indexBytes: Number(rows[0].idx) };
    if (live.includes(t)) out[t].liveBytes = Number((await q.query<{ n: string }>(`SELECT COALESCE(sum(pg_column_size(x.*)), 0) AS n FROM ${t} x`)).rows[0].n);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// EXPLAIN on the filled schema: each statement of one real cancel (and of the prune jobs) is run
// under EXPLAIN (ANALYZE, BUFFERS) first and rolled back (a savepoint inside the cancel's own
// transactions, a transaction of its own otherwise), then for real.

export interface Plan {
  sql: string;
  /** The scans the plan uses ("Index Scan using payments_pkey on payments", "Seq Scan on outbox"). */
  scans: string[];
  executionMs: number | null;
  /** Shared buffers hit + read by the statement. */
  buffers: number;
  plan: string;
}

const ROLLBACK = new Error('explain: roll back');

function toPlan(sql: string, rows: Record<string, unknown>[]): Plan {
  const lines = rows.map((r) => String(Object.values(r)[0]));
  const scans = lines.flatMap((l) => {
    const m = /((?:Parallel )?(?:Seq Scan|Index Scan(?: Backward)?|Index Only Scan(?: Backward)?|Bitmap Index Scan|Bitmap Heap Scan)(?: using \w+)? on \w+|Bitmap Index Scan on \w+)/.exec(l);
    return m ? [m[1]] : [];
  });
  const exec = lines.map((l) => /Execution Time: ([\d.]+) ms/.exec(l)).find(Boolean);
  const top = lines.map((l) => /Buffers: shared(?: hit=(\d+))?(?: read=(\d+))?/.exec(l)).find(Boolean);
  return {
    sql: sql.replace(/--[^\n]*\n/g, ' ').replace(/\s+/g, ' ').trim(),
    scans: [...new Set(scans)],
    executionMs: exec ? Number(exec[1]) : null,
    buffers: top ? Number(top[1] ?? 0) + Number(top[2] ?? 0) : 0,
    plan: lines.join('\n'),
  };
}

async function explainAlone(db: Db, tx: Db['tx'], sql: string, params: readonly unknown[] | undefined): Promise<Plan> {
  let plan: Plan | null = null;
  try {
    await tx.call(db, async (q) => {
      plan = toPlan(sql, (await q.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)).rows as Record<string, unknown>[]);
      throw ROLLBACK;
    });
  } catch (err) {
    if (err !== ROLLBACK) return { sql, scans: [], executionMs: null, buffers: 0, plan: `EXPLAIN failed: ${(err as Error).message}` };
  }
  return plan!;
}

/** A parameter as an SQL literal, for EXECUTE (which takes no bind parameters). */
function literal(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  let t: string;
  if (v instanceof Date) t = v.toISOString();
  else if (Buffer.isBuffer(v)) t = '\\x' + v.toString('hex');
  else if (Array.isArray(v)) t = `{${v.map((e) => (e === null ? 'NULL' : `"${String(e).replace(/["\\]/g, (c) => '\\' + c)}"`)).join(',')}}`;
  else if (typeof v === 'object') t = JSON.stringify(v);
  else t = String(v);
  return `'${t.replace(/'/g, "''")}'`;
}

/**
 * The generic plan of a statement: Kasir names its parameterised statements (src/db/postgres.ts), and
 * after five executions on a connection PostgreSQL may keep one plan made without the parameters'
 * values. PREPARE under plan_cache_mode = force_generic_plan, EXPLAIN EXECUTE, all rolled back.
 * `analyze` runs it too (deletes included, rolled back); without, only the plan.
 */
async function explainGeneric(db: Db, sql: string, params: readonly unknown[], analyze: boolean): Promise<Plan> {
  let plan: Plan = { sql, scans: [], executionMs: null, buffers: 0, plan: 'EXPLAIN failed' };
  try {
    await db.tx(async (q) => {
      await q.query('SET LOCAL plan_cache_mode = force_generic_plan');
      await q.query(`PREPARE bench_generic AS ${sql}`);
      await q.query('SAVEPOINT bench_generic');
      try {
        const args = params.length ? `(${params.map(literal).join(', ')})` : '';
        plan = toPlan(sql, (await q.query(`EXPLAIN (${analyze ? 'ANALYZE, BUFFERS' : 'COSTS'}) EXECUTE bench_generic${args}`)).rows as Record<string, unknown>[]);
      } catch (err) {
        plan = { ...plan, plan: `EXPLAIN failed: ${(err as Error).message}` };
        await q.query('ROLLBACK TO SAVEPOINT bench_generic');
      }
      await q.query('DEALLOCATE bench_generic');
      throw ROLLBACK;
    });
  } catch (err) {
    if (err !== ROLLBACK) plan = { ...plan, plan: `EXPLAIN failed: ${(err as Error).message}` };
  }
  return plan;
}

/** Runs `fn` with every statement `db` is given explained first; returns what `fn` returned and the plans. */
async function explaining<T>(db: Db, fn: () => Promise<T>): Promise<{ result: T; plans: Plan[] }> {
  const plans: Plan[] = [];
  const { query, tx } = db;
  db.query = (async (sql: string, params?: readonly unknown[]) => {
    plans.push(await explainAlone(db, tx, sql, params));
    return query.call(db, sql, params);
  }) as Db['query'];
  db.tx = ((fn: (q: Queryable) => Promise<unknown>) =>
    tx.call(db, (q) =>
      fn({
        query: (async (sql: string, params?: readonly unknown[]) => {
          await q.query('SAVEPOINT bench_explain');
          try {
            plans.push(toPlan(sql, (await q.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)).rows as Record<string, unknown>[]));
          } catch (err) {
            plans.push({ sql, scans: [], executionMs: null, buffers: 0, plan: `EXPLAIN failed: ${(err as Error).message}` });
          }
          await q.query('ROLLBACK TO SAVEPOINT bench_explain');
          await q.query('RELEASE SAVEPOINT bench_explain');
          return q.query(sql, params);
        }) as Queryable['query'],
      }),
    )) as Db['tx'];
  try {
    return { result: await fn(), plans };
  } finally {
    db.query = query;
    db.tx = tx;
  }
}

/** The statements the prune jobs issue (their first batch), recorded by a Db that deletes nothing. */
async function pruneStatements(k: Kasir): Promise<{ sql: string; params: unknown[] }[]> {
  const recorded: { sql: string; params: unknown[] }[] = [];
  const recorder = {
    kind: k.db.kind,
    query: async (sql: string, params?: readonly unknown[]) => {
      recorded.push({ sql, params: [...(params ?? [])] });
      return { rows: [], rowCount: 0 };
    },
    tx: () => Promise.reject(new Error('not used')),
    close: async () => {},
  } as unknown as Db;
  await pruneExpired({ db: recorder, clock: k.deps.core.clock }, { outboxRetentionMs: OUTBOX_RETENTION_MS });
  await pruneGuards({ db: recorder, clock: k.deps.core.clock });
  return recorded;
}

/** The prune statements' first batch explained (rolled back): with their values, and as the generic plan. */
async function explainPrune(k: Kasir): Promise<{ custom: Plan[]; generic: Plan[] }> {
  const out = { custom: [] as Plan[], generic: [] as Plan[] };
  for (const r of await pruneStatements(k)) {
    out.custom.push(await explainAlone(k.db, k.db.tx, r.sql, r.params));
    out.generic.push(await explainGeneric(k.db, r.sql, r.params, true));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The phase

export interface Measured {
  m: Measurement;
  /**
   * WAL bytes per request over the run (pg_current_wal_lsn: the whole server's, other users of it
   * included). A page's first change after a checkpoint is logged whole (a full-page image), so
   * this grows with the number of distinct pages a run touches.
   */
  walBytes: number | null;
}

export interface ScaleRun {
  scenario: Scenario;
  /** The empty database's cancel: the normal run of this process (run.ts), what every ratio is to. */
  empty: Measurement;
  /**
   * The same procedure as the scale runs on the bench schema just before the fill (it holds the normal
   * runs' few thousand payments and ceiling clones): the run-to-run noise, and the WAL of a cancel.
   */
  beforeFill: Measured | null;
  /** With the history stored, before the prune jobs ran. */
  scale: Measured | null;
  /** The same with the replay guard in process memory (kasir.ts withMemoryReplayGuard): the shared guard's share. */
  scaleMemoryGuard: Measured | null;
  /** Again after the prune jobs (and VACUUM). */
  pruned: Measured | null;
  /** Every statement of one cancel, explained on the filled schema (with its values, as it ran). */
  plans: Plan[];
  /** The cancel's own statements (capture.ts) as generic plans: what a named statement may run with. */
  genericPlans: Plan[];
}

export interface PruneRun {
  job: 'pruneExpired' | 'pruneGuards';
  calls: number;
  seconds: number;
  /** Each call's seconds, in order: a backlog that gets slower to delete shows here. */
  callSeconds: number[];
  removed: Record<string, number>;
  /** Once done: more calls with nothing to delete (the job's every-minute cost from now on), ms each; before VACUUM (dead rows in the way) and after. */
  steadyMs: { beforeVacuum: number[]; afterVacuum: number[] };
}

export interface ScaleResult {
  database: string;
  /** PostgreSQL (two fill connections, CHECKPOINT before each run), or PGlite (Kasir's one session). */
  postgres: boolean;
  rows: number;
  merchants: number;
  days: number;
  fillSeconds: number;
  /** Seconds spent in each table's fill statements (two run at once on PostgreSQL). */
  fillSecondsByTable: Record<string, number>;
  /** VACUUM ANALYZE (+ CHECKPOINT) after the fill: what autovacuum would have done over the history. */
  vacuumSeconds: number;
  sizes: { before?: Snapshot; filled?: Snapshot; pruned?: Snapshot; end?: Snapshot };
  runs: ScaleRun[];
  prune: PruneRun[];
  prunePlans: { backlog: PrunePlans; steady: PrunePlans };
  /** After the prune: the prune statements prepared on one of Kasir's connections, and how often each plan kind ran there. */
  preparedPrune: { statement: string; genericPlans: number; customPlans: number }[];
  notes: string[];
  failures: string[];
}

export interface PrunePlans {
  custom: Plan[];
  generic: Plan[];
}

export interface ScaleOptions {
  db: Db;
  label: string;
  /** PostgreSQL: its URL and the bench schema (the fill opens two connections of its own). Null on PGlite. */
  pgUrl: string | null;
  schema: string | null;
  rows: number;
  /** The empty database's result of this run: its cancels are what the scale runs are compared to. */
  empty: { scenarios: { scenario: string; cancel: Measurement }[] };
  n: number;
  warmup: number;
  /** The same HTTP cancel run the normal scenarios use (run.ts). */
  measure: (k: Kasir, ids: string[]) => Promise<Measurement>;
}

/** The issue's target: req/s and p99 within 1.2× of the empty database's. */
const TARGET = 1.2;

export async function benchScale(o: ScaleOptions): Promise<ScaleResult> {
  const deadline = Date.now() + (TOTAL_SECONDS - process.uptime()) * 1000 - 30_000;
  const left = () => (deadline - Date.now()) / 1000;
  const r: ScaleResult = {
    database: o.label, postgres: !!o.pgUrl, rows: o.rows, merchants: MERCHANTS + 1, days: DAYS, fillSeconds: 0, fillSecondsByTable: {}, vacuumSeconds: 0,
    sizes: {}, runs: [], prune: [], prunePlans: { backlog: { custom: [], generic: [] }, steady: { custom: [], generic: [] } }, preparedPrune: [],
    notes: [], failures: [],
  };
  const k = await startKasir(o.db);
  const conns = await connections(o.db, o.pgUrl, o.schema);
  // Every run of this phase starts on a fresh checkpoint: each page's first change after one is
  // logged whole, and a filled schema has many more pages to touch than the empty one.
  const checkpoint = () => (o.pgUrl ? conns[0].query('CHECKPOINT') : Promise.resolve());
  const vacuum = (tables: readonly string[]) => runAll(conns, tables.map((t) => ({ table: 'vacuum', sql: `VACUUM (ANALYZE) ${t}` })), {}, deadline);
  const runs = async (stage: 'beforeFill' | 'scale' | 'pruned') => {
    for (const s of SCENARIOS) {
      const run = r.runs.find((x) => x.scenario === s);
      if (!run) continue;
      await checkpoint();
      const got = await cancelRun(k, s, o, stage === 'scale', false, conns[0]);
      run[stage] = got.measured;
      if (stage !== 'scale') continue;
      [run.plans, run.genericPlans] = [got.plans, got.genericPlans];
      // What the shared replay guard (one random-key insert per request) costs at this size.
      await checkpoint();
      run.scaleMemoryGuard = (await cancelRun(k, s, o, false, true, conns[0])).measured;
    }
  };
  try {
    for (const s of SCENARIOS) {
      const empty = o.empty.scenarios.find((e) => e.scenario === s)?.cancel;
      if (empty) r.runs.push({ scenario: s, empty, beforeFill: null, scale: null, scaleMemoryGuard: null, pruned: null, plans: [], genericPlans: [] });
    }
    console.log(`\n${o.label} at scale: the cancels once more before the fill …`);
    await runs('beforeFill');
    r.sizes.before = await snapshot(o.db);

    console.log(`  filling ${o.rows} historical payments (${MERCHANTS + 1} merchants, ${DAYS} days) …`);
    if (!isUuid(k.merchantId)) throw new Error('bench merchant id is not a uuid');
    const max = async (t: string) => Number((await o.db.query<{ n: string }>(`SELECT COALESCE(max(id), 0) AS n FROM ${t}`)).rows[0].n);
    const f: FillPlan = {
      rows: o.rows,
      benchMerchant: k.merchantId,
      end: Math.floor(Date.now() / 1000) - HISTORY_ENDS_DAYS * DAY,
      eventBase: (await max('payment_events')) + 1,
      outboxBase: (await max('outbox')) + 1,
    };
    const t0 = performance.now();
    for (const c of conns) {
      await c.query('SET session_replication_role = replica');
      await c.query(`SET statement_timeout = ${Math.max(1, Math.floor(left()))}000`);
    }
    const jobs: { table: string; sql: string }[] = [{ table: 'merchants', sql: fillMerchants(f) }, { table: 'credentials', sql: fillCredentials(f) }];
    const chunks: [number, number][] = [];
    for (let a = 1; a <= o.rows; a += CHUNK) chunks.push([a, Math.min(o.rows, a + CHUNK - 1)]);
    const per = (table: string, sql: (a: number, b: number) => string) => chunks.map(([a, b]) => ({ table, sql: sql(a, b) }));
    jobs.push(
      ...per('payments', (a, b) => fillPayments(f, a, b)),
      ...per('payment_events', (a, b) => fillEvents(f, a, b)),
      ...per('processor_operations', (a, b) => fillOperations(f, a, b, false)),
      ...per('sandbox_operations', (a, b) => fillOperations(f, a, b, true)),
      ...per('outbox', (a, b) => fillOutbox(f, a, b)),
      ...per('delivery_attempts', (a, b) => fillAttempts(f, a, b)),
      ...per('idempotency_keys', (a, b) => fillKeys(f, a, b)),
      { table: 'idempotency_keys', sql: fillLiveKeys(f, Math.max(1, Math.round(o.rows / DAYS))) },
      { table: 'native_replay_guard', sql: fillReplays(f, Math.max(1, Math.round(o.rows / 2))) },
      { table: 'rate_windows', sql: fillWindows(f, Math.max(1, Math.round(o.rows / 10))) },
    );
    await runAll(conns, jobs, r.fillSecondsByTable, deadline);
    for (const c of conns) {
      await c.query('RESET session_replication_role');
      await c.query('RESET statement_timeout');
    }
    for (const t of ['payment_events', 'outbox']) await conns[0].query(`SELECT setval(pg_get_serial_sequence('${t}', 'id'), (SELECT max(id) FROM ${t}))`);
    r.fillSeconds = (performance.now() - t0) / 1000;
    console.log(`  filled in ${r.fillSeconds.toFixed(0)} s; VACUUM ANALYZE …`);

    // What autovacuum would have done over the history (this server may run with it off).
    const v0 = performance.now();
    await vacuum(TABLES);
    r.vacuumSeconds = (performance.now() - v0) / 1000;
    r.sizes.filled = await snapshot(o.db);
    console.log(`  vacuumed in ${r.vacuumSeconds.toFixed(0)} s; ${bytes(total(r.sizes.filled))} in these tables; the cancels at scale …`);

    // The same cancel runs, by the bench merchant that holds a tenth of the history.
    r.prunePlans.backlog = await explainPrune(k);
    await runs('scale');

    // The prune jobs, called until they find nothing more (each call is bounded: 50 batches), then
    // VACUUM (autovacuum's part: the freed space becomes reusable).
    console.log(`  pruning …`);
    const jobsNow = { pruneExpired: () => pruneExpired(k.deps.core, { outboxRetentionMs: OUTBOX_RETENTION_MS }), pruneGuards: () => pruneGuards(k.deps.core) };
    r.prune.push(await pruneUntilDone('pruneExpired', jobsNow.pruneExpired, deadline));
    r.prune.push(await pruneUntilDone('pruneGuards', jobsNow.pruneGuards, deadline));
    await vacuum(PRUNED);
    for (const p of r.prune) p.steadyMs.afterVacuum = await timeCalls(jobsNow[p.job]);
    r.sizes.pruned = await snapshot(o.db, PRUNED);
    r.prunePlans.steady = await explainPrune(k);
    r.preparedPrune = await preparedPrune(k);

    // Live work after the prune: the same runs again (their rows land in the space the prune freed).
    if (left() < 90) r.notes.push('after the prune: runs skipped, BENCH_TOTAL_SECONDS nearly reached');
    else {
      console.log(`  the cancels after the prune …`);
      await runs('pruned');
    }
    r.sizes.end = await snapshot(o.db, PRUNED);
  } catch (err) {
    r.failures.push(`scale phase: ${(err as Error).message}`);
  } finally {
    for (const c of conns) await c.query('RESET session_replication_role').catch(() => {});
    if (o.pgUrl) for (const c of conns) await c.close().catch(() => {});
    await k.close();
  }
  return r;
}

async function walNow(c: Conn): Promise<string | null> {
  try {
    return String((await c.query('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn);
  } catch {
    return null;
  }
}

async function walBytes(c: Conn, from: string | null, to: string | null): Promise<number | null> {
  const lsn = (l: string | null): l is string => !!l && /^[0-9A-F]+\/[0-9A-F]+$/i.test(l);
  if (!lsn(from) || !lsn(to)) return null;
  return Number((await c.query(`SELECT pg_wal_lsn_diff('${to}', '${from}')::float8 AS n`)).rows[0].n);
}

/** The normal scenario's cancel run (run.ts): payments made, ANALYZE, warm-up, the measured run; one more cancel explained when asked. */
async function cancelRun(k: Kasir, s: Scenario, o: ScaleOptions, explain: boolean, memoryGuard: boolean, c: Conn): Promise<{ measured: Measured; plans: Plan[]; genericPlans: Plan[] }> {
  const ids = await makePayments(k, s, o.warmup + o.n + 1);
  await k.db.query('ANALYZE payments');
  await o.measure(k, ids.slice(0, o.warmup));
  // One cancel with every statement explained first (after the warm-up: the caches of the run).
  const explained = explain ? await explaining(k.db, () => captureCancelSql(k, ids[o.warmup])) : null;
  const genericPlans: Plan[] = [];
  for (const st of explained?.result.statements ?? []) genericPlans.push(await explainGeneric(k.db, st.sql, st.params, false));
  const measured = ids.slice(o.warmup + 1);
  const w0 = await walNow(c);
  const m = memoryGuard ? await withMemoryReplayGuard(() => o.measure(k, measured)) : await o.measure(k, measured);
  const w1 = await walNow(c);
  const { rows } = await k.db.query<{ n: string }>(`SELECT count(*) AS n FROM payments WHERE status = 'canceled' AND id = ANY($1)`, [measured]);
  if (Number(rows[0].n) !== m.ok) m.failures = [...(m.failures ?? []), `${m.ok} answered 200 but ${rows[0].n} are canceled`];
  const wal = await walBytes(c, w0, w1);
  return { measured: { m, walBytes: wal === null ? null : wal / Math.max(1, m.requests) }, plans: explained?.plans ?? [], genericPlans };
}

async function pruneUntilDone<P extends object>(job: PruneRun['job'], call: () => Promise<P>, deadline: number): Promise<PruneRun> {
  const run: PruneRun = { job, calls: 0, seconds: 0, callSeconds: [], removed: {}, steadyMs: { beforeVacuum: [], afterVacuum: [] } };
  const t0 = performance.now();
  for (;;) {
    const c0 = performance.now();
    const got = await call();
    run.callSeconds.push((performance.now() - c0) / 1000);
    run.calls++;
    for (const [key, n] of Object.entries(got)) run.removed[key] = (run.removed[key] ?? 0) + (n as number);
    if (Object.values(got).every((n) => n === 0)) break;
    if (Date.now() > deadline) throw new Error(`${job} still deleting when BENCH_TOTAL_SECONDS was near`);
  }
  run.seconds = (performance.now() - t0) / 1000;
  run.steadyMs.beforeVacuum = await timeCalls(call);
  return run;
}

/** Five calls of a prune job, ms each. */
async function timeCalls(call: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < 5; i++) {
    const c0 = performance.now();
    await call();
    out.push(performance.now() - c0);
  }
  return out;
}

/** The prune statements as prepared on one of Kasir's connections (the one a new transaction gets: the pool hands out the last one used). */
async function preparedPrune(k: Kasir): Promise<ScaleResult['preparedPrune']> {
  try {
    return await k.db.tx(async (q) => {
      const { rows } = await q.query<{ statement: string; generic_plans: string; custom_plans: string }>(
        `SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement ~ '^\\s*(DELETE|WITH gone)'`,
      );
      return rows.map((x) => ({ statement: x.statement.replace(/\s+/g, ' ').trim(), genericPlans: Number(x.generic_plans), customPlans: Number(x.custom_plans) }));
    });
  } catch {
    return [];
  }
}

export function scaleFailed(r: ScaleResult | undefined): boolean {
  const bad = (x: Measured | null) => !!x && (x.m.failed > 0 || !!x.m.failures?.length);
  return !!r && (r.failures.length > 0 || r.runs.some((x) => bad(x.beforeFill) || bad(x.scale) || bad(x.scaleMemoryGuard) || bad(x.pruned)));
}

// ---------------------------------------------------------------------------------------------
// Report

const total = (s: Snapshot) => Object.values(s).reduce((a, t) => a + t.bytes, 0);
function bytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${Math.round(n / 1024)} kB`;
}
const num = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : n.toLocaleString('en-US'));
const f = (v: number | null | undefined, d = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));

function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log(line(head));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

export function printScale(r: ScaleResult): void {
  console.log(`\n### ${r.database} at scale — ${num(r.rows)} historical payments`);
  console.log(
    `fill ${f(r.fillSeconds, 0)} s (${Object.entries(r.fillSecondsByTable).map(([t, s]) => `${t} ${s.toFixed(0)}`).join(', ')} s of statements` +
      `${r.postgres ? ', two at once' : ''}), VACUUM ANALYZE ${f(r.vacuumSeconds, 0)} s. Ratios to the empty database's run: scale ÷ empty req/s, ` +
      `empty ÷ scale p99; ≥ ${f(1 / TARGET)} is within ${TARGET}×. ` +
      (r.postgres
        ? `Each run of this phase starts on a fresh CHECKPOINT. CPU ms per request: Kasir's thread / every postgres process / the whole machine ` +
          `(what the machine spent beyond the first two and the load generator is other work); WAL per request is the whole server's (pg_current_wal_lsn).\n`
        : `CPU ms per request: Kasir's thread / – / the whole machine (PGlite runs in a worker thread of Kasir's process).\n`),
  );
  const rows: string[][] = [];
  const ms = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(2));
  for (const x of r.runs) {
    const row = (name: string, got: Measured | null, ratios: boolean) => {
      if (!got) return;
      const m = got.m;
      const rr = m.reqPerSec / x.empty.reqPerSec;
      const pr = x.empty.p99Ms / m.p99Ms;
      const wal = got.walBytes === null ? '–' : `${f(got.walBytes / 1024, 1)} kB`;
      rows.push([name, String(m.requests), String(m.failed), f(m.reqPerSec, 0), f(m.p50Ms), f(m.p99Ms),
        `${ms(m.cpuMs?.server)} / ${ms(m.cpuMs?.postgres)} / ${ms(m.cpuMs?.machine)}`, wal,
        ratios ? f(rr) : '', ratios ? f(pr) : '', ratios ? (rr >= 1 / TARGET && pr >= 1 / TARGET ? 'yes' : 'no') : '']);
    };
    row(`cancel ${x.scenario}, empty database (the run above)`, { m: x.empty, walBytes: null }, false);
    row(`  again, before the fill (${num(r.sizes.before?.payments?.rows)} payments stored by the runs above)`, x.beforeFill, true);
    row(`  ${num(r.rows)} payments stored`, x.scale, true);
    row(`  the same, replay guard in memory (the shared guard's share)`, x.scaleMemoryGuard, true);
    row(`  the same after the prune jobs`, x.pruned, true);
  }
  table(['run', 'requests', 'failed', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms/req Kasir / PG / machine', 'WAL per req', 'req/s ratio', 'p99 ratio', `within ${TARGET}×`], rows);

  console.log('');
  const s = r.sizes;
  const live = (t: TableSnapshot | undefined) => (t?.liveBytes === undefined ? '' : ` (live rows ${bytes(t.liveBytes)})`);
  const sizeRows = TABLES.filter((t) => s.filled?.[t]).map((t) => [
    t,
    num(s.before?.[t]?.rows), bytes(s.before?.[t]?.bytes),
    num(s.filled?.[t]?.rows), bytes(s.filled?.[t]?.bytes), bytes(s.filled?.[t]?.indexBytes),
    num(s.pruned?.[t]?.rows), bytes(s.pruned?.[t]?.bytes) + live(s.pruned?.[t]),
    num(s.end?.[t]?.rows), bytes(s.end?.[t]?.bytes),
  ]);
  const sum = (x: Snapshot | undefined) => (x ? bytes(total(x)) : '–');
  sizeRows.push(['all of these', '', sum(s.before), '', sum(s.filled), '', '', sum(s.pruned), '', sum(s.end)]);
  table(['table', 'rows before', 'size before', 'rows filled', 'size filled', 'of it indexes', 'rows pruned', 'size pruned + VACUUM', 'rows at end', 'size at end'], sizeRows);

  const notes: string[] = [...r.notes, ...r.failures.map((x) => `FAILED: ${x}`)];
  const secs = (v: number[]) => v.map((x) => x.toFixed(2)).join(', ');
  for (const p of r.prune)
    notes.push(
      `${p.job}: ${p.calls} calls, ${f(p.seconds, 1)} s, removed ${Object.entries(p.removed).map(([k, n]) => `${num(n)} ${k}`).join(', ')}; ` +
        `first calls ${secs(p.callSeconds.slice(0, 3))} s, last ${secs(p.callSeconds.slice(-3))} s; once done, a call (nothing to delete) takes ` +
        `${p.steadyMs.beforeVacuum.map((x) => x.toFixed(1)).join(', ')} ms before VACUUM, ${p.steadyMs.afterVacuum.map((x) => x.toFixed(1)).join(', ')} ms after`,
    );
  const planNote = (title: string, plans: Plan[]) =>
    plans.length &&
    notes.push(`${title}: ` + plans.map((p) => `${p.sql.slice(0, 44)}… → ${p.scans.join(', ') || (p.plan.startsWith('EXPLAIN failed') ? p.plan : 'no scan')}${p.executionMs === null ? '' : `; ${f(p.executionMs)} ms, ${p.buffers} buffers`}`).join(' ‖ '));
  for (const x of r.runs) planNote(`EXPLAIN ANALYZE cancel ${x.scenario} on the filled schema, every statement of one request`, x.plans);
  for (const x of r.runs) planNote(`generic plans of the cancel ${x.scenario}'s own statements`, x.genericPlans);
  planNote('EXPLAIN ANALYZE prune, backlog (first batch)', r.prunePlans.backlog.custom);
  planNote('  as generic plans', r.prunePlans.backlog.generic);
  planNote('EXPLAIN ANALYZE prune, once done (nothing to delete)', r.prunePlans.steady.custom);
  planNote('  as generic plans', r.prunePlans.steady.generic);
  if (r.preparedPrune.length)
    notes.push(`prune statements prepared on one of Kasir's connections after the prune: ${r.preparedPrune.map((p) => `${p.statement.slice(0, 40)}… generic ${p.genericPlans} / custom ${p.customPlans}`).join(' ‖ ')}`);
  for (const x of r.runs) for (const got of [x.beforeFill, x.scale, x.scaleMemoryGuard, x.pruned]) if (got?.m.failures?.length) notes.push(`${x.scenario}: ${got.m.failures.join('; ')}`);
  for (const n of notes) console.log(`- ${n}`);
}
