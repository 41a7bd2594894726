// Antom request bodies as TypeBox schemas (one source for validation and the handlers' types).
// Leniency where the SDKs differ (docs/antom-api.md "Common objects"): explicit nulls are absent (NET),
// booleans arrive as JSON booleans (JAVA) or "true" strings (docs), Amount.value as a string or a
// number. Unknown fields are allowed: SDKs send many optional objects (env, buyer, goods …) that
// the sandbox does not need, and refusing them would break unchanged merchant code.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { isoDateTimeParser } from '../../http/datetime.ts';
import { invalidParameter, KasirError } from '../../core/errors.ts';
import { parseMinor } from '../../core/money.ts';
import { literals } from '../../core/schema-helpers.ts';

const Str = (max: number, min = 1) => Type.String({ maxLength: max, minLength: min });
const Obj = <T extends Record<string, TSchema>>(props: T) => Type.Object(props);

export const BoolLike = Type.Union([Type.Boolean(), Type.Literal('true'), Type.Literal('false')]);
export const AmountSchema = Obj({
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  value: Type.Union([Type.String({ pattern: '^[0-9]{1,16}$' }), Type.Integer({ minimum: 0 })]),
});
const Url = Type.String({ maxLength: 2048, minLength: 1, pattern: '^https?://' });

export const PayBody = Obj({
  productCode: literals(['CASHIER_PAYMENT', 'AGREEMENT_PAYMENT', 'IN_STORE_PAYMENT'] as const),
  paymentRequestId: Str(64),
  paymentAmount: AmountSchema,
  paymentMethod: Obj({
    paymentMethodType: Type.String({ maxLength: 64, minLength: 1, pattern: '^[A-Za-z0-9_]+$' }),
    paymentMethodId: Type.Optional(Str(128)),
    // Server-to-server card payments carry the card here; without it the buyer enters it on the checkout page.
    paymentMethodMetaData: Type.Optional(Obj({ cardNo: Type.Optional(Type.String({ pattern: '^[0-9 -]{12,23}$' })) })),
  }),
  order: Obj({
    referenceOrderId: Type.Optional(Str(64)),
    orderDescription: Type.Optional(Str(256, 0)),
    orderAmount: Type.Optional(AmountSchema),
  }),
  paymentRedirectUrl: Type.Optional(Url),
  paymentNotifyUrl: Type.Optional(Url),
  paymentExpiryTime: Type.Optional(Str(64)),
  paymentFactor: Type.Optional(Obj({ captureMode: Type.Optional(literals(['AUTOMATIC', 'MANUAL'] as const)), isAuthorization: Type.Optional(BoolLike) })),
  merchantAccountId: Type.Optional(Str(32)),
});
export type PayBody = Static<typeof PayBody>;

/** cancel and inquiryPayment: seed 000's lengths (64 / 64 / 32). */
export const PaymentLookupBody = Obj({
  paymentId: Type.Optional(Str(64)),
  paymentRequestId: Type.Optional(Str(64)),
  merchantAccountId: Type.Optional(Str(32)),
});
export type PaymentLookupBody = Static<typeof PaymentLookupBody>;

export const CaptureBody = Obj({
  captureRequestId: Str(64),
  paymentId: Str(64),
  captureAmount: AmountSchema,
  isLastCapture: Type.Optional(BoolLike),
});

export const RefundBody = Obj({
  refundRequestId: Str(64),
  paymentId: Str(64),
  refundAmount: AmountSchema,
  refundReason: Type.Optional(Str(256, 0)),
  refundNotifyUrl: Type.Optional(Url),
});

export const InquiryRefundBody = Obj({
  refundId: Type.Optional(Str(64)),
  refundRequestId: Type.Optional(Str(64)),
  merchantAccountId: Type.Optional(Str(32)),
});

/**
 * Explicit nulls (NET sends every field) mean "absent": remove them before validation. Recursive:
 * the body's depth is bounded before it is parsed (http/json-bounds.ts, through parseJsonObject).
 */
export function stripNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.map(stripNulls) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = stripNulls(v);
    return out as T;
  }
  return value;
}

/**
 * The request as a value, independent of how an SDK wrote it: keys sorted, nulls dropped, every
 * scalar as text (Antom says every field is a string; "1000" and 1000, "true" and true are equal).
 * Idempotency compares this, never the raw bytes (indentation differs between SDKs).
 */
export function canonical(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== null).map((k) => [k, norm((v as Record<string, unknown>)[k])]),
      );
    }
    return String(v);
  };
  return JSON.stringify(norm(value));
}

/** Amount → minor units, checking the currency the caller must use. */
export function minorUnits(a: Static<typeof AmountSchema>, field: string, currency?: string): bigint {
  if (currency !== undefined && a.currency !== currency) throw new KasirError('CURRENCY_MISMATCH', `${field}.currency must be ${currency}`, { field });
  const parsed = parseMinor(a.value);
  if (!parsed.ok) throw invalidParameter(`${field}.value`, parsed.reason);
  return parsed.minor;
}


/** Antom writes offsets with or without the colon and seconds with up to nanoseconds. */
const parseIso = isoDateTimeParser({ fractionDigits: 9, compactOffset: true });

/** An ISO 8601 date-time with an offset, as Antom sends them (e.g. 2019-11-27T12:01:01+08:00). */
export function parseDateTime(text: string, field: string): Date {
  const date = parseIso(text);
  if (!date) throw invalidParameter(field, 'must be an ISO 8601 date-time with an offset');
  return date;
}
