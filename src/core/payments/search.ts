// The operator's payment search, across every merchant (admin API, dashboard, CLI): filters, an exact
// match on any id or reference, newest first with keyset pagination on (created_at, id). Each filter
// that can be rare has an index in this order (migrations/018_payment_search.sql), so a page costs
// the same at the millionth payment as at the first — no OFFSET, no count.
import type { Queryable } from '../../db/db.ts';
import { KasirError } from '../errors.ts';
import { isUuid } from '../ids.ts';
import { PAYMENT_SELECT, rowToPayment, type Payment, type Profile } from './model.ts';
import type { Status } from './states.ts';

export interface PaymentFilters {
  merchantId?: string;
  status?: Status;
  /** The payment's profile: the dialect it was made through. */
  dialect?: Profile;
  /** payments.payment_method */
  method?: string;
  /** payments.processor: 'sandbox' or a connector account id. */
  connector?: string;
  /** created_at >= from */
  from?: Date;
  /** created_at < to */
  to?: Date;
  /** Exact match on any of the payment's ids or references (SEARCHED_COLUMNS). */
  q?: string;
}

export interface PageRequest {
  /** 1..MAX_LIMIT */
  limit: number;
  /** nextCursor of the previous page. */
  cursor?: string | null;
}

export interface PaymentPage {
  payments: Payment[];
  /** Null on the last page. */
  nextCursor: string | null;
}

export const MAX_LIMIT = 100;

/** What `q` is matched against (besides the id itself, when q is a uuid). */
const SEARCHED_COLUMNS = ['antom_payment_id', 'antom_payment_request_id', 'nicepay_txid', 'nicepay_reference_no', 'reference_id', 'processor_ref'] as const;

interface Position {
  /** created_at with microseconds, as PostgreSQL prints it: exact, whatever precision was stored. */
  at: string;
  id: string;
}

const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Opaque to callers; a cursor that does not decode is the caller's error, never a SQL one. */
export function decodeCursor(cursor: string): Position {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const [at, id] = text.split('|');
  if (!at || !AT.test(at) || !isUuid(id) || Number.isNaN(Date.parse(at))) {
    throw new KasirError('INVALID_PARAMETER', 'cursor is not a cursor this API returned', { field: 'cursor' });
  }
  return { at, id: id.toLowerCase() };
}

const encodeCursor = (p: Position) => Buffer.from(`${p.at}|${p.id}`, 'utf8').toString('base64url');

export async function searchPayments(q: Queryable, f: PaymentFilters, page: PageRequest): Promise<PaymentPage> {
  if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > MAX_LIMIT) {
    throw new KasirError('INVALID_PARAMETER', `limit must be between 1 and ${MAX_LIMIT}`, { field: 'limit' });
  }
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.merchantId !== undefined) {
    // Not a uuid names no merchant: an empty page rather than a cast error.
    if (!isUuid(f.merchantId)) return { payments: [], nextCursor: null };
    where.push(`merchant_id = ${param(f.merchantId.toLowerCase())}`);
  }
  if (f.status !== undefined) where.push(`status = ${param(f.status)}`);
  if (f.dialect !== undefined) where.push(`profile = ${param(f.dialect)}`);
  if (f.method !== undefined) where.push(`payment_method = ${param(f.method)}`);
  if (f.connector !== undefined) where.push(`processor = ${param(f.connector)}`);
  if (f.from !== undefined) where.push(`created_at >= ${param(f.from)}`);
  if (f.to !== undefined) where.push(`created_at < ${param(f.to)}`);
  if (f.q !== undefined) {
    const text = param(f.q);
    // One equality per column, OR'ed: each has its own index (a bitmap OR), whatever the id kind.
    const any = SEARCHED_COLUMNS.map((c) => `${c} = ${text}`);
    if (isUuid(f.q)) any.unshift(`id = ${param(f.q.toLowerCase())}`);
    where.push(`(${any.join(' OR ')})`);
  }
  if (page.cursor) {
    const after = decodeCursor(page.cursor);
    // A row comparison the (…, created_at DESC, id DESC) indexes answer directly.
    where.push(`(created_at, id) < (${param(after.at)}::timestamptz, ${param(after.id)}::uuid)`);
  }
  const limit = param(page.limit + 1); // one more than asked: whether a next page exists
  const { rows } = await q.query<Record<string, unknown>>(
    `SELECT ${PAYMENT_SELECT}, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
       FROM payments ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
    params,
  );
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  const last = shown.at(-1);
  return {
    payments: shown.map(rowToPayment),
    nextCursor: more && last ? encodeCursor({ at: last.cursor_at as string, id: last.id as string }) : null,
  };
}
