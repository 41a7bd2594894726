import type { Status } from './states.ts';

export type Profile = 'native' | 'antom' | 'nicepay';
export type Dialect = Profile;
export type CaptureMethod = 'automatic' | 'manual';

/** The core payment, as every dialect sees it before rendering (docs/state-machine.md). */
export interface Payment {
  id: string;
  merchantId: string;
  merchantAccountId: string | null;
  profile: Profile;
  status: Status;
  version: number;
  amount: bigint;
  currency: string;
  paymentMethod: string | null;
  methodType: string | null;
  captureMethod: CaptureMethod;
  referenceId: string | null;
  description: string | null;
  metadata: Record<string, string>;
  clientSecret: string | null;
  /** The secret in the sandbox checkout page's link (migrations/015); kept after cancel, unlike clientSecret. */
  checkoutToken: string | null;
  nextAction: Record<string, unknown> | null;
  amountCapturable: bigint;
  amountReceived: bigint;
  amountRefunded: bigint;
  amountCanceled: bigint;
  pendingOperation: string | null;
  /** 'refused': the processor definitively refused a call that cannot be given up (late-funds reversal). */
  pendingState: 'in_flight' | 'unknown' | 'refused' | null;
  pendingUntil: Date | null;
  pendingData: Record<string, unknown> | null;
  cancellationReason: string | null;
  /** The processor this payment was sent to (processors/processor.ts ProcessorSet). */
  processor: string;
  processorRef: string | null;
  dialectData: Record<string, unknown>;
  antomPaymentId: string | null;
  antomPaymentRequestId: string | null;
  nicepayTxid: string | null;
  nicepayReferenceNo: string | null;
  confirmedAt: Date | null;
  authorizedAt: Date | null;
  capturedAt: Date | null;
  succeededAt: Date | null;
  canceledAt: Date | null;
  settledAt: Date | null;
  expiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Column name for each Payment field; the repo derives its SELECT list and row mapping from it. */
export const COLUMNS = {
  id: 'id', merchantId: 'merchant_id', merchantAccountId: 'merchant_account_id', profile: 'profile',
  status: 'status', version: 'version', amount: 'amount', currency: 'currency',
  paymentMethod: 'payment_method', methodType: 'method_type', captureMethod: 'capture_method',
  referenceId: 'reference_id', description: 'description', metadata: 'metadata',
  clientSecret: 'client_secret', checkoutToken: 'checkout_token', nextAction: 'next_action', amountCapturable: 'amount_capturable',
  amountReceived: 'amount_received', amountRefunded: 'amount_refunded', amountCanceled: 'amount_canceled',
  pendingOperation: 'pending_operation', pendingState: 'pending_state', pendingUntil: 'pending_until',
  pendingData: 'pending_data', cancellationReason: 'cancellation_reason',
  processor: 'processor', processorRef: 'processor_ref', dialectData: 'dialect_data', antomPaymentId: 'antom_payment_id',
  antomPaymentRequestId: 'antom_payment_request_id', nicepayTxid: 'nicepay_txid',
  nicepayReferenceNo: 'nicepay_reference_no', confirmedAt: 'confirmed_at', authorizedAt: 'authorized_at',
  capturedAt: 'captured_at', succeededAt: 'succeeded_at', canceledAt: 'canceled_at', settledAt: 'settled_at',
  expiresAt: 'expires_at', createdAt: 'created_at', updatedAt: 'updated_at',
} as const satisfies Record<keyof Payment, string>;

const MONEY = new Set<keyof Payment>(['amount', 'amountCapturable', 'amountReceived', 'amountRefunded', 'amountCanceled']);
const TIMES = new Set<keyof Payment>([
  'pendingUntil', 'confirmedAt', 'authorizedAt', 'capturedAt', 'succeededAt', 'canceledAt', 'settledAt', 'expiresAt', 'createdAt', 'updatedAt',
]);

export const PAYMENT_SELECT = Object.values(COLUMNS).join(', ');

type ColumnReader = (v: unknown) => unknown;
const asMoney: ColumnReader = (v) => BigInt(v as string);
// A Date from the driver is the row's own and goes with it; PGlite in a worker may give text.
const asTime: ColumnReader = (v) => (v == null ? null : v instanceof Date ? v : new Date(v as string));
const asObject: ColumnReader = (v) => v ?? {};
const asValue: ColumnReader = (v) => v ?? null;
const asNumber: ColumnReader = (v) => Number(v);

/** Each field's column and how its value is read, worked out once (every operation maps a row). */
const READERS = (Object.entries(COLUMNS) as [keyof Payment, string][]).map(([field, column]) => ({
  field,
  column,
  read: field === 'version' ? asNumber
    : MONEY.has(field) ? asMoney
    : TIMES.has(field) ? asTime
    : field === 'metadata' || field === 'dialectData' ? asObject
    : asValue,
}));

/** Drivers differ (int8 as string or bigint, timestamps as Date or string): normalise once here. */
export function rowToPayment(row: Record<string, unknown>): Payment {
  const out: Record<string, unknown> = {};
  for (const { field, column, read } of READERS) out[field] = read(row[column]);
  return out as unknown as Payment;
}

/** What a cancel or refund can still give back: the amount less everything given back already. */
export function remainingAmount(p: Payment): bigint {
  return p.amount - p.amountCanceled - p.amountRefunded;
}
