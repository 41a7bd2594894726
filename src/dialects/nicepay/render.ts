// NICEPAY's side of the wire: core errors → resultCd/resultMsg for the situation (docs/architecture.md, errors, the
// code table of docs/nicepay-api.md), core statuses → the inquiry `status` code per payMethod, and the
// stored registration data every response repeats.
import { KasirError } from '../../core/errors.ts';
import type { Payment } from '../../core/payments/model.ts';
import { NICEPAY_ERRORS } from './error-map.ts';
import { minorToRupiah } from './fields.ts';
import { liveBuyerFields } from './live.ts';
import { isPaidOffline, payMethodOf, type PayMethod } from './methods.ts';
import * as codes from './result-codes.ts';
import { NicepayBodyError } from './transport.ts';
import { statusWord, wibParts } from './txid.ts';

export type Operation = 'registration' | 'payment' | 'inquiry' | 'cancel' | 'sandbox';

/** What registration stored in payment.dialectData (plus the outbox's notifyUrl / notifyEvents). */
export interface NicepayData {
  iMid: string;
  payMethod: PayMethod;
  transDt: string;
  transTm: string;
  currency: string;
  goodsNm: string;
  billingNm: string;
  description: string;
  requestHash: string;
  callBackUrl?: string;
  bankCd?: string;
  vacctNo?: string;
  vacctValidDt?: string;
  vacctValidTm?: string;
  mitraCd?: string;
  payNo?: string;
  payValidDt?: string;
  payValidTm?: string;
  qrContent?: string;
  qrUrl?: string;
  paymentExpDt?: string;
  paymentExpTm?: string;
  instmntType?: string;
  instmntMon?: string;
  recurrOpt?: string;
  /** The buyer's details as given, passed on when the payment goes to an upstream provider. */
  billingPhone?: string;
  billingEmail?: string;
  billingAddr?: string;
  billingCity?: string;
  billingState?: string;
  billingPostCd?: string;
  billingCountry?: string;
  userIP?: string;
}

export function nicepayData(p: Payment): NicepayData {
  const d = p.dialectData as Partial<NicepayData>;
  const created = wibParts(p.createdAt);
  return {
    ...d,
    // A live payment shows the upstream's VA number, payment code or QR (live.ts).
    ...liveBuyerFields(p),
    iMid: d.iMid ?? (p.nicepayTxid ?? '').slice(0, 10),
    payMethod: d.payMethod ?? payMethodOf(p.paymentMethod) ?? '01',
    transDt: d.transDt ?? created.transDt,
    transTm: d.transTm ?? created.transTm,
    currency: d.currency ?? p.currency,
    goodsNm: d.goodsNm ?? p.description ?? '',
    billingNm: d.billingNm ?? '',
    description: d.description ?? p.description ?? '',
    requestHash: d.requestHash ?? '',
  };
}

const isVaCvs = (pm: PayMethod) => pm === '02' || pm === '03';

/** The transaction fields every answer about one tXid starts with (registration, payment callback). */
export function transactionFields(p: Payment, d: NicepayData, result: codes.NicepayResult) {
  return {
    resultCd: result.resultCd,
    resultMsg: result.resultMsg,
    tXid: p.nicepayTxid,
    referenceNo: p.nicepayReferenceNo,
    payMethod: d.payMethod,
    amt: minorToRupiah(p.amount),
    transDt: d.transDt,
    transTm: d.transTm,
    description: d.description,
    currency: d.currency,
    goodsNm: d.goodsNm,
    billingNm: d.billingNm,
  };
}

/** The resultCd and resultMsg for a failure, by operation and (where it matters) payMethod. */
export function nicepayError(err: unknown, op: Operation, payMethod?: PayMethod): codes.NicepayResult {
  if (err instanceof NicepayBodyError) return { resultCd: NICEPAY_ERRORS.INVALID_PARAMETER, resultMsg: err.message };
  if (!(err instanceof KasirError)) return { resultCd: NICEPAY_ERRORS.INTERNAL, resultMsg: 'Internal error' };
  const reason = err.details?.reason;
  switch (err.code) {
    case 'BAD_SIGNATURE':
      return codes.INVALID_TOKEN;
    case 'KEY_NOT_FOUND':
    case 'UNAUTHENTICATED':
      return codes.UNKNOWN_IMID;
    case 'INVALID_PARAMETER':
      return parameterError(err, op);
    case 'PAYMENT_NOT_FOUND':
      return op === 'cancel' ? codes.CANNOT_CANCEL : codes.NOT_FOUND;
    case 'ALREADY_CANCELED':
      return op === 'cancel' ? codes.DUPLICATE_CANCEL : { resultCd: NICEPAY_ERRORS.ALREADY_CANCELED, resultMsg: err.message };
    case 'CANCEL_AMOUNT_INVALID':
      if (reason === 'full_after_partial') return codes.FULL_AFTER_PARTIAL;
      if (reason === 'not_positive') return codes.AMOUNT_NOT_POSITIVE;
      return codes.AMOUNT_TOO_LARGE;
    case 'AMOUNT_EXCEEDS_AVAILABLE':
      return codes.AMOUNT_TOO_LARGE;
    case 'METHOD_NOT_SUPPORTED':
      if (op !== 'cancel') break;
      if (reason === 'partial_not_supported') return payMethod && isVaCvs(payMethod) ? codes.VA_PARTIAL : codes.MERCHANT_CANNOT_PARTIAL;
      // Paid, and the method may not be canceled after payment: VA/CVS (and QRIS) deposits.
      return payMethod && isPaidOffline(payMethod) ? codes.VA_PAID : codes.MERCHANT_CANNOT_CANCEL;
    case 'API_NOT_ENABLED':
      if (op === 'cancel') return codes.MERCHANT_CANNOT_CANCEL;
      break;
    case 'CANCEL_WINDOW_EXCEEDED':
      return codes.WINDOW_EXCEEDED;
  }
  // Every other refusal of a cancel (wrong state, refunded, balance, payer) is the map's 9314,
  // with NICEPAY's exact text: clients compare resultMsg byte for byte.
  const resultCd = NICEPAY_ERRORS[err.code];
  if (op === 'cancel' && resultCd === codes.CANNOT_CANCEL.resultCd) return codes.CANNOT_CANCEL;
  return { resultCd: resultCd || NICEPAY_ERRORS.INTERNAL, resultMsg: err.message };
}

