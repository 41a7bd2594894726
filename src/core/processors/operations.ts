// Operation records (migrations/012_operations.sql): written in the claim's transaction before the
// processor call, finished in the same transaction as the payment change that applies the answer.
import type { Queryable } from '../../db/db.ts';
import type { Clock } from '../clock.ts';
import { uuidv7 } from '../ids.ts';
import type { Payment } from '../payments/model.ts';
import type { WithChange } from '../payments/repo.ts';
import type { OperationKind, OperationRecord } from './processor.ts';

const SELECT = 'SELECT id, payment_id, merchant_id, processor, kind, amount, currency, refund_id, status, result, created_at FROM processor_operations';

function rowToOperation(r: Record<string, unknown>): OperationRecord {
  return {
    id: r.id as string,
    paymentId: r.payment_id as string,
    merchantId: r.merchant_id as string,
    processor: r.processor as string,
    kind: r.kind as OperationKind,
    amount: BigInt(r.amount as string),
    currency: r.currency as string,
    refundId: (r.refund_id as string) ?? null,
    status: r.status as OperationRecord['status'],
    result: (r.result as Record<string, unknown>) ?? null,
    createdAt: new Date(r.created_at as string),
  };
}

export interface NewOperation {
  kind: OperationKind;
  amount: bigint;
  refundId?: string | null;
}

/** A fresh record for a call about to be made on `p` (not yet written). */
export function newOperation(clock: Clock, p: Payment, o: NewOperation): OperationRecord {
  return {
    id: uuidv7(clock),
    paymentId: p.id,
    merchantId: p.merchantId,
    processor: p.processor,
    kind: o.kind,
    amount: o.amount,
    currency: p.currency,
    refundId: o.refundId ?? null,
    status: 'pending',
    result: null,
    createdAt: clock.now(),
  };
}

const INSERT = 'INSERT INTO processor_operations (id, payment_id, merchant_id, processor, kind, amount, currency, refund_id, status, result, created_at, updated_at)';
const insertValues = (op: OperationRecord) =>
  [op.id, op.paymentId, op.merchantId, op.processor, op.kind, op.amount, op.currency, op.refundId, op.status, op.result, op.createdAt, op.createdAt];

export async function insertOperation(q: Queryable, op: OperationRecord): Promise<void> {
  const values = insertValues(op);
  await q.query(`${INSERT} VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`, values);
}

/** insertOperation as part of the payment change that claims the call (repo.ts WithChange). */
export function insertOperationWith(op: OperationRecord): WithChange {
  return (param) => `${INSERT} SELECT ${insertValues(op).map(param).join(', ')} FROM updated`;
}

export async function getOperation(q: Queryable, id: string): Promise<OperationRecord | null> {
  const { rows } = await q.query(`${SELECT} WHERE id = $1`, [id]);
  return rows[0] ? rowToOperation(rows[0]) : null;
}

export async function listOperations(q: Queryable, paymentId: string): Promise<OperationRecord[]> {
  const { rows } = await q.query(`${SELECT} WHERE payment_id = $1 ORDER BY created_at, id`, [paymentId]);
  return rows.map(rowToOperation);
}

const finishSql = ([id, status, result, at]: string[]) =>
  `UPDATE processor_operations SET status = ${status}, result = ${result}, updated_at = ${at}
      WHERE id = ${id} AND status IN ('pending', 'unknown')`;

/**
 * Moves a record to its next status. Only an open record (pending or unknown) moves, so a late
 * writer (a request that lost its claim to the reconciler) cannot overwrite a final outcome.
 */
export async function finishOperation(
  q: Queryable,
  id: string,
  status: OperationRecord['status'],
  result: Record<string, unknown>,
  at: Date,
): Promise<boolean> {
  const { rows } = await q.query(`${finishSql(['$1', '$2', '$3', '$4'])} RETURNING id`, [id, status, result, at]);
  return rows.length > 0;
}

export interface Finish {
  id: string;
  status: OperationRecord['status'];
  result: Record<string, unknown>;
}

/**
 * finishOperation as part of the payment change that applies the outcome (repo.ts WithChange): the
 * record moves only when the change is made, as when both ran in one transaction.
 */
export function finishOperationWith(f: Finish, at: Date): WithChange {
  return (param) => `${finishSql([f.id, f.status, f.result, at].map(param))} AND EXISTS (SELECT 1 FROM updated)`;
}

/** The operation id a claim stored in the payment's pending data, if any. */
export function pendingOperationId(p: Payment): string | null {
  const id = p.pendingData?.operationId;
  return typeof id === 'string' ? id : null;
}

/**
 * What an authorization achieved, merged into its record. Unlike finishOperation this also updates a
 * completed record: a charge answered "waiting for the buyer" is completed later by the buyer's
 * outcome (reported through the same core operation, core/payments/report.ts).
 */
export async function recordAuthorizationResult(q: Queryable, id: string, result: Record<string, unknown>, at: Date): Promise<void> {
  await q.query(
    `UPDATE processor_operations SET status = 'completed', result = COALESCE(result, '{}'::jsonb) || $2::jsonb, updated_at = $3
      WHERE id = $1 AND status IN ('pending', 'unknown', 'completed')`,
    [id, result, at],
  );
}
