// The processor contract: what the payment core asks of whoever moves the money. The sandbox
// simulator implements it in-process; upstream connectors (roadmap 7) will implement it over HTTP.
// Calls are never made inside a database transaction (DESIGN.md §1.4).
import type { ErrorCode } from '../errors.ts';
import type { Payment } from '../payments/model.ts';

export interface CardData {
  number?: string;
  cvc?: string;
  expMonth?: number;
  expYear?: number;
}

export type ConfirmOutcome =
  | { kind: 'succeeded'; processorRef: string }
  | { kind: 'authorized'; processorRef: string }
  | { kind: 'action'; processorRef: string; nextAction: Record<string, unknown> }
  | { kind: 'failed'; processorRef: string; reason: string };

/** The processor refused; `code` is a row of the error table (PAYER_NOT_FOUND, PROCESSOR_DECLINED, …). */
export type OperationOutcome = { ok: true } | { ok: false; code: ErrorCode; message: string };

export type ProcessorOperation = 'confirm' | 'capture' | 'cancel' | 'refund';

/** The processor did not answer in time: the outcome is unknown and must be reconciled, never guessed. */
export class ProcessorTimeout extends Error {
  constructor(operation: ProcessorOperation) {
    super(`processor ${operation} timed out`);
    this.name = 'ProcessorTimeout';
  }
}

export interface Processor {
  confirm(p: Payment, card: CardData | undefined): Promise<ConfirmOutcome>;
  capture(p: Payment, amount: bigint): Promise<OperationOutcome>;
  /** Void or close an unpaid payment, or (`reversal`) return paid funds to the payer. */
  cancel(p: Payment, kind: 'void' | 'reversal', amount: bigint): Promise<OperationOutcome>;
  refund(p: Payment, amount: bigint): Promise<OperationOutcome>;
  /** Reconciliation: did an earlier call of `operation` take effect? */
  query(p: Payment, operation: ProcessorOperation): Promise<'done' | 'not_done'>;
}
