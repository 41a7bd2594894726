// Native request bodies, as TypeBox schemas: one source for validation and for the handlers' types.
import { Type, type Static } from '@sinclair/typebox';
import { CANCELLATION_REASONS } from '../../core/payments/cancel.ts';
import { STATUSES } from '../../core/payments/states.ts';
import { DECIMAL_FORM } from '../../core/money.ts';
import { literals } from '../../core/schema-helpers.ts';
import { expecting } from '../../http/validate.ts';

const Str = (max: number, min = 0) => Type.String({ maxLength: max, minLength: min });
// Amounts are major units as text (money.ts parseMajor); a refusal names that form, e.g. for 1000.
const Amount = () => expecting(Str(20, 1), DECIMAL_FORM);

export const NATIVE_METHODS = ['card', 'promptpay', 'wallet', 'bank_transfer'] as const;

export const CardSchema = Type.Object(
  {
    number: Type.String({ pattern: '^[0-9 -]{12,23}$' }),
    cvc: Type.Optional(Type.String({ pattern: '^[0-9]{3,4}$' })),
    expMonth: Type.Optional(Type.Integer({ minimum: 1, maximum: 12 })),
    expYear: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100 })),
  },
  { additionalProperties: false },
);

const PaymentMethodData = Type.Object({ card: Type.Optional(CardSchema) }, { additionalProperties: false });

export const CreatePaymentBody = Type.Object(
  {
    amount: Amount(),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    paymentMethod: Type.Optional(literals(NATIVE_METHODS)),
    paymentMethodData: Type.Optional(PaymentMethodData),
    referenceId: Type.Optional(Str(255, 1)),
    description: Type.Optional(Str(1000)),
    // TypeBox drops a record key's maxLength/minLength: only a key pattern plus additionalProperties
    // false actually limits keys (1 to 40 characters).
    metadata: Type.Optional(Type.Record(Type.String({ pattern: '^[\\s\\S]{1,40}$' }), Str(500), { maxProperties: 50, additionalProperties: false })),
    captureMethod: Type.Optional(literals(['automatic', 'manual'] as const)),
    confirm: Type.Optional(Type.Boolean()),
    expiresAt: Type.Optional(Str(40, 1)),
    expiresInSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 30 * 86_400 })),
  },
  { additionalProperties: false },
);
export type CreatePaymentBody = Static<typeof CreatePaymentBody>;

export const ConfirmBody = Type.Object(
  { paymentMethod: Type.Optional(literals(NATIVE_METHODS)), paymentMethodData: Type.Optional(PaymentMethodData) },
  { additionalProperties: false },
);

export const CaptureBody = Type.Object({ amountToCapture: Type.Optional(Amount()) }, { additionalProperties: false });

export const CancelBody = Type.Object(
  { cancellationReason: Type.Optional(literals(CANCELLATION_REASONS)) },
  { additionalProperties: false },
);

export const RefundBody = Type.Object(
  {
    amount: Type.Optional(Amount()),
    reason: Type.Optional(literals(['duplicate', 'fraudulent', 'requested_by_customer'] as const)),
  },
  { additionalProperties: false },
);

export const SandboxPayBody = Type.Object({ outcome: literals(['succeeded', 'failed'] as const) }, { additionalProperties: false });

export const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$' })),
    // A pattern, not `format: 'uuid'`: TypeBox knows no formats unless registered, so that refused every cursor.
    startingAfter: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' })),
    status: Type.Optional(literals(STATUSES)),
    referenceId: Type.Optional(Str(255, 1)),
    createdGte: Type.Optional(Str(40, 1)),
    createdLte: Type.Optional(Str(40, 1)),
  },
  { additionalProperties: false },
);
