// What the native dialect answers and sends, as TypeBox schemas: the payment, refund, event and
// webhook-endpoint objects, the envelopes, the webhook notification. The renderers (render.ts,
// routes/webhook-endpoints.ts, notify.ts) build plain objects; the checks at the bottom hold these
// schemas to their keys and types at typecheck time, and test/openapi.test.ts validates real answers
// against them at run time. The OpenAPI document and the typed client both derive from this file.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { CANCELLATION_REASONS } from '../../core/payments/cancel.ts';
import { STATUSES } from '../../core/payments/states.ts';
import { WEBHOOK_EVENTS } from '../../core/notifications/webhook-endpoints.ts';
import { literals } from '../../core/schema-helpers.ts';
import type { renderEvent, renderPayment, renderRefund } from './render.ts';

const Nullable = <T extends TSchema>(t: T, description?: string) => Type.Union([t, Type.Null()], description ? { description } : {});
const Money = (description: string) => Type.String({ pattern: '^-?[0-9]+(\\.[0-9]+)?$', description });
const Time = (description: string) => Type.String({ description: `${description} (ISO 8601, UTC, milliseconds)` });

export const WEBHOOK_EVENT_NAMES = Object.keys(WEBHOOK_EVENTS) as (keyof typeof WEBHOOK_EVENTS)[];

export const Payment = Type.Object(
  {
    id: Type.String({ description: 'UUID' }),
    amount: Money('The amount, a decimal string in major units ("1000.00"; "100" for JPY)'),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    status: literals(STATUSES),
    paymentMethod: Nullable(Type.String()),
    referenceId: Nullable(Type.String()),
    description: Nullable(Type.String()),
    metadata: Type.Record(Type.String(), Type.String()),
    clientSecret: Nullable(Type.String(), 'Null once the payment is closed'),
    nextAction: Nullable(Type.Object({}, { additionalProperties: true }), "The buyer's next step (redirect, QR code), when there is one"),
    confirmedAt: Nullable(Time('When confirmed')),
    capturedAt: Nullable(Time('When captured')),
    canceledAt: Nullable(Time('When canceled')),
    expiresAt: Nullable(Time('When an unpaid payment expires')),
    createdAt: Time('When created'),
    updatedAt: Time('When last changed'),
    captureMethod: literals(['automatic', 'manual'] as const),
    amountCapturable: Money('Authorized and not yet captured'),
    amountReceived: Money('Captured'),
    amountRefunded: Money('Refunded'),
    amountCanceled: Money('Canceled (voided)'),
    cancellationReason: Nullable(Type.String({ description: `One of ${CANCELLATION_REASONS.join(', ')} when given` })),
  },
  { additionalProperties: false, description: 'A payment; every field is present (null, never omitted)' },
);
export type Payment = Static<typeof Payment>;

export const Refund = Type.Object(
  {
    id: Type.String(),
    paymentId: Type.String(),
    amount: Money('The refunded amount'),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    status: literals(['pending', 'succeeded', 'failed'] as const, { description: 'pending while the processor call is under way or its outcome unknown' }),
    reason: Nullable(Type.String()),
    createdAt: Time('When created'),
  },
  { additionalProperties: false },
);

export const RefundWithPayment = Type.Object(
  { ...Refund.properties, payment: Payment },
  { additionalProperties: false, description: 'The refund, and the payment as it is after it' },
);
export type RefundWithPayment = Static<typeof RefundWithPayment>;

export const PaymentEvent = Type.Object(
  {
    id: Type.String(),
    type: Type.String({ description: 'The core event: created, confirmed, succeeded, canceled, refunded, …' }),
    fromStatus: Nullable(literals(STATUSES)),
    toStatus: literals(STATUSES),
    amount: Nullable(Money('The amount the event moved')),
    dialect: Nullable(Type.String({ description: 'The API the request came through (native, antom, nicepay, system)' })),
    requestId: Nullable(Type.String()),
    at: Time('When it happened'),
  },
  { additionalProperties: false },
);
export type PaymentEvent = Static<typeof PaymentEvent>;

const List = <T extends TSchema>(item: T) => Type.Object({ object: Type.Literal('list'), data: Type.Array(item) }, { additionalProperties: false });

