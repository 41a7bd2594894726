// The sandbox processor: deterministic, in-process, test mode only. Test cards decide an
// authorization, `sandbox:<trigger>` words in the payment's description decide later calls
// (triggers.ts). Every call is booked under its operation id before it answers (books.ts), so a
// call that "times out" has taken effect here exactly like at a real upstream, and `sync` answers
// from these books: a crash anywhere in Kasir ends in the outcome the sandbox actually holds.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../core/clock.ts';
import { KasirError } from '../../core/errors.ts';
import type { Db } from '../../db/db.ts';
import type { Payment } from '../../core/payments/model.ts';
import { checkoutPath } from '../../http/checkout-link.ts';
import {
  ALL_ABILITIES, authorizeOutcomeOf, ProcessorTimeout, type AuthorizeOutcome, type CardData, type OperationOutcome, type OperationRecord, type Processor, type SyncResult,
} from '../../core/processors/processor.ts';
import { book, isBar, lookup, settleByBuyer, tombstone, type Booking, type BookedCall } from './books.ts';
import { cardBehaviour, triggerIn, type Trigger } from './triggers.ts';

export const SANDBOX = 'sandbox';

export interface SandboxOptions {
  db: Db;
  clock: Clock;
  /** Simulated network latency per call, to make benchmarks and race tests realistic. */
  latencyMs?: number;
  /** Public base URL for hosted checkout pages (redirect next actions). */
  publicUrl: () => string;
}


/** Which trigger makes the first call of each kind time out after taking effect. */
const TIMEOUT_TRIGGER: Partial<Record<OperationRecord['kind'], Trigger>> = {
  authorize: 'confirm_timeout',
  capture: 'capture_timeout',
  void: 'cancel_timeout',
  reversal: 'cancel_timeout',
  late_reversal: 'cancel_timeout',
  refund: 'refund_timeout',
};

/** The processor's reference for a call: derived from the operation id, so sync can repeat it. */
const processorRef = (op: OperationRecord) => `sbx_${op.id.replace(/-/g, '').slice(-20)}`;

function checkoutAction(p: Payment, base: string, ref: string): Record<string, unknown> {
  const checkout = base + checkoutPath(p);
  switch (p.paymentMethod) {
    case 'promptpay':
    case 'qris':
      return { type: 'display_qr_code', qrContent: `kasir-sandbox://pay/${p.id}`, checkoutUrl: checkout, expiresAt: p.expiresAt?.toISOString() ?? null };
    case 'bank_transfer':
    case 'va':
      return { type: 'display_bank_transfer_instructions', accountNumber: ref.replace(/\D/g, '').slice(-10).padStart(10, '8'), checkoutUrl: checkout };
    case 'cvs':
      return { type: 'display_payment_code', paymentCode: ref.replace(/\D/g, '').slice(-12).padStart(12, '0'), checkoutUrl: checkout };
    default:
      return { type: 'redirect_to_url', url: checkout };
  }
}

function decideAuthorize(op: OperationRecord, p: Payment, card: CardData | undefined, base: string): Booking {
  if (p.paymentMethod !== 'card') return { status: 'action', nextAction: checkoutAction(p, base, processorRef(op)) };
  switch (cardBehaviour(card?.number)) {
    case 'declined':
      return { status: 'failed', code: 'PROCESSOR_DECLINED', reason: 'card_declined' };
    case 'requires_3ds':
      return { status: 'action', nextAction: { type: 'redirect_to_url', url: base + checkoutPath(p), reason: '3ds' } };
    case 'times_out':
      // The issuer never answers: the charge waits at the processor until the buyer settles it.
      return { status: 'pending' };
    default:
      return { status: p.captureMethod === 'manual' ? 'authorized' : 'succeeded' };
  }
}

function decideFollowUp(op: OperationRecord, p: Payment): Booking {
  const trigger = triggerIn(p.description);
  const reversing = op.kind === 'reversal' || op.kind === 'late_reversal';
  if ((op.kind === 'void' || reversing) && trigger === 'cancel_system_error') return { status: 'failed', code: 'INTERNAL', reason: 'The processor reported a system error' };
  if (reversing && trigger === 'cancel_payer_not_found') return { status: 'failed', code: 'PAYER_NOT_FOUND', reason: 'The user does not exist on the payment method side' };
  if (reversing && trigger === 'cancel_payer_abnormal') return { status: 'failed', code: 'PAYER_ABNORMAL', reason: 'The user status is abnormal on the payment method side' };
  if (op.kind === 'refund' && trigger === 'refund_declined') return { status: 'failed', code: 'PROCESSOR_DECLINED', reason: 'The processor declined the refund' };
  return { status: 'succeeded' };
}

