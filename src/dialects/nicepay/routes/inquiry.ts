// POST /nicepay/direct/v2/inquiry: the transaction's status (docs/nicepay-api.md status table), the
// amount canceled so far, and the registration data. Found by tXid, or by referenceNo when the
// client sends no tXid; referenceNo and amt must match it too, or it is "not found" (9228).
import { KasirError } from '../../../core/errors.ts';
import { readPayment } from '../../../core/payments/pending.ts';
import type { Payment } from '../../../core/payments/model.ts';
import { authenticate, type NicepayDeps } from '../auth.ts';
import { minorToRupiah, opt, req, requireFields } from '../fields.ts';
import { authNo, cancelAmt, methodFields, nicepayData, statusOf, wibOrNull } from '../render.ts';
import type { NicepayReply, NicepayRequest } from '../route.ts';
import { inquiryToken } from '../token.ts';
import { canonicalAmount } from '../transport.ts';

const REQUIRED = ['timeStamp', 'iMid', 'referenceNo', 'amt', 'merchantToken'] as const;

export async function inquiryHandler(deps: NicepayDeps, r: NicepayRequest): Promise<NicepayReply> {
  const f = r.fields;
  requireFields(f, REQUIRED);
  const rawAmt = req(f, 'amt');
  const amt = canonicalAmount(rawAmt);
  const referenceNo = req(f, 'referenceNo');
  const auth = await authenticate(deps, req(f, 'iMid'), r.requestId, opt(f, 'merchantToken'), (merchantKey) =>
    [rawAmt, amt ?? rawAmt].map((a) => inquiryToken({ timeStamp: req(f, 'timeStamp'), iMid: req(f, 'iMid'), referenceNo, amt: a, merchantKey })),
  );
  const tXid = opt(f, 'tXid');
  const ref = tXid ? { nicepayTxid: tXid } : { nicepayReferenceNo: referenceNo };
  // A read through readPayment applies a due expiry first, so the status is never stale.
  const p = await readPayment(deps.core, auth.ctx, ref);
  if (p.nicepayReferenceNo !== referenceNo || amt === null || minorToRupiah(p.amount) !== amt) {
    throw new KasirError('PAYMENT_NOT_FOUND', 'Transaction not found');
  }
  return { json: inquiryResponse(p) };
}

export function inquiryResponse(p: Payment): Record<string, unknown> {
  const d = nicepayData(p);
  const { status, word } = statusOf(p, d.payMethod);
  const deposit = wibOrNull(p.succeededAt);
  const card = d.payMethod === '01' ? { authNo: authNo(p), cardNo: null, issuBankCd: null, acquBankCd: null } : {};
  return {
    resultCd: '0000',
    resultMsg: word,
    tXid: p.nicepayTxid,
    iMid: d.iMid,
    referenceNo: p.nicepayReferenceNo,
    payMethod: d.payMethod,
    amt: minorToRupiah(p.amount),
    cancelAmt: cancelAmt(p),
    reqDt: d.transDt,
    reqTm: d.transTm,
    transDt: d.transDt,
    transTm: d.transTm,
    depositDt: deposit.dt,
    depositTm: deposit.tm,
    currency: d.currency,
    goodsNm: d.goodsNm,
    billingNm: d.billingNm,
    description: d.description,
    status,
    ...methodFields(d),
    ...card,
  };
}
