// Guarded SQL for payments. Every write repeats the state machine's guard
// (`status = ANY(from) AND version = expected`) and writes the payment's event in the SAME statement,
// so a change and its timeline row commit together, and a lost race updates zero rows.
import type { Queryable } from '../../db/db.ts';
import { COLUMNS, PAYMENT_SELECT, rowToPayment, type Dialect, type Payment } from './model.ts';
import { fromStatuses, transition, type PaymentEvent, type Status } from './states.ts';

export type PaymentChanges = Partial<Omit<Payment, 'id' | 'merchantId' | 'version' | 'status' | 'createdAt'>>;

export interface EventInfo {
  dialect: Dialect | 'system' | 'operator';
  requestId?: string | null;
  amount?: bigint | null;
  data?: Record<string, unknown>;
}

/** How a caller names a payment: the core id or one of the dialects' ids (docs/state-machine.md). */
export type PaymentRef =
  | { id: string }
  | { antomPaymentId: string }
  | { antomPaymentRequestId: string }
  | { nicepayTxid: string }
  | { nicepayReferenceNo: string };

const EVENT_COLUMNS = 'payment_id, merchant_id, type, from_status, to_status, amount, dialect, request_id, data, at';

// Told of each payment_events row once its statement has written it (the metrics' transition
// counter, src/observability/metrics.ts). A write inside a transaction that later rolls back has
// been told too: the count is of rows written, which is nearly always rows committed.
let eventWritten: ((type: string) => void) | undefined;
export function onPaymentEventWritten(fn: ((type: string) => void) | undefined): void {
  eventWritten = fn;
}

export async function insertPayment(q: Queryable, p: Payment, info: EventInfo): Promise<void> {
  const fields = Object.keys(COLUMNS) as (keyof Payment)[];
  const values = fields.map((f) => p[f]);
  const n = values.length;
  const placeholders = fields.map((_, i) => `$${i + 1}`).join(', ');
  await q.query(
    `WITH inserted AS (INSERT INTO payments (${Object.values(COLUMNS).join(', ')}) VALUES (${placeholders}) RETURNING id, merchant_id, status)
     INSERT INTO payment_events (${EVENT_COLUMNS})
     SELECT id, merchant_id, 'created', NULL, status, $${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5} FROM inserted`,
    [...values, info.amount ?? p.amount, info.dialect, info.requestId ?? null, info.data ?? {}, p.createdAt],
  );
  eventWritten?.('created');
}

// Statement texts are built once per shape and then reused as the same string: the driver names a
// statement by its text, and a string made afresh per call is copied and hashed whole (the column
// list alone is 2 kB) each time that name is looked up. Shapes are finite (they come from code,
// never from input); the cap only bounds the memory of a future generator that is not.
const texts = new Map<string, string>();

function statementText(shape: string, build: () => string): string {
  let text = texts.get(shape);
  if (text === undefined) {
    text = build();
    if (texts.size < 1000) texts.set(shape, text);
  }
  return text;
}

const findSql = (field: keyof Payment, withAccount: boolean) =>
  statementText(`find:${field}:${withAccount}`, () =>
    `SELECT ${PAYMENT_SELECT} FROM payments WHERE merchant_id = $1 AND ${COLUMNS[field]} = $2${withAccount ? ' AND merchant_account_id = $3' : ''}`);

export async function findPayment(
  q: Queryable,
  merchantId: string,
  ref: PaymentRef,
  merchantAccountId?: string | null,
): Promise<Payment | null> {
  const [field, value] = Object.entries(ref)[0] as [keyof Payment, string];
  const params: unknown[] = [merchantId, value];
  if (merchantAccountId) params.push(merchantAccountId);
  const { rows } = await q.query(findSql(field, Boolean(merchantAccountId)), params);
  return rows[0] ? rowToPayment(rows[0]) : null;
}

export async function getPaymentById(q: Queryable, id: string): Promise<Payment | null> {
  const { rows } = await q.query(`SELECT ${PAYMENT_SELECT} FROM payments WHERE id = $1`, [id]);
  return rows[0] ? rowToPayment(rows[0]) : null;
}

/**
 * A write that belongs with a payment change (an operation record written or finished), made in the
 * change's own statement as one more data-modifying CTE, so it commits with the change, happens only
 * when the change does, and costs no round trip or transaction of its own. Returns the CTE's body;
 * `updated` names the changed row, and `param` adds a parameter and returns its placeholder.
 */
export type WithChange = (param: (value: unknown) => string) => string;

/**
 * Applies `event` (or, with event null, an internal change such as claiming a processor call) to the
 * payment at the version the caller read, with `also` in the same statement. Returns the new
 * payment, or null when somebody else changed it first (nothing is written): the caller re-reads
 * and decides again.
 */