/** "Undefined: <field>" with the field's code; cancel's amt and cancelType have codes of their own. */
function parameterError(err: KasirError, op: Operation): codes.NicepayResult {
  const field = err.field ?? '';
  if (op === 'cancel' && field === 'amt') return codes.NO_CANCEL_AMOUNT;
  if (op === 'cancel' && field === 'cancelType' && err.details?.reason !== 'missing') return codes.INVALID_CANCEL_TYPE;
  if (field === 'cartData' && err.details?.reason === 'cart_total') return { resultCd: codes.CART_MISMATCH.resultCd, resultMsg: codes.CART_MISMATCH.resultMsg };
  if (err.details?.reason === 'missing') return codes.undefinedField(field);
  if (!field || field === 'body') return { resultCd: NICEPAY_ERRORS.INVALID_PARAMETER, resultMsg: err.message };
  return { resultCd: codes.undefinedField(field).resultCd, resultMsg: err.message };
}

/**
 * The inquiry `status` code (docs/nicepay-api.md table) of a payment. "Canceled" splits by whether the
 * money had moved: before payment it is a void (cards, e-wallets) or an expiry (VA, CVS, QRIS);
 * after payment a refund (cards, e-wallets, QRIS) or a reversal (VA). Partial cancels leave the
 * payment paid, with `cancelAmt` telling how much went back.
 */
export function statusCode(p: Payment, pm: PayMethod): number {
  const givenBack = p.status === 'canceled' ? p.succeededAt !== null : p.amountRefunded > 0n;
  const s = p.status;
  switch (pm) {
    case '01':
      if (s === 'succeeded' || s === 'requires_capture') return givenBack ? 2 : 0;
      if (s === 'canceled') return givenBack ? 2 : 1;
      if (s === 'payment_failed' || s === 'expired') return 8;
      return 9;
    case '02':
      if (s === 'succeeded') return givenBack ? 1 : 0;
      if (s === 'canceled') return givenBack ? 1 : 4;
      if (s === 'expired' || s === 'payment_failed') return 4;
      return 3;
    case '03':
      if (s === 'succeeded') return 0;
      if (s === 'canceled' || s === 'expired' || s === 'payment_failed') return 4;
      if (s === 'requires_action') return 3;
      return 5; // registered, or the payment code's issue is still being reconciled
    case '05':
      if (s === 'succeeded' || s === 'requires_capture') return givenBack ? 2 : 0;
      if (s === 'canceled') return givenBack ? 2 : 1;
      if (s === 'requires_action') return 3;
      if (s === 'processing') return 4;
      if (s === 'expired') return 5;
      if (s === 'payment_failed') return 8;
      return 9;
    case '08':
      if (s === 'succeeded') return givenBack ? 2 : 0;
      if (s === 'canceled') return givenBack ? 2 : 5;
      if (s === 'processing') return 4;
      if (s === 'expired' || s === 'payment_failed') return 5;
      return 3;
  }
}

export function statusOf(p: Payment, pm: PayMethod): { status: string; word: string } {
  const code = statusCode(p, pm);
  return { status: String(code), word: statusWord(pm, code) ?? 'unknown' };
}

/** WIB date and time of a moment, or nulls. */
export function wibOrNull(d: Date | null): { dt: string | null; tm: string | null } {
  if (!d) return { dt: null, tm: null };
  const w = wibParts(d);
  return { dt: w.transDt, tm: w.transTm };
}

/** Everything given back so far: partial and full cancels, and refunds made through other dialects. */
export const cancelAmt = (p: Payment): string => minorToRupiah(p.amountCanceled + p.amountRefunded);

/** The sandbox approval code of a card payment, derived from the processor's reference. */
export function authNo(p: Payment): string | null {
  if (!p.processorRef || p.succeededAt === null) return null;
  let h = 0;
  for (const c of p.processorRef) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return String(h % 1_000_000).padStart(6, '0');
}

/** The method's own fields, as registration, inquiry and notifications show them. */
export function methodFields(d: NicepayData): Record<string, string | null> {
  switch (d.payMethod) {
    case '02':
      return { bankCd: d.bankCd ?? null, vacctNo: d.vacctNo ?? null, vacctValidDt: d.vacctValidDt ?? null, vacctValidTm: d.vacctValidTm ?? null };
    case '03':
      return { mitraCd: d.mitraCd ?? null, payNo: d.payNo ?? null, payValidDt: d.payValidDt ?? null, payValidTm: d.payValidTm ?? null };
    case '08':
      return { mitraCd: d.mitraCd ?? null, qrContent: d.qrContent ?? null, qrUrl: d.qrUrl ?? null, paymentExpDt: d.paymentExpDt ?? null, paymentExpTm: d.paymentExpTm ?? null };
    case '05':
      return { mitraCd: d.mitraCd ?? null };
    case '01':
      return { instmntType: d.instmntType ?? null, instmntMon: d.instmntMon ?? null, recurrOpt: d.recurrOpt ?? null };
  }
}
