// inquiryRefund: by refundId (wins) or refundRequestId, within the calling merchant. Core refunds
// complete synchronously, so a refund that exists is a SUCCESS.
import { invalidParameter, KasirError } from '../../../core/errors.ts';
import { getPaymentById } from '../../../core/payments/repo.ts';
import { findRefund } from '../../../core/payments/refund.ts';
import { validator } from '../../../http/validate.ts';
import { SUCCESS, type AntomBody } from '../render.ts';
import type { AntomDeps, AntomRequest } from '../route.ts';
import { InquiryRefundBody } from '../schemas.ts';
import { refundFields } from './refund.ts';

const check = validator(InquiryRefundBody);

export async function inquiryRefund(deps: AntomDeps, r: AntomRequest): Promise<AntomBody> {
  const body = check.check(r.body);
  if (body.refundId === undefined && body.refundRequestId === undefined) throw invalidParameter('refundId', 'and refundRequestId cannot both be null');
  const ref = body.refundId !== undefined ? { id: body.refundId } : { requestId: body.refundRequestId! };
  const rf = await findRefund(deps.core, r.ctx.merchant.id, ref);
  const p = rf ? await getPaymentById(deps.core.db, rf.paymentId) : null;
  if (!rf || !p || (body.merchantAccountId && p.merchantAccountId !== body.merchantAccountId)) {
    throw new KasirError('REFUND_NOT_FOUND', 'Refund not found');
  }
  return { result: SUCCESS(), refundStatus: 'SUCCESS', ...refundFields(p, rf) };
}
