// The client's types, all derived from the TypeBox schemas Kasir validates requests with
// (src/dialects/native/schemas.ts) and documents its answers with (doc-schemas.ts, the same schemas
// as in /api/v1/openapi.json). Type-only imports: nothing of the server is loaded at run time.
import type { Static } from '@sinclair/typebox';
import type { CancelBody, CaptureBody, ConfirmBody, ListQuery, RefundBody, SandboxPayBody } from '../../../src/dialects/native/schemas.ts';

export type { CreatePaymentBody as CreatePaymentParams } from '../../../src/dialects/native/schemas.ts';
export type ConfirmPaymentParams = Static<typeof ConfirmBody>;
export type CapturePaymentParams = Static<typeof CaptureBody>;
export type CancelPaymentParams = Static<typeof CancelBody>;
export type RefundPaymentParams = Static<typeof RefundBody>;
export type SandboxPayParams = Static<typeof SandboxPayBody>;
/** The list query; `limit` may be given as a number (the wire carries it as a string). */
export type ListPaymentsParams = Omit<Static<typeof ListQuery>, 'limit'> & { limit?: number | Static<typeof ListQuery>['limit'] };

export type {
  CreatedWebhookEndpoint,
  CreateWebhookEndpointBody as CreateWebhookEndpointParams,
  DeletedWebhookEndpoint,
  ErrorBody,
  EventList,
  Payment,
  PaymentEvent,
  PaymentPage,
  RefundWithPayment,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhookEvent,
} from '../../../src/dialects/native/doc-schemas.ts';

