// The processor boundary: what the payment core asks of whoever moves the money (docs/architecture.md,
// §9c). The flows follow real connector APIs: authorize, capture, void, post-capture void
// (reversal), refund, and sync — asking what became of one earlier call. Every call takes the
// operation record written before it; its id is the idempotency key the processor sees, so the same
// operation sent twice moves money once. Implementations live in src/processors/ (the sandbox, and
// later upstream connectors); the core never imports them. Calls are never made inside a database
// transaction (docs/architecture.md).
import type { ErrorCode } from '../errors.ts';
import type { Payment } from '../payments/model.ts';

export interface CardData {
  number?: string;
  cvc?: string;
  expMonth?: number;
  expYear?: number;
}

export const OPERATION_KINDS = ['authorize', 'capture', 'void', 'reversal', 'refund', 'late_reversal'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

/** One processor call, as recorded before it is made (core/processors/operations.ts). */
export interface OperationRecord {
  id: string;
  paymentId: string;
  merchantId: string;
  processor: string;
  kind: OperationKind;
  amount: bigint;
  currency: string;
  refundId: string | null;
  status: 'pending' | 'unknown' | 'completed' | 'refused' | 'rolled_back';
  result: Record<string, unknown> | null;
  createdAt: Date;
}

/** What an authorization achieved at the processor. */
export type AuthorizeOutcome =
  | { kind: 'succeeded'; processorRef: string }
  | { kind: 'authorized'; processorRef: string }
  | { kind: 'action'; processorRef: string; nextAction: Record<string, unknown> }
  | { kind: 'failed'; processorRef: string; reason: string };

/** A capture, void, reversal or refund: done, or definitively refused (`code` is a row of the error table). */
export type OperationOutcome = { ok: true } | { ok: false; code: ErrorCode; message: string };

/**
 * The actual state of one earlier call at the processor. `pending`: the processor is still working
 * on it (or waits for the buyer to finish a charge that needs no next action from Kasir);
 * `not_found`: the call never reached the processor.
 */
export type SyncResult =
  | { status: 'succeeded'; processorRef?: string }
  | { status: 'authorized'; processorRef?: string }
  | { status: 'action'; nextAction: Record<string, unknown>; processorRef?: string }
  | { status: 'pending' }
  | { status: 'failed'; code: ErrorCode; reason: string }
  | { status: 'canceled' }
  | { status: 'not_found' };

/** What a synced authorization achieved (a processor's own ref when it gave one). */
export function authorizeOutcomeOf(found: Exclude<SyncResult, { status: 'not_found' | 'pending' }>, op: OperationRecord): AuthorizeOutcome {
  const processorRef = ('processorRef' in found && found.processorRef) || `op_${op.id}`;
  switch (found.status) {
    case 'succeeded':
      return { kind: 'succeeded', processorRef };
    case 'authorized':
      return { kind: 'authorized', processorRef };
    case 'action':
      return { kind: 'action', processorRef, nextAction: found.nextAction };
    case 'failed':
      return { kind: 'failed', processorRef, reason: found.reason };
    case 'canceled':
      return { kind: 'failed', processorRef, reason: 'canceled_at_processor' };
  }
}

/** The processor did not answer in time: the outcome is unknown and must be synced, never guessed. */
export class ProcessorTimeout extends Error {
  constructor(kind: OperationKind) {
    super(`processor ${kind} timed out`);
    this.name = 'ProcessorTimeout';
  }
}

export interface Processor {
  /** Stored on every payment it handles (payments.processor). */
  readonly name: string;
  readonly abilities: ProcessorAbilities;
  authorize(op: OperationRecord, p: Payment, card: CardData | undefined): Promise<AuthorizeOutcome>;
  capture(op: OperationRecord, p: Payment): Promise<OperationOutcome>;
  /** Void an authorization, or close an unpaid QR / VA / redirect payment. */
  void(op: OperationRecord, p: Payment): Promise<OperationOutcome>;
  /** Post-capture void: return paid funds to the payer (a cancel after success, late funds). */
  reverse(op: OperationRecord, p: Payment): Promise<OperationOutcome>;
  refund(op: OperationRecord, p: Payment): Promise<OperationOutcome>;
  /** Payment sync / refund sync: the actual outcome of `op` at the processor. */
  sync(op: OperationRecord, p: Payment): Promise<SyncResult>;
  /**
   * The reconciler is about to roll `op` back: like sync, but when the processor has no trace of
   * the call it must also make sure the call never takes effect later (a late, slow request with
   * this operation id is refused). `not_found` then means "never happened, and never will".
   * Abandoning an operation already abandoned answers `not_found` again: the bar is no outcome.
   */
  abandon(op: OperationRecord, p: Payment): Promise<SyncResult>;
  /**
   * Simulators only (test mode): the buyer pays or fails the charge `op` at the processor, which
   * then reports the outcome. A real upstream has no such call: its buyer acts on the upstream's
   * own pages and the outcome arrives as a notification.
   */
  simulateBuyer?(op: OperationRecord, p: Payment, outcome: 'succeeded' | 'failed'): Promise<AuthorizeOutcome>;
}

/**
 * The processor answered a definite "not available" before anything existed on its side (connection
 * refused, account or method not enabled): the submission may go to the next route. Never thrown
 * once the processor may have created something (that is an unknown outcome, synced).
 */
export class ProcessorUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProcessorUnavailable';
  }
}

/**
 * What a processor can be asked at all (a connector's provider may lack an operation): checked
 * before anything is sent, so the caller gets its dialect's clear refusal instead of an upstream one.
 */
export interface ProcessorAbilities {
  /** A cancel of part of the amount (Antom has none). */
  partialCancel: boolean;
  /** Authorize now, capture later (NICEPAY direct v2 has none). */
  manualCapture: boolean;
  /** A refund of part of the amount. */
  partialRefund: boolean;
}

export const ALL_ABILITIES: ProcessorAbilities = { partialCancel: true, manualCapture: true, partialRefund: true };

/** What a new submission asks of a route. */
export interface RouteWish {
  method: string | null;
  currency: string;
  captureMethod: 'automatic' | 'manual';
}

/**
 * The processors a Kasir process can send payments to. A payment names its own (payments.processor:
 * `sandbox`, or a connector account's id); new submissions go where `candidates` says.
 */
export interface ProcessorSet {
  get(name: string): Promise<Processor>;
  /**
   * Where a merchant's new submission may go, best first: test merchants the sandbox only, live
   * merchants their matching connector routes only (empty: no route, refuse before creating).
   */
  candidates(merchant: { id: string; mode: 'test' | 'live' }, wish: RouteWish): Promise<string[]>;
}

export function processorOf(set: ProcessorSet, p: Pick<Payment, 'processor'>): Promise<Processor> {
  return set.get(p.processor);
}
