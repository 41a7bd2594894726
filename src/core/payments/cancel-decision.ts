// The cancel decision of docs/cancel-rules.md, as a pure function: rules are checked in order and the first
// failing rule decides. Execution (claims, processor calls, writes) lives in cancel.ts.
import { KasirError } from '../errors.ts';
import { methodFamily } from '../contracts/defaults.ts';
import type { CancelRule, Contract } from '../contracts/schema.ts';
import { remainingAmount, type Payment } from './model.ts';

export interface CancelRequest {
  /** Amount to cancel; absent = everything that remains. */
  amount?: bigint;
  /** NICEPAY cancelType 1: a full cancel is refused once part was canceled (9320). */
  full: boolean;
  /**
   * NICEPAY cancelType 2: asked for as a partial cancel, so it is refused where partial cancels are
   * not allowed (VA/CVS 9318) even when `amount` happens to be everything that remains.
   */
  partial?: boolean;
}

export type CancelDecision =
  /** Not yet paid: void the authorization or close the pending QR/VA/redirect. */
  | { kind: 'void'; amount: bigint; submitted: boolean }
  /** Paid: give `amount` back to the payer (a reversal); `closes` when nothing remains afterwards. */
  | { kind: 'reversal'; amount: bigint; closes: boolean };

const STATUS_MESSAGES: Record<string, string> = {
  succeeded: 'Payment cannot be cancelled because it has already been completed',
  canceled: 'Payment cannot be cancelled because it has already been canceled',
  expired: 'Payment cannot be cancelled because it has expired',
  payment_failed: 'Payment cannot be cancelled because it has already failed',
};

export function cannotCancel(p: Payment, code: 'INVALID_STATE' | 'METHOD_NOT_SUPPORTED' = 'INVALID_STATE'): KasirError {
  // No details: seed 002's error body is exactly {code, message}, and the message names the status.
  return new KasirError(code, STATUS_MESSAGES[p.status] ?? `Payment cannot be cancelled in status ${p.status}`);
}

/** When the cancel window of `rule` closes for this payment, or null when it never does. */
export function cancelDeadline(p: Payment, rule: CancelRule): Date | null {
  if (p.status === 'succeeded' && rule.afterSuccessUntilNextDay && p.succeededAt) {
    return nextDayAt(p.succeededAt, rule.afterSuccessUntilNextDay);
  }
  if (rule.windowSeconds === null) return null;
  const anchor =
    (rule.windowAnchor === 'authorized' && p.authorizedAt) ||
    (rule.windowAnchor === 'succeeded' && p.succeededAt) ||
    p.createdAt;
  return new Date(anchor.getTime() + rule.windowSeconds * 1000);
}

/** "00:15+08:00" on the calendar day after `at`, in that offset. */
function nextDayAt(at: Date, spec: string): Date {
  const [, hh, mm, sign, oh, om] = /^(\d{2}):(\d{2})([+-])(\d{2}):(\d{2})$/.exec(spec)!;
  const offsetMs = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  const local = new Date(at.getTime() + offsetMs);
  const next = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1, Number(hh), Number(mm));
  return new Date(next - offsetMs);
}

export function decideCancel(p: Payment, contract: Contract, now: Date, req: CancelRequest): CancelDecision {
  const rule = contract.cancel[methodFamily(p.paymentMethod)];
  // 2. Already canceled: each dialect renders this its own way (antom replays the success).
  if (p.status === 'canceled') throw new KasirError('ALREADY_CANCELED', STATUS_MESSAGES.canceled);
  // 3. Refunded through the refund operation (partial cancels are not refunds).
  if (p.amountRefunded > 0n) throw new KasirError('ALREADY_REFUNDED', 'Payment cannot be cancelled because it has been refunded');
  // 4. Capture in progress, or a captured card the profile does not let us cancel.
  if (p.pendingOperation === 'capture') {
    throw new KasirError('INVALID_STATE', 'Payment cannot be cancelled while a capture is in progress');
  }
  if (p.status === 'succeeded' && methodFamily(p.paymentMethod) === 'card' && !rule.afterSuccess) throw cannotCancel(p);
  // 5. Other terminal statuses.
  if (p.status === 'expired' || p.status === 'payment_failed') throw cannotCancel(p);
  // 6. The contract's window.
  const deadline = cancelDeadline(p, rule);
  if (deadline && now.getTime() > deadline.getTime()) {
    throw new KasirError('CANCEL_WINDOW_EXCEEDED', 'The cancellation window for this payment has passed', {
      details: { deadline: deadline.toISOString() },
    });
  }
  // 7. The method (in this status) may not be canceled at all.
  const succeeded = p.status === 'succeeded';
  if (succeeded ? !rule.afterSuccess : !rule.beforeSuccess) throw cannotCancel(p, 'METHOD_NOT_SUPPORTED');
  // Partial cancels: only where the contract allows, never above what remains.
  const remaining = remainingAmount(p);
  const amount = req.amount ?? remaining;
  if (amount !== remaining || req.partial) {
    if (!rule.partial || !contract.apis.partialCancel) {
      throw new KasirError('METHOD_NOT_SUPPORTED', 'This payment can only be canceled in full', { details: { reason: 'partial_not_supported' } });
    }
    // The state machine records partial cancels of authorized or paid payments only; anything
    // earlier has no amount to split (and retrying an unrecordable write would never end).
    if (p.status !== 'requires_capture' && p.status !== 'succeeded') {
      throw new KasirError('INVALID_STATE', `Payment cannot be partially cancelled in status ${p.status}`, {
        details: { reason: 'partial_before_payment', status: p.status },
      });
    }
  }
  if (req.full && p.amountCanceled > 0n) {
    throw new KasirError('CANCEL_AMOUNT_INVALID', 'Can not cancel the entire amount of a partially canceled payment', {
      details: { reason: 'full_after_partial' },
    });
  }
  if (amount <= 0n || amount > remaining) {
    throw new KasirError('CANCEL_AMOUNT_INVALID', 'The cancel amount is larger than what remains on the payment', {
      details: { reason: amount <= 0n ? 'not_positive' : 'exceeds_remaining', remaining: remaining.toString() },
    });
  }
  // 8. Paid: a reversal (the balance check and the payer's side are the executor's business).
  if (succeeded) return { kind: 'reversal', amount, closes: amount === remaining };
  // 9. Not yet paid: a void.
  return { kind: 'void', amount, submitted: p.status !== 'requires_payment_method' && p.status !== 'requires_confirmation' };
}
