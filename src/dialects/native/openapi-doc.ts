// The OpenAPI 3.1 document of the native API, generated from the route table (plugin.ts ROUTES) and
// the TypeBox schemas the routes validate with (schemas.ts) or answer with (doc-schemas.ts). Only the
// words (summaries, which schema goes where) are written here; a route without an entry in
// OPERATIONS makes the generation throw, so the document cannot silently miss one.
import type { TObject, TSchema } from '@sinclair/typebox';
import { CancelBody, CaptureBody, ConfirmBody, CreatePaymentBody, ListQuery, RefundBody, SandboxPayBody } from './schemas.ts';
import * as S from './doc-schemas.ts';
import { ROUTES } from './plugin.ts';
import { TOLERANCE_MS } from './auth.ts';

/** The native dialect's prefix (dialect.ts); test/openapi.test.ts compares with the app's routes. */
export const NATIVE_PREFIX = '/api/v1';

interface OperationDoc {
  operationId: string;
  summary: string;
  tag: 'Payments' | 'Sandbox' | 'Webhook endpoints';
  body?: { schema: string; required: boolean };
  query?: TObject;
  /** Success statuses and the component schema of `data`. */
  ok: Record<number, string>;
  /** 402 where a processor can decline, 503 where its outcome can be unknown. */
  processor?: boolean;
}

const OPERATIONS: Record<string, OperationDoc> = {
  'POST /payments': { operationId: 'createPayment', summary: 'Create a payment (and confirm it with `confirm: true`)', tag: 'Payments', body: { schema: 'CreatePaymentBody', required: true }, ok: { 201: 'Payment', 202: 'Payment' }, processor: true },
  'GET /payments': { operationId: 'listPayments', summary: 'List payments, newest first', tag: 'Payments', query: ListQuery, ok: { 200: 'PaymentPage' } },
  'GET /payments/:id': { operationId: 'getPayment', summary: 'Retrieve a payment', tag: 'Payments', ok: { 200: 'Payment' } },
  'POST /payments/:id/confirm': { operationId: 'confirmPayment', summary: 'Submit the payment to the processor', tag: 'Payments', body: { schema: 'ConfirmBody', required: false }, ok: { 200: 'Payment', 202: 'Payment' }, processor: true },
  'POST /payments/:id/capture': { operationId: 'capturePayment', summary: 'Capture a `requires_capture` payment, in full or part', tag: 'Payments', body: { schema: 'CaptureBody', required: false }, ok: { 200: 'Payment' }, processor: true },
  'POST /payments/:id/cancel': { operationId: 'cancelPayment', summary: 'Cancel a payment (voiding an authorization)', tag: 'Payments', body: { schema: 'CancelBody', required: false }, ok: { 200: 'Payment' }, processor: true },
  'POST /payments/:id/refunds': { operationId: 'refundPayment', summary: 'Refund a succeeded payment, in full or part', tag: 'Payments', body: { schema: 'RefundBody', required: false }, ok: { 201: 'RefundWithPayment' }, processor: true },
  'GET /payments/:id/events': { operationId: 'listEvents', summary: "The payment's timeline", tag: 'Payments', ok: { 200: 'EventList' } },
  'POST /sandbox/payments/:id/pay': { operationId: 'sandboxPay', summary: 'Sandbox only: act as the buyer', tag: 'Sandbox', body: { schema: 'SandboxPayBody', required: true }, ok: { 200: 'Payment' } },
  'POST /webhook-endpoints': { operationId: 'createWebhookEndpoint', summary: 'Subscribe a URL to events; answers its signing secret, once', tag: 'Webhook endpoints', body: { schema: 'CreateWebhookEndpointBody', required: true }, ok: { 201: 'CreatedWebhookEndpoint' } },
  'GET /webhook-endpoints': { operationId: 'listWebhookEndpoints', summary: "List the merchant's webhook endpoints", tag: 'Webhook endpoints', ok: { 200: 'WebhookEndpointList' } },
  'DELETE /webhook-endpoints/:id': { operationId: 'deleteWebhookEndpoint', summary: 'Unsubscribe a webhook endpoint', tag: 'Webhook endpoints', ok: { 200: 'DeletedWebhookEndpoint' } },
};

