import { invalidParameter } from '../../../core/errors.ts';
import { isCurrency, parseMajor } from '../../../core/money.ts';
import { createPayment } from '../../../core/payments/create.ts';
import { confirmPayment } from '../../../core/payments/confirm.ts';
import { parseJsonObject, validator } from '../../../http/validate.ts';
import { isoDateTimeParser } from '../../../http/datetime.ts';
import { ok, renderPayment } from '../render.ts';
import type { NativeRequest } from '../route.ts';
import { CreatePaymentBody } from '../schemas.ts';
import type { NativeDeps } from '../route.ts';

const check = validator(CreatePaymentBody);
const DEFAULT_EXPIRY_SECONDS = 3600; // seed 002's example expires one hour after creation

export function parseAmount(text: string, currency: string, field: string): bigint {
  const parsed = parseMajor(text, currency);
  if (!parsed.ok) throw invalidParameter(field, parsed.reason);
  return parsed.minor;
}

const parseIso = isoDateTimeParser({ fractionDigits: 3, compactOffset: false });

export function parseTime(text: string, field: string): Date {
  const date = parseIso(text);
  if (!date) throw invalidParameter(field, 'must be an ISO 8601 date-time with a time zone, between years 1 and 9999');
  return date;
}

export async function createHandler(deps: NativeDeps, r: NativeRequest) {
  const body = check.check(parseJsonObject(r.body, false));
  if (!isCurrency(body.currency)) throw invalidParameter('currency', 'is not a supported ISO 4217 currency');
  const amount = parseAmount(body.amount, body.currency, 'amount');
  const now = deps.core.clock.now();
  if (body.expiresAt !== undefined && body.expiresInSeconds !== undefined) throw invalidParameter('expiresAt', 'cannot be combined with expiresInSeconds');
  const expiresAt = body.expiresAt !== undefined ? parseTime(body.expiresAt, 'expiresAt') : new Date(now.getTime() + (body.expiresInSeconds ?? DEFAULT_EXPIRY_SECONDS) * 1000);
  if (expiresAt <= now) throw invalidParameter('expiresAt', 'must be in the future');
  if (body.confirm && !body.paymentMethod) throw invalidParameter('paymentMethod', 'is required when confirm is true');
  if (body.paymentMethodData?.card && body.paymentMethod !== 'card') throw invalidParameter('paymentMethodData.card', 'requires paymentMethod card');
  let payment = await createPayment(deps.core, r.ctx, {
    profile: 'native',
    amount,
    currency: body.currency,
    paymentMethod: body.paymentMethod,
    captureMethod: body.captureMethod,
    referenceId: body.referenceId,
    description: body.description,
    metadata: body.metadata,
    expiresAt,
    card: body.confirm ? body.paymentMethodData?.card : undefined,
  });
  if (body.confirm) {
    const confirmed = await confirmPayment(deps.core, r.ctx, { ref: { id: payment.id }, card: body.paymentMethodData?.card });
    payment = confirmed.payment;
    if (confirmed.outcomeUnknown) return ok(renderPayment(payment), 202);
  }
  return ok(renderPayment(payment), 201);
}
