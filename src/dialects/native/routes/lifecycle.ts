// confirm, capture, cancel, refund and the sandbox buyer: each parses its body, calls one core
// operation and renders the result.
import { capturePayment } from '../../../core/payments/capture.ts';
import { cancelPayment } from '../../../core/payments/cancel.ts';
import { confirmPayment } from '../../../core/payments/confirm.ts';
import { completeByBuyer } from '../../../core/payments/buyer.ts';
import { refundPayment } from '../../../core/payments/refund.ts';
import { readPayment } from '../../../core/payments/pending.ts';
import { invalidParameter } from '../../../core/errors.ts';
import { parseJsonObject, validator } from '../../../http/validate.ts';
import { ok, renderPayment, renderRefund } from '../render.ts';
import type { NativeDeps, NativeRequest } from '../route.ts';
import { CancelBody, CaptureBody, ConfirmBody, RefundBody, SandboxPayBody } from '../schemas.ts';
import { parseAmount } from './create.ts';
import { paymentRef } from './payment-ref.ts';

const checkConfirm = validator(ConfirmBody);
const checkCapture = validator(CaptureBody);
const checkCancel = validator(CancelBody);
const checkRefund = validator(RefundBody);
const checkSandboxPay = validator(SandboxPayBody);

/** The payment's currency decides how many decimals an amount may have, so read it first. */
async function currencyOf(deps: NativeDeps, r: NativeRequest): Promise<string> {
  return (await readPayment(deps.core, r.ctx, paymentRef(r.params.id))).currency;
}

export async function confirmHandler(deps: NativeDeps, r: NativeRequest) {
  const ref = paymentRef(r.params.id);
  const body = checkConfirm.check(parseJsonObject(r.body, true));
  if (body.paymentMethodData?.card && body.paymentMethod && body.paymentMethod !== 'card') {
    throw invalidParameter('paymentMethodData.card', 'requires paymentMethod card');
  }
  const result = await confirmPayment(deps.core, r.ctx, { ref, paymentMethod: body.paymentMethod, card: body.paymentMethodData?.card });
  return ok(renderPayment(result.payment), result.outcomeUnknown ? 202 : 200);
}

export async function captureHandler(deps: NativeDeps, r: NativeRequest) {
  const ref = paymentRef(r.params.id);
  const body = checkCapture.check(parseJsonObject(r.body, true));
  const amount = body.amountToCapture === undefined ? undefined : parseAmount(body.amountToCapture, await currencyOf(deps, r), 'amountToCapture');
  return ok(renderPayment(await capturePayment(deps.core, r.ctx, { ref, amount })));
}

export async function cancelHandler(deps: NativeDeps, r: NativeRequest) {
  const ref = paymentRef(r.params.id);
  const body = checkCancel.check(parseJsonObject(r.body, true));
  const result = await cancelPayment(deps.core, r.ctx, { ref, reason: body.cancellationReason ?? null, full: false });
  return ok(renderPayment(result.payment));
}

export async function refundHandler(deps: NativeDeps, r: NativeRequest) {
  const ref = paymentRef(r.params.id);
  const body = checkRefund.check(parseJsonObject(r.body, true));
  const amount = body.amount === undefined ? undefined : parseAmount(body.amount, await currencyOf(deps, r), 'amount');
  const { payment, refund } = await refundPayment(deps.core, r.ctx, { ref, amount, reason: body.reason ?? null });
  return ok({ ...renderRefund(refund), payment: renderPayment(payment) }, 201);
}

export async function sandboxPayHandler(deps: NativeDeps, r: NativeRequest) {
  const ref = paymentRef(r.params.id);
  const body = checkSandboxPay.check(parseJsonObject(r.body, false));
  return ok(renderPayment(await completeByBuyer(deps.core, r.ctx, ref, body.outcome)));
}
