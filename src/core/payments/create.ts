import type { CallContext, CoreDeps } from '../deps.ts';
import type { CardData } from '../processors/processor.ts';
import { antomStyleId, token, uuidv7 } from '../ids.ts';
import type { CaptureMethod, Payment, Profile } from './model.ts';
import { getPaymentById, insertPayment } from './repo.ts';
import { markRecoveryPoint } from '../idempotency.ts';
import { firstRoute, refuseTestFeatures } from './routing.ts';

export interface CreateInput {
  profile: Profile;
  amount: bigint;
  currency: string;
  paymentMethod?: string | null;
  methodType?: string | null;
  captureMethod?: CaptureMethod;
  referenceId?: string | null;
  description?: string | null;
  metadata?: Record<string, string>;
  expiresAt?: Date | null;
  merchantAccountId?: string | null;
  antomPaymentRequestId?: string | null;
  nicepayTxid?: string | null;
  nicepayReferenceNo?: string | null;
  dialectData?: Record<string, unknown>;
  /** The card the same request will confirm with, if any: refused in live mode before anything is created. */
  card?: CardData;
}

/**
 * Creates a payment (one statement: the row and its 'created' event; with an idempotency key, the
 * key's recovery point in the same transaction). A retry of a request whose earlier attempt already
 * created the payment gets that payment back. Validation is the dialect's job.
 */
export async function createPayment(deps: CoreDeps, ctx: CallContext, input: CreateInput): Promise<Payment> {
  const earlier = ctx.requestKey?.recovered?.paymentId;
  if (earlier) {
    const made = await getPaymentById(deps.db, earlier);
    if (made && made.merchantId === ctx.merchant.id) return made;
  }
  refuseTestFeatures(ctx, { description: input.description, card: input.card });
  const processor = await firstRoute(deps, ctx, { method: input.paymentMethod ?? null, currency: input.currency, captureMethod: input.captureMethod ?? 'automatic' });
  const now = deps.clock.now();
  const id = uuidv7(deps.clock);
  const payment: Payment = {
    id,
    merchantId: ctx.merchant.id,
    merchantAccountId: input.merchantAccountId ?? null,
    profile: input.profile,
    status: input.paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
    version: 0,
    amount: input.amount,
    currency: input.currency,
    paymentMethod: input.paymentMethod ?? null,
    methodType: input.methodType ?? null,
    captureMethod: input.captureMethod ?? 'automatic',
    referenceId: input.referenceId ?? null,
    description: input.description ?? null,
    metadata: input.metadata ?? {},
    clientSecret: `${id}_secret_${token('', 18)}`,
    checkoutToken: token('ct_', 24),
    nextAction: null,
    amountCapturable: 0n,
    amountReceived: 0n,
    amountRefunded: 0n,
    amountCanceled: 0n,
    pendingOperation: null,
    pendingState: null,
    pendingUntil: null,
    pendingData: null,
    cancellationReason: null,
    processor,
    processorRef: null,
    dialectData: input.dialectData ?? {},
    antomPaymentId: antomStyleId(deps.clock),
    antomPaymentRequestId: input.antomPaymentRequestId ?? null,
    nicepayTxid: input.nicepayTxid ?? null,
    nicepayReferenceNo: input.nicepayReferenceNo ?? null,
    confirmedAt: null,
    authorizedAt: null,
    capturedAt: null,
    succeededAt: null,
    canceledAt: null,
    settledAt: null,
    expiresAt: input.expiresAt ?? null,
    createdAt: now,
    updatedAt: now,
  };
  const info = { dialect: ctx.dialect, requestId: ctx.requestId };
  const key = ctx.requestKey;
  if (!key) await insertPayment(deps.db, payment, info);
  else {
    await deps.db.tx(async (q) => {
      await insertPayment(q, payment, info);
      await markRecoveryPoint(q, key, 'created', { paymentId: id });
    });
  }
  return payment;
}
