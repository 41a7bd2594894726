// POST /nicepay/direct/v2/cancel (seed 003): cancelType 1 cancels everything that remains, 2 the
// partial `amt`. Which payment may be canceled when, and for how much, is the core's decision
// (cancel-decision.ts with the 'nicepay' profile contract); this file translates the request and
// renders the seed's response, or the code table's resultCd for the refusal.
import { KasirError } from '../../../core/errors.ts';
import { cancelPayment } from '../../../core/payments/cancel.ts';
import { authenticate, type NicepayDeps } from '../auth.ts';
import { invalid, minorToRupiah, missing, opt, req, requireFields } from '../fields.ts';
import { isPayMethod } from '../methods.ts';
import { nicepayData, nicepayError } from '../render.ts';
import type { NicepayReply, NicepayRequest } from '../route.ts';
import { cancelToken } from '../token.ts';
import { canonicalAmount } from '../transport.ts';
import { parseTxid } from '../txid.ts';

const REQUIRED = ['timeStamp', 'tXid', 'iMid', 'payMethod', 'cancelType', 'merchantToken'] as const;

export async function cancelHandler(deps: NicepayDeps, r: NicepayRequest): Promise<NicepayReply> {
  const f = r.fields;
  const pm = opt(f, 'payMethod');
  try {
    return { json: await cancel(deps, r) };
  } catch (err) {
    // The payMethod picks between codes that differ only by method (9318 / 9332, 9330 / 9331).
    return { json: { ...nicepayError(err, 'cancel', isPayMethod(pm) ? pm : undefined) } };
  }
}

async function cancel(deps: NicepayDeps, r: NicepayRequest): Promise<Record<string, unknown>> {
  const f = r.fields;
  requireFields(f, REQUIRED);
  const rawAmt = opt(f, 'amt');
  if (rawAmt === undefined) throw missing('amt'); // 9312 "no cancellation amount"
  const amt = canonicalAmount(rawAmt);
  const tXid = req(f, 'tXid');
  const auth = await authenticate(deps, req(f, 'iMid'), r.requestId, opt(f, 'merchantToken'), (merchantKey) =>
    [rawAmt, amt ?? rawAmt].map((a) => cancelToken({ timeStamp: req(f, 'timeStamp'), iMid: req(f, 'iMid'), tXid, amt: a, merchantKey })),
  );
  const cancelType = req(f, 'cancelType');
  if (!/^0?[12]$/.test(cancelType)) throw invalid('cancelType', 'must be 1 (full) or 2 (partial)');
  if (amt === null) throw invalid('amt', 'must be the amount to cancel in whole Rupiah');
  if (amt === '0') throw new KasirError('CANCEL_AMOUNT_INVALID', 'amount must be greater than zero', { details: { reason: 'not_positive' } });
  // A tXid carries its payMethod (chars 11–12): a request naming another payMethod names no
  // transaction of this iMid, exactly like an unknown tXid (9314).
  if (parseTxid(tXid)?.payMethod !== req(f, 'payMethod')) throw new KasirError('PAYMENT_NOT_FOUND', 'Transaction not found');
  const full = cancelType.endsWith('1');
  const { payment, amount } = await cancelPayment(deps.core, auth.ctx, {
    ref: { nicepayTxid: tXid },
    reason: opt(f, 'cancelMsg')?.slice(0, 255) ?? null,
    ...(full ? { full: true } : { amount: BigInt(amt) * 100n, partial: true }),
  });
  const d = nicepayData(payment);
  // The cancel's own transaction id, shaped like a tXid.
  const { tXid: canceltXid } = await deps.txids.nextTxid(d.iMid, d.payMethod);
  return {
    resultCd: '0000',
    resultMsg: 'SUCCESS',
    tXid: payment.nicepayTxid,
    referenceNo: payment.nicepayReferenceNo,
    transDt: d.transDt,
    transTm: d.transTm,
    description: d.description,
    amt: minorToRupiah(amount),
    canceltXid,
  };
}
