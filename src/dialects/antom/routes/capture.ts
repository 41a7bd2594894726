// capture: a manual-capture card's authorization is captured once (the core releases the rest, so
// every capture behaves as isLastCapture). captureRequestId is the idempotency key and is recorded
// as the capture event's request id, so inquiryPayment shows it on the CAPTURE transaction.
import { capturePayment } from '../../../core/payments/capture.ts';
import { readPayment } from '../../../core/payments/pending.ts';
import { listEvents } from '../../../core/payments/repo.ts';
import { validator } from '../../../http/validate.ts';
import { amount, compact, SUCCESS, time, type AntomBody } from '../render.ts';
import { idempotent, type AntomDeps, type AntomRequest } from '../route.ts';
import { CaptureBody, minorUnits } from '../schemas.ts';
import { eventTransactionId } from '../transactions.ts';

const check = validator(CaptureBody);

export async function capture(deps: AntomDeps, r: AntomRequest): Promise<AntomBody> {
  const body = check.check(r.body);
  const ref = { antomPaymentId: body.paymentId };
  return idempotent(r, {
    scope: 'antom-capture',
    key: body.captureRequestId,
    request: r.body,
    run: async (ctx) => {
      const { currency } = await readPayment(deps.core, ctx, ref);
      const minor = minorUnits(body.captureAmount, 'captureAmount', currency);
      const p = await capturePayment(deps.core, { ...ctx, requestId: body.captureRequestId }, { ref, amount: minor });
      const captured = (await listEvents(deps.core.db, p.id)).findLast((e) => e.type === 'captured');
      return compact({
        result: SUCCESS(),
        captureRequestId: body.captureRequestId,
        captureId: captured ? eventTransactionId(p, captured.id) : undefined,
        paymentId: p.antomPaymentId ?? undefined,
        captureAmount: amount(p.amountReceived, p.currency),
        captureTime: time(p.capturedAt),
      });
    },
  });
}