/** The kinds one timeout trigger counts together: "the first cancel" is the first void or reversal. */
const familyOf = (kind: OperationRecord['kind']) => {
  const trigger = TIMEOUT_TRIGGER[kind];
  return (Object.keys(TIMEOUT_TRIGGER) as OperationRecord['kind'][]).filter((k) => TIMEOUT_TRIGGER[k] === trigger);
};

/** A fresh first call of a kind whose timeout trigger is set "times out" — after being booked. */
function timesOut(op: OperationRecord, p: Payment, booked: BookedCall): boolean {
  const trigger = TIMEOUT_TRIGGER[op.kind];
  return booked.fresh && booked.earlierOfKind === 0 && trigger !== undefined && triggerIn(p.description) === trigger;
}

/** The answer to an authorization call: what the books hold; a charge still pending gives no answer. */
function authorizeOutcome(op: OperationRecord, b: Booking): AuthorizeOutcome {
  const found = syncResult(op, b);
  if (found.status === 'pending' || found.status === 'not_found') throw new ProcessorTimeout(op.kind);
  return authorizeOutcomeOf(found, op);
}

function operationOutcome(b: Booking): OperationOutcome {
  if (b.status === 'canceled') return { ok: false, code: 'PROCESSOR_DECLINED', message: 'The operation was abandoned before it arrived' };
  return b.status === 'failed' ? { ok: false, code: b.code ?? 'PROCESSOR_DECLINED', message: b.reason ?? 'The processor refused the operation' } : { ok: true };
}

function syncResult(op: OperationRecord, b: Booking | null): SyncResult {
  if (!b) return { status: 'not_found' };
  const ref = processorRef(op);
  switch (b.status) {
    case 'succeeded':
      return { status: 'succeeded', processorRef: ref };
    case 'authorized':
      return { status: 'authorized', processorRef: ref };
    case 'action':
      return { status: 'action', nextAction: b.nextAction ?? {}, processorRef: ref };
    case 'pending':
      return { status: 'pending' };
    case 'canceled':
      return { status: 'canceled' };
    default:
      return { status: 'failed', code: b.code ?? 'PROCESSOR_DECLINED', reason: b.reason ?? 'declined' };
  }
}

export function createSandboxProcessor(o: SandboxOptions): Processor {
  const wait = () => (o.latencyMs ? sleep(o.latencyMs) : Promise.resolve());

  async function followUp(op: OperationRecord, p: Payment): Promise<OperationOutcome> {
    await wait();
    const booked = await book(o.db, op, decideFollowUp(op, p), o.clock.now(), familyOf(op.kind));
    if (timesOut(op, p, booked)) throw new ProcessorTimeout(op.kind);
    return operationOutcome(booked);
  }

  return {
    name: SANDBOX,
    abilities: ALL_ABILITIES,
    async authorize(op, p, card) {
      await wait();
      const booked = await book(o.db, op, decideAuthorize(op, p, card, o.publicUrl()), o.clock.now());
      if (timesOut(op, p, booked)) throw new ProcessorTimeout(op.kind);
      return authorizeOutcome(op, booked);
    },
    capture: followUp,
    void: followUp,
    reverse: followUp,
    refund: followUp,
    async sync(op) {
      return syncResult(op, await lookup(o.db, op.id));
    },
    async abandon(op) {
      const { booking, tombstoned } = await tombstone(o.db, op, o.clock.now());
      // Barred by an earlier abandon (whose caller died before rolling back): still "never happened,
      // and never will" — not a charge the sandbox canceled.
      return tombstoned || isBar(booking) ? { status: 'not_found' } : syncResult(op, booking);
    },
    async simulateBuyer(op, p, outcome) {
      const status = outcome === 'failed' ? 'failed' : p.captureMethod === 'manual' ? 'authorized' : 'succeeded';
      const { booking, changed } = await settleByBuyer(o.db, op, status, o.clock.now());
      // A charge the processor already settled takes one outcome: the buyer cannot change it.
      if (!changed) throw new KasirError('INVALID_STATE', 'This payment was already settled at the processor');
      return authorizeOutcome(op, booking);
    },
  };
}
