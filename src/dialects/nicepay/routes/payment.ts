// GET|POST /nicepay/direct/v2/payment: the browser step of card and e-wallet payments. The answer is
// always an HTML page: the hand-back to callBackUrl with the result, the sandbox's 3-D Secure or
// e-wallet approval page, a live payment's way on to its upstream provider's payment page, or (when
// the request cannot be trusted to name a callBackUrl) an error page. Clients often send only tXid,
// timeStamp and merchantToken: the token is recomputed from the referenceNo and amt stored for the tXid.
import { randomUUID } from 'node:crypto';
import { KasirError } from '../../../core/errors.ts';
import { confirmPayment } from '../../../core/payments/confirm.ts';
import type { Payment } from '../../../core/payments/model.ts';
import { expireIfDue } from '../../../core/payments/pending.ts';
import { findPayment } from '../../../core/payments/repo.ts';
import type { CardData } from '../../../core/processors/processor.ts';
import { credentialFor, verifyToken, type Authenticated, type NicepayDeps } from '../auth.ts';
import { NICEPAY_ERRORS } from '../error-map.ts';
import { httpUrl, invalid, minorToRupiah, missing, opt, req, requireFields, type Fields } from '../fields.ts';
import { callbackTarget, challengePage, errorPage, redirectPage } from '../html.ts';
import { isLive, upstreamPage } from '../live.ts';
import { authNo, nicepayData, nicepayError, transactionFields } from '../render.ts';
import type { NicepayResult } from '../result-codes.ts';
import { SUCCESS } from '../result-codes.ts';
import type { NicepayReply, NicepayRequest } from '../route.ts';
import { paymentToken } from '../token.ts';
import { parseTxid } from '../txid.ts';

export const SANDBOX_PAY_PATH = '/nicepay/sandbox/pay';

/** The page sending a live buyer on to the provider: nothing is decided yet, the request was fine. */
const CONTINUE_UPSTREAM: NicepayResult = { resultCd: SUCCESS.resultCd, resultMsg: 'Continue to the payment page' };

export interface Located {
  auth: Authenticated;
  payment: Payment;
}

/**
 * Finds the tXid's payment and checks merchantToken = SHA256(timeStamp + iMid + referenceNo + amt +
 * merchantKey) with the stored referenceNo and amt (the payment formula; the sandbox buyer too).
 */
export async function locateByTxid(deps: NicepayDeps, f: Fields, requestId: string): Promise<Located> {
  requireFields(f, ['timeStamp', 'tXid', 'merchantToken']);
  const tXid = req(f, 'tXid');
  const iMid = parseTxid(tXid)?.iMid;
  const given = opt(f, 'iMid');
  if (!iMid || (given !== undefined && given !== iMid)) throw new KasirError('PAYMENT_NOT_FOUND', 'Transaction not found');
  const cred = await credentialFor(deps, iMid);
  const found = await findPayment(deps.core.db, cred.merchant.id, { nicepayTxid: tXid });
  // The token binds the transaction's referenceNo and amt, so it is checked against them — and, for a
  // tXid that does not exist, against values no token can match: a caller without the merchantKey
  // gets 9010 either way and cannot learn which tXids exist (they are guessable: iMid + time + seq).
  const auth = await verifyToken(deps, cred, requestId, opt(f, 'merchantToken'), (merchantKey) => [
    paymentToken({ timeStamp: req(f, 'timeStamp'), iMid, referenceNo: found?.nicepayReferenceNo ?? randomUUID(), amt: found ? minorToRupiah(found.amount) : '-1', merchantKey }),
  ]);
  if (!found) throw new KasirError('PAYMENT_NOT_FOUND', 'Transaction not found');
  return { auth, payment: (await expireIfDue(deps.core, found)) ?? found };
}

/** What the merchant's callBackUrl receives, as query parameters. */
export function callbackParams(p: Payment, result: NicepayResult, card?: { cardNo: string; cardExpYymm?: string }) {
  const d = nicepayData(p);
  return {
    ...transactionFields(p, d, result),
    ...(d.payMethod === '01' ? { authNo: authNo(p), cardNo: card ? maskCard(card.cardNo) : undefined, cardExpYymm: card?.cardExpYymm } : {}),
    ...(d.mitraCd ? { mitraCd: d.mitraCd } : {}),
  };
}

export const maskCard = (n: string) => (n.length > 10 ? n.slice(0, 6) + '*'.repeat(n.length - 10) + n.slice(-4) : '*'.repeat(n.length));