/** Every schema the document names, by component name. */
const SCHEMAS: Record<string, TSchema> = {
  CreatePaymentBody, ConfirmBody, CaptureBody, CancelBody, RefundBody, SandboxPayBody,
  CreateWebhookEndpointBody: S.CreateWebhookEndpointBody,
  Payment: S.Payment, RefundWithPayment: S.RefundWithPayment, PaymentEvent: S.PaymentEvent, PaymentPage: S.PaymentPage,
  EventList: S.EventList, WebhookEndpoint: S.WebhookEndpoint, CreatedWebhookEndpoint: S.CreatedWebhookEndpoint,
  WebhookEndpointList: S.WebhookEndpointList, DeletedWebhookEndpoint: S.DeletedWebhookEndpoint,
  Error: S.ErrorEnvelope, WebhookEvent: S.WebhookEvent,
};

const ERRORS: Record<number, string> = {
  400: 'VALIDATION_ERROR: a bad field (details.field), or a state that forbids the operation',
  401: 'UNAUTHORIZED: missing or wrong X-API-Key, X-Timestamp or X-Signature, or a replayed signature',
  402: 'PAYMENT_METHOD_ERROR: the processor declined',
  403: 'FORBIDDEN: merchant suspended, or a sandbox operation on a live merchant',
  404: 'RESOURCE_NOT_FOUND',
  409: 'CONFLICT: a request with this Idempotency-Key is still running; retry after Retry-After seconds with the same key',
  413: 'VALIDATION_ERROR: the body is too large',
  422: 'IDEMPOTENCY_KEY_REUSED: the key was used for another request',
  429: 'RATE_LIMITED: retry after Retry-After seconds',
  500: 'INTERNAL_ERROR',
  503: "OUTCOME_UNKNOWN or SERVICE_UNAVAILABLE: retry with the same Idempotency-Key; Kasir finishes the first attempt's work",
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** TypeBox schemas carry symbol keys (Kind, Optional); JSON keeps exactly the JSON Schema. */
const plain = (s: TSchema): Record<string, unknown> => JSON.parse(JSON.stringify(s));

function operation(method: string, url: string, doc: OperationDoc) {
  const params: unknown[] = [...url.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  if (doc.query) {
    for (const [name, schema] of Object.entries(doc.query.properties)) params.push({ name, in: 'query', required: doc.query.required?.includes(name) ?? false, schema: plain(schema) });
  }
  if (method === 'POST') params.push({ $ref: '#/components/parameters/IdempotencyKey' });
  const responses: Record<string, unknown> = {};
  for (const [status, data] of Object.entries(doc.ok)) {
    const headers = method === 'POST' ? { 'X-Request-Id': headerRef('RequestId'), 'Idempotent-Replayed': headerRef('IdempotentReplayed') } : { 'X-Request-Id': headerRef('RequestId') };
    const description = status === '202' ? 'Accepted: the processor has not answered yet; the payment is `processing` and finishes on its own' : 'Success';
    responses[status] = { description, headers, content: { 'application/json': { schema: { $ref: `#/components/schemas/${envelopeName(data)}` } } } };
  }
  const errors = [400, 401, 403, 404, 429, 500, ...(method === 'POST' ? [409, 413, 422] : []), ...(doc.processor ? [402, 503] : [])];
  for (const status of errors.sort()) responses[status] = { $ref: `#/components/responses/E${status}` };
  return {
    operationId: doc.operationId,
    summary: doc.summary,
    tags: [doc.tag],
    parameters: params,
    ...(doc.body ? { requestBody: { required: doc.body.required, content: { 'application/json': { schema: ref(doc.body.schema) } } } } : {}),
    responses,
  };
}

const envelopeName = (data: string) => `${data}Envelope`;

const SECURITY_DESCRIPTION = `Every request is signed with the API secret: X-Timestamp is milliseconds since the epoch (within ${TOLERANCE_MS / 1000} s of the server clock), X-Signature is \`v2=<hex HMAC-SHA256(secret, "<ts>.<METHOD>.<path with query>.<raw body>")>\` or \`sha256=<hex HMAC-SHA256(secret, "<ts>.<raw body>")>\`. A (key, timestamp, signature) is accepted once: sign each request, retries included, afresh.`;

export function buildNativeOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [method, url] of ROUTES) {
    const doc = OPERATIONS[`${method} ${url}`];
    if (!doc) throw new Error(`native route ${method} ${url} has no OpenAPI entry in openapi-doc.ts`);
    const path = NATIVE_PREFIX + url.replace(/:(\w+)/g, '{$1}');
    (paths[path] ??= {})[method.toLowerCase()] = operation(method, url, doc);
  }
  const schemas: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(SCHEMAS)) schemas[name] = plain(schema);
  for (const data of new Set(Object.values(OPERATIONS).flatMap((o) => Object.values(o.ok)))) {
    schemas[envelopeName(data)] = plain(S.SuccessEnvelope(ref(data) as never));
  }
  const responses = Object.fromEntries(
    Object.entries(ERRORS).map(([status, description]) => [`E${status}`, {
      description,
      headers: { 'X-Request-Id': headerRef('RequestId'), ...(['409', '429', '503'].includes(status) ? { 'Retry-After': headerRef('RetryAfter') } : {}) },
      content: { 'application/json': { schema: ref('Error') } },
    }]),
  );
  return {
    openapi: '3.1.0',
    info: { title: 'Kasir native API', version: '1', description: 'Answers are `{"success": true, "data": …}` or `{"success": false, "error": {"code", "message", "details"?}}`. Amounts are decimal strings in major units. A request with a body sends `Content-Type: application/json`.' },
    tags: [{ name: 'Payments' }, { name: 'Sandbox' }, { name: 'Webhook endpoints' }],
    security: [{ ApiKey: [], Timestamp: [], Signature: [] }],
    paths,
    webhooks: {
      paymentEvent: {
        post: {
          summary: 'A notification to a subscribed URL (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature `v1,<base64 HMAC-SHA256>`)',
          parameters: ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({ name, in: 'header', required: true, schema: { type: 'string' } })),
          requestBody: { required: true, content: { 'application/json': { schema: ref('WebhookEvent') } } },
          responses: { '2XX': { description: 'Acknowledged; anything else is retried with backoff' } },
        },
      },
    },
    components: {
      schemas,
      responses,
      parameters: {
        IdempotencyKey: { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 255 }, description: 'The same key and request replays the first answer; the same key with another request is refused (422)' },
      },
      headers: {
        RequestId: { description: 'The request id, also in Kasir\'s logs', schema: { type: 'string' } },
        IdempotentReplayed: { description: '`true` when the answer is the replay of an earlier request with the same Idempotency-Key', schema: { type: 'string', const: 'true' } },
        RetryAfter: { description: 'Seconds to wait before retrying', schema: { type: 'string', pattern: '^[0-9]+$' } },
      },
      securitySchemes: {
        ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The merchant\'s native API key (`kn_…`)' },
        Timestamp: { type: 'apiKey', in: 'header', name: 'X-Timestamp', description: `Milliseconds since the epoch, within ${TOLERANCE_MS / 1000} s of the server clock; signed (see X-Signature)` },
        Signature: { type: 'apiKey', in: 'header', name: 'X-Signature', description: SECURITY_DESCRIPTION },
      },
    },
  };
}
