// What NICEPAY's answers mean for the core: a registration's resultCd (created, refused, or "not
// available here"), the buyer's next step from a registration or an inquiry, an inquiry's status word
// (the per-payMethod table of docs/nicepay-api.md), and a cancel's resultCd as an error-table code.
import type { ErrorCode } from '../../core/errors.ts';
import { ProcessorUnavailable, type AuthorizeOutcome, type OperationOutcome, type SyncResult } from '../../core/processors/processor.ts';
import { parseWib } from '../../dialects/nicepay/fields.ts';
import { isPayMethod, type PayMethod } from '../../dialects/nicepay/methods.ts';
import { statusWord } from '../../dialects/nicepay/txid.ts';
import type { Answer } from './client.ts';

export const SUCCESS = '0000';
/** Inquiry: no transaction with this tXid / referenceNo for the iMid. */
export const NOT_FOUND = '9228';

/**
 * Registration refusals that say this account cannot take the payment at all — unknown iMid (9011),
 * wrong key (9010), merchant or method not enabled (9331, 9332), a payMethod, bank or partner it does
 * not offer (9044, 9052, 9053) — before anything was created: the next route may take it.
 */
const UNAVAILABLE = new Set(['9010', '9011', '9331', '9332', '9044', '9052', '9053']);
/**
 * No decision at all: an internal error (1003), the upstream's own outcome unknown (1004), the same
 * referenceNo still being processed (9002), or registered already with other bytes (9009). Something
 * may exist upstream: unknown, settled by inquiry.
 */
const UNDECIDED = new Set(['1003', '1004', '9002', '9009']);

export const describe = (a: Answer) => `${a.resultCd} ${a.resultMsg ?? ''}`.trim();

/** An ISO instant from NICEPAY's WIB date and time fields, when both are there and valid. */
function until(dt: string | undefined, tm: string | undefined): string | undefined {
  return dt && tm ? parseWib(dt, tm)?.toISOString() : undefined;
}

/**
 * The buyer's next step from the fields a registration or inquiry carries (same names in both); null
 * when a field the buyer needs is missing (the upstream has not issued it yet). Card and e-wallet
 * buyers go to the upstream's payment page (`pageUrl`). The upstream's tXid travels along.
 */
export function nextActionOf(a: Answer, pm: PayMethod, tXid: string, pageUrl: () => string): Record<string, unknown> | null {
  switch (pm) {
    case '02':
      if (!a.vacctNo) return null;
      return { type: 'display_bank_transfer_instructions', accountNumber: a.vacctNo, bankCode: a.bankCd ?? null, validUntil: until(a.vacctValidDt, a.vacctValidTm) ?? null, upstreamTxid: tXid };
    case '03':
      if (!a.payNo) return null;
      return { type: 'display_payment_code', paymentCode: a.payNo, partner: a.mitraCd ?? null, validUntil: until(a.payValidDt, a.payValidTm) ?? null, upstreamTxid: tXid };
    case '08':
      if (!a.qrContent) return null;
      return { type: 'display_qr_code', qrContent: a.qrContent, checkoutUrl: a.qrUrl ?? null, expiresAt: until(a.paymentExpDt, a.paymentExpTm) ?? null, upstreamTxid: tXid };
    case '01':
    case '05':
      return { type: 'redirect_to_url', url: pageUrl(), upstreamTxid: tXid };
  }
}

/** A registration's answer as an authorization outcome (throws for "not available" and "undecided"). */
export function registrationOutcome(a: Answer, pm: PayMethod, opId: string, pageUrl: (tXid: string) => string): AuthorizeOutcome {
  if (a.resultCd === SUCCESS) {
    const tXid = a.tXid;
    const nextAction = tXid ? nextActionOf(a, pm, tXid, () => pageUrl(tXid)) : null;
    // Created, but without what the buyer needs: as good as no answer; the inquiry will tell.
    if (!tXid || !nextAction) throw new Error(`NICEPAY registration succeeded without ${tXid ? 'the buyer\'s payment details' : 'a tXid'}`);
    return { kind: 'action', processorRef: tXid, nextAction };
  }
  if (UNAVAILABLE.has(a.resultCd)) throw new ProcessorUnavailable(`NICEPAY registration refused: ${describe(a)}`);
  if (UNDECIDED.has(a.resultCd)) throw new Error(`NICEPAY registration undecided: ${describe(a)}`);
  return { kind: 'failed', processorRef: a.tXid || `op_${opId}`, reason: describe(a) };
}

/** The status word of an inquiry: from the `status` code by payMethod, else the word in resultMsg. */
export function statusOf(a: Answer, pm: PayMethod): string {
  const method = a.payMethod && isPayMethod(a.payMethod) ? a.payMethod : pm;
  return (a.status !== undefined ? statusWord(method, a.status) : undefined) ?? (a.resultMsg ?? '').toLowerCase();
}

/** What an inquiry says became of a charge (registration). */
export function chargeState(a: Answer, pm: PayMethod, pageUrl: (tXid: string) => string): SyncResult {
  const tXid = a.tXid;
  const word = statusOf(a, pm);
  switch (word) {
    case 'paid':
    case 'success':
      return { status: 'succeeded', ...(tXid ? { processorRef: tXid } : {}) };
    case 'unpaid':
    case 'init':
    case 'processing':
    case 'ready': {
      const nextAction = tXid ? nextActionOf(a, pm, tXid, () => pageUrl(tXid)) : null;
      // Registered but its number not issued yet: the upstream is still working on it.
      return nextAction ? { status: 'action', nextAction, processorRef: tXid } : { status: 'pending' };
    }
    case 'expired':
    case 'canceled':
    case 'void':
    // Paid and then given back in full: nothing is left with the merchant. Never "succeeded": for a
    // payment Kasir itself canceled by that reversal, a paid report would count as late funds and
    // give the money back a second time.
    case 'refund':
    case 'reversal':
      return { status: 'canceled' };
    case 'failed':
      return { status: 'failed', code: 'PROCESSOR_DECLINED', reason: `NICEPAY status ${word}` };
    default:
      throw new Error(`NICEPAY inquiry answered an unknown status ${a.status ?? ''} ${a.resultMsg ?? ''}`.trim());
  }
}

/** Cancel refusals as the core's error table names them. */
const CANCEL_CODES: Readonly<Record<string, ErrorCode>> = Object.freeze({
  '9334': 'CANCEL_WINDOW_EXCEEDED',
  '9319': 'AMOUNT_EXCEEDS_AVAILABLE',
  '9330': 'METHOD_NOT_SUPPORTED',
  '9318': 'METHOD_NOT_SUPPORTED',
  '9314': 'INVALID_STATE',
});

export function cancelOutcome(a: Answer, full: boolean): OperationOutcome {
  if (a.resultCd === SUCCESS) return { ok: true };
  // "Already fully canceled" answering a full cancel: this very cancel, sent again after its
  // answer was lost, found its own work done.
  if (a.resultCd === '9315' && full) return { ok: true };
  if (UNDECIDED.has(a.resultCd)) throw new Error(`NICEPAY cancel undecided: ${describe(a)}`);
  const code = Object.hasOwn(CANCEL_CODES, a.resultCd) ? CANCEL_CODES[a.resultCd] : 'PROCESSOR_DECLINED';
  return { ok: false, code, message: `NICEPAY refused the cancel: ${describe(a)}` };
}