export async function updatePayment(
  q: Queryable,
  p: Payment,
  event: PaymentEvent | null,
  changes: PaymentChanges,
  now: Date,
  info?: EventInfo,
  also: readonly WithChange[] = [],
): Promise<Payment | null> {
  let to: Status = p.status;
  let allowed: Status[] = [p.status];
  if (event) {
    const t = transition(p.status, event);
    if (!t.ok) return null;
    to = t.to;
    allowed = fromStatuses(event);
  }
  const sets = ['status = $1', 'version = version + 1', 'updated_at = $2'];
  const params: unknown[] = [to, now];
  for (const [field, value] of Object.entries(changes) as [keyof Payment, unknown][]) {
    params.push(value);
    sets.push(`${COLUMNS[field]} = $${params.length}`);
  }
  params.push(p.id, allowed, p.version);
  const setList = sets.join(', ');
  const update = () => {
    const guard = `id = $${sets.length} AND status = ANY($${sets.length + 1}) AND version = $${sets.length + 2}`;
    return `UPDATE payments SET ${setList} WHERE ${guard} RETURNING ${PAYMENT_SELECT}`;
  };
  const alsoCtes = () =>
    also.map((write, i) => `,\n     also_${i} AS (${write((value) => `$${params.push(value)}`)})`).join('');
  if (!event) {
    const withAlso = alsoCtes();
    const sql = statementText(`update:${setList}${withAlso}`, () => (also.length ? `WITH updated AS (${update()})${withAlso}\n     SELECT * FROM updated` : update()));
    const { rows } = await q.query(sql, params);
    return rows[0] ? rowToPayment(rows[0]) : null;
  }
  const e = info ?? { dialect: 'system' };
  const base = params.length;
  params.push(event, p.status, e.amount ?? null, e.dialect, e.requestId ?? null, e.data ?? {}, now);
  const withAlso = alsoCtes();
  // The outbox row (when the payment's dialect asked to be told about this event type) is part of
  // the same statement: a change and its notification commit together or not at all.
  const sql = statementText(`event:${setList}${withAlso}`, () =>
    `WITH updated AS (${update()}),
     ev AS (INSERT INTO payment_events (${EVENT_COLUMNS})
            SELECT id, merchant_id, $${base + 1}, $${base + 2}, status, $${base + 3}, $${base + 4}, $${base + 5}, $${base + 6}, $${base + 7} FROM updated
            RETURNING id, payment_id, merchant_id, type, data, at),
     ob AS (INSERT INTO outbox (merchant_id, payment_id, event_id, event_type, format, target_url, next_attempt_at, created_at)
            SELECT ev.merchant_id, ev.payment_id, ev.id, ev.type, u.profile,
                   COALESCE(ev.data->>'notifyUrl', u.dialect_data->>'notifyUrl'), ev.at, ev.at
              FROM ev JOIN updated u ON u.id = ev.payment_id
             WHERE COALESCE(ev.data->>'notifyUrl', u.dialect_data->>'notifyUrl') IS NOT NULL
               AND u.dialect_data->'notifyEvents' ? ev.type),
     -- Native webhook endpoints subscribe per merchant, whichever dialect made the payment.
     wh AS (INSERT INTO outbox (merchant_id, payment_id, event_id, event_type, format, target_url, endpoint_id, next_attempt_at, created_at)
            SELECT ev.merchant_id, ev.payment_id, ev.id, ev.type, 'native', w.data->>'url', w.key_id, ev.at, ev.at
              FROM ev JOIN credentials w ON w.merchant_id = ev.merchant_id AND w.dialect = 'webhook' AND w.expires_at IS NULL
             WHERE w.data->'coreEvents' ? ev.type)${withAlso}
     SELECT * FROM updated`);
  const { rows } = await q.query(sql, params);
  if (!rows[0]) return null;
  eventWritten?.(event);
  return rowToPayment(rows[0]);
}

export interface PaymentEventRow {
  id: string;
  type: string;
  fromStatus: Status | null;
  toStatus: Status;
  amount: bigint | null;
  dialect: string | null;
  requestId: string | null;
  data: Record<string, unknown>;
  at: Date;
}

export async function listEvents(q: Queryable, paymentId: string): Promise<PaymentEventRow[]> {
  const { rows } = await q.query<Record<string, unknown>>(
    `SELECT id, type, from_status, to_status, amount, dialect, request_id, data, at
       FROM payment_events WHERE payment_id = $1 ORDER BY id`,
    [paymentId],
  );
  return rows.map((r) => ({
    id: String(r.id),
    type: r.type as string,
    fromStatus: (r.from_status as Status) ?? null,
    toStatus: r.to_status as Status,
    amount: r.amount == null ? null : BigInt(r.amount as string),
    dialect: (r.dialect as string) ?? null,
    requestId: (r.request_id as string) ?? null,
    data: (r.data as Record<string, unknown>) ?? {},
    at: new Date(r.at as string),
  }));
}

export interface ListFilter {
  merchantId: string;
  limit: number;
  startingAfter?: string;
  status?: Status;
  referenceId?: string;
  createdGte?: Date;
  createdLte?: Date;
}

/** Newest first; ids are UUIDv7, so id order is creation order and makes a stable cursor. */
export async function listPayments(q: Queryable, f: ListFilter): Promise<Payment[]> {
  const where = ['merchant_id = $1'];
  const params: unknown[] = [f.merchantId];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.startingAfter) add('id < ?', f.startingAfter);
  if (f.status) add('status = ?', f.status);
  if (f.referenceId) add('reference_id = ?', f.referenceId);
  if (f.createdGte) add('created_at >= ?', f.createdGte);
  if (f.createdLte) add('created_at <= ?', f.createdLte);
  params.push(f.limit);
  const { rows } = await q.query(
    `SELECT ${PAYMENT_SELECT} FROM payments WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(rowToPayment);
}