/** The result of a payment attempt as the browser hands it back. */
export function outcomeResult(p: Payment): NicepayResult {
  switch (p.status) {
    case 'succeeded':
    case 'requires_capture':
      return SUCCESS;
    case 'payment_failed':
      return { resultCd: NICEPAY_ERRORS.PROCESSOR_DECLINED, resultMsg: 'Payment declined' };
    case 'processing':
      return { resultCd: NICEPAY_ERRORS.OUTCOME_UNKNOWN, resultMsg: 'The outcome is not known yet; check it with inquiry' };
    default:
      return { resultCd: NICEPAY_ERRORS.INVALID_STATE, resultMsg: `The transaction is ${p.status.replace(/_/g, ' ')}` };
  }
}

export async function paymentHandler(deps: NicepayDeps, r: NicepayRequest): Promise<NicepayReply> {
  let located: Located;
  let callBackUrl: string;
  try {
    located = await locateByTxid(deps, r.fields, r.requestId);
    const url = httpUrl(r.fields, 'callBackUrl', false) ?? nicepayData(located.payment).callBackUrl;
    if (!url) throw missing('callBackUrl');
    callBackUrl = url;
  } catch (err) {
    // Unauthenticated or without a place to return to: show the refusal, never redirect.
    return { html: errorPage(nicepayError(err, 'payment')) };
  }
  const f = r.fields;
  let card: { cardNo: string; cardExpYymm?: string } | undefined;
  try {
    const { auth } = located;
    let p = located.payment;
    const d = nicepayData(p);
    if (d.payMethod !== '01' && d.payMethod !== '05') {
      throw new KasirError('INVALID_STATE', 'This payMethod is paid at the bank, the store or by scanning the QR, not through payment');
    }
    const live = isLive(p);
    if (p.status === 'requires_payment_method' || p.status === 'requires_confirmation') {
      // A live buyer types the card on the provider's page: without card fields the charge is
      // submitted as is; with them, the core refuses it (LIVE_MODE) and the refusal is handed back.
      const cardData = d.payMethod === '01' && (!live || opt(f, 'cardNo') !== undefined) ? readCard(f, deps.core.clock.now()) : undefined;
      if (cardData) card = { cardNo: cardData.number!, cardExpYymm: opt(f, 'cardExpYymm') };
      p = (await confirmPayment(deps.core, auth.ctx, { ref: { id: p.id }, card: cardData })).payment;
    } else if (p.status !== 'requires_action') {
      throw new KasirError('INVALID_STATE', `The transaction is already ${p.status.replace(/_/g, ' ')}`);
    }
    if (p.status === 'requires_action' && live) {
      // The buyer pays on the upstream provider's page; it hands the browser back itself.
      const page = upstreamPage(p);
      if (!page) throw new KasirError('INVALID_STATE', 'The payment provider gave no payment page for this transaction');
      return { html: redirectPage(page, CONTINUE_UPSTREAM) };
    }
    if (p.status === 'requires_action') {
      return {
        html: challengePage({
          kind: d.payMethod === '01' ? '3ds' : 'ewallet',
          tXid: p.nicepayTxid!,
          amt: minorToRupiah(p.amount),
          partner: d.mitraCd ?? null,
          timeStamp: req(f, 'timeStamp'),
          merchantToken: req(f, 'merchantToken'),
          callBackUrl,
          action: SANDBOX_PAY_PATH,
        }),
      };
    }
    const result = outcomeResult(p);
    return { html: redirectPage(callbackTarget(callBackUrl, callbackParams(p, result, card)), result) };
  } catch (err) {
    const result = nicepayError(err, 'payment');
    return { html: redirectPage(callbackTarget(callBackUrl, callbackParams(located.payment, result, card)), result) };
  }
}

/** Card fields: cardNo (12–19 digits), cardExpYymm (YYMM, not past), cardCvv (3–4 digits). */
function readCard(f: Fields, now: Date): CardData {
  const number = req(f, 'cardNo').replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(number)) throw invalid('cardNo', 'must be 12 to 19 digits');
  const exp = req(f, 'cardExpYymm');
  const m = /^(\d{2})(\d{2})$/.exec(exp);
  const month = m ? Number(m[2]) : 0;
  if (!m || month < 1 || month > 12) throw invalid('cardExpYymm', 'must be YYMM');
  const year = 2000 + Number(m[1]);
  // Valid through the last day of its month (UTC+7, like every NICEPAY date).
  if (Date.UTC(year, month, 1) - 7 * 3600_000 <= now.getTime()) throw invalid('cardExpYymm', 'the card has expired');
  const cvc = req(f, 'cardCvv');
  if (!/^\d{3,4}$/.test(cvc)) throw invalid('cardCvv', 'must be 3 or 4 digits');
  return { number, cvc, expMonth: month, expYear: year };
}
