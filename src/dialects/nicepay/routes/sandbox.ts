// POST /nicepay/sandbox/pay: the sandbox buyer. Pays (or, with outcome=failed, fails) a VA, CVS or
// QRIS transaction awaiting the buyer, completes a card's 3-D Secure challenge or an e-wallet
// approval. Authenticated like `payment`: merchantToken = SHA256(timeStamp + iMid + referenceNo +
// amt + merchantKey) with the tXid's stored referenceNo and amt. With a callBackUrl (the approval
// pages post one) the answer is the browser hand-back; otherwise JSON shaped like inquiry.
import { completeByBuyer } from '../../../core/payments/buyer.ts';
import type { NicepayDeps } from '../auth.ts';
import { httpUrl, invalid, opt } from '../fields.ts';
import { callbackTarget, errorPage, redirectPage } from '../html.ts';
import { nicepayError } from '../render.ts';
import type { NicepayReply, NicepayRequest } from '../route.ts';
import { inquiryResponse } from './inquiry.ts';
import { callbackParams, locateByTxid, outcomeResult, type Located } from './payment.ts';

export async function sandboxPayHandler(deps: NicepayDeps, r: NicepayRequest): Promise<NicepayReply> {
  const f = r.fields;
  const browser = opt(f, 'callBackUrl') !== undefined;
  let located: Located;
  let callBackUrl: string | undefined;
  try {
    located = await locateByTxid(deps, f, r.requestId);
    callBackUrl = httpUrl(f, 'callBackUrl', false);
  } catch (err) {
    if (browser) return { html: errorPage(nicepayError(err, 'sandbox')) };
    throw err;
  }
  try {
    const outcome = opt(f, 'outcome') ?? 'paid';
    if (outcome !== 'paid' && outcome !== 'failed') throw invalid('outcome', 'must be paid or failed');
    const p = await completeByBuyer(deps.core, located.auth.ctx, { id: located.payment.id }, outcome === 'paid' ? 'succeeded' : 'failed');
    if (!callBackUrl) return { json: { ...inquiryResponse(p), resultMsg: 'SUCCESS' } };
    const result = outcomeResult(p);
    return { html: redirectPage(callbackTarget(callBackUrl, callbackParams(p, result)), result) };
  } catch (err) {
    if (!callBackUrl) throw err;
    const result = nicepayError(err, 'sandbox');
    return { html: redirectPage(callbackTarget(callBackUrl, callbackParams(located.payment, result)), result) };
  }
}