export const PaymentPage = Type.Object(
  {
    object: Type.Literal('list'),
    data: Type.Array(Payment),
    hasMore: Type.Boolean(),
    nextStartingAfter: Nullable(Type.String(), 'Pass as startingAfter for the next page; null on the last'),
  },
  { additionalProperties: false, description: 'Newest first' },
);
export type PaymentPage = Static<typeof PaymentPage>;

export const EventList = List(PaymentEvent);
export type EventList = Static<typeof EventList>;

/** routes/webhook-endpoints.ts validates with an inline copy of this; openapi.test.ts holds them together. */
export const CreateWebhookEndpointBody = Type.Object(
  {
    url: Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://', description: 'Where notifications are POSTed' }),
    events: Type.Array(literals(WEBHOOK_EVENT_NAMES), { minItems: 1, maxItems: WEBHOOK_EVENT_NAMES.length, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export type CreateWebhookEndpointBody = Static<typeof CreateWebhookEndpointBody>;

export const WebhookEndpoint = Type.Object(
  { id: Type.String(), url: Type.String(), events: Type.Array(literals(WEBHOOK_EVENT_NAMES)), createdAt: Time('When created') },
  { additionalProperties: false },
);
export type WebhookEndpoint = Static<typeof WebhookEndpoint>;

export const CreatedWebhookEndpoint = Type.Object(
  { ...WebhookEndpoint.properties, secret: Type.String({ pattern: '^whsec_', description: 'The signing secret: shown only in this answer' }) },
  { additionalProperties: false },
);
export type CreatedWebhookEndpoint = Static<typeof CreatedWebhookEndpoint>;

export const WebhookEndpointList = List(WebhookEndpoint);
export type WebhookEndpointList = Static<typeof WebhookEndpointList>;

export const DeletedWebhookEndpoint = Type.Object({ id: Type.String(), deleted: Type.Literal(true) }, { additionalProperties: false });
export type DeletedWebhookEndpoint = Static<typeof DeletedWebhookEndpoint>;

export const ErrorBody = Type.Object(
  {
    code: Type.String({ description: 'VALIDATION_ERROR, UNAUTHORIZED, PAYMENT_METHOD_ERROR, FORBIDDEN, RESOURCE_NOT_FOUND, CONFLICT, IDEMPOTENCY_KEY_REUSED, RATE_LIMITED, INTERNAL_ERROR, OUTCOME_UNKNOWN, SERVICE_UNAVAILABLE' }),
    message: Type.String(),
    details: Type.Optional(Type.Object({ field: Type.Optional(Type.String({ description: 'The offending field or header' })) }, { additionalProperties: true })),
  },
  { additionalProperties: false },
);
export type ErrorBody = Static<typeof ErrorBody>;

export const ErrorEnvelope = Type.Object({ success: Type.Literal(false), error: ErrorBody }, { additionalProperties: false });

/** `{success: true, data}` around a data schema (a $ref in the OpenAPI document). */
export const SuccessEnvelope = <T extends TSchema>(data: T) => Type.Object({ success: Type.Literal(true), data }, { additionalProperties: false });

/** The body of a native notification (notify.ts): the event name, when it happened, the payment and the event. */
export const WebhookEvent = Type.Object(
  {
    type: literals(WEBHOOK_EVENT_NAMES),
    timestamp: Time('When the event happened'),
    data: Type.Object(
      {
        ...Payment.properties,
        event: Type.Object(
          { id: Type.String(), type: Type.String(), amount: Nullable(Money('The amount the event moved')), data: Type.Object({}, { additionalProperties: true }) },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type WebhookEvent = Static<typeof WebhookEvent>;

// Typecheck-time agreement with the renderers: the same keys, and every value the schema allows is
// one the renderer's type allows (the schema may be narrower: createdAt is never null in practice).
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type Expect<T extends true> = T;
export type RendererAgreement = [
  Expect<SameKeys<Payment, ReturnType<typeof renderPayment>>>,
  Expect<Payment extends ReturnType<typeof renderPayment> ? true : false>,
  Expect<SameKeys<Static<typeof Refund>, ReturnType<typeof renderRefund>>>,
  Expect<Static<typeof Refund> extends ReturnType<typeof renderRefund> ? true : false>,
  Expect<SameKeys<PaymentEvent, ReturnType<typeof renderEvent>>>,
  Expect<PaymentEvent extends ReturnType<typeof renderEvent> ? true : false>,
];
