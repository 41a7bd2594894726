// Small helpers shared by the native-dialect tests: create payments, drive them to a given status,
// and read what is stored (not just what was answered).
import assert from 'node:assert/strict';
import type { Harness, NativeClient } from './harness.ts';
import { getPaymentById, listEvents } from '../../src/core/payments/repo.ts';
import type { Payment } from '../../src/core/payments/model.ts';
import type { Status } from '../../src/core/payments/states.ts';

/** The sandbox test cards (src/processors/sandbox/triggers.ts). */
export const CARDS = {
  succeeds: '4242424242424242',
  threeDS: '4000002500003155',
  declined: '4000000000000002',
  timesOut: '4000000000000119',
} as const;

/** Seed 002's payment object keys (all present, null never omitted) plus docs/native-api.md's extras. */
export const SEED_KEYS = [
  'id', 'amount', 'currency', 'status', 'paymentMethod', 'referenceId', 'description', 'metadata', 'clientSecret',
  'nextAction', 'confirmedAt', 'capturedAt', 'canceledAt', 'expiresAt', 'createdAt', 'updatedAt',
] as const;
export const EXTRA_KEYS = ['captureMethod', 'amountCapturable', 'amountReceived', 'amountRefunded', 'cancellationReason'] as const;

export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const NOT_FOUND = { success: false, error: { code: 'RESOURCE_NOT_FOUND', message: 'Payment not found' } };

export type Response = Awaited<ReturnType<NativeClient['request']>>;

/** Asserts the status with the body in the message, so a failure shows what came back. */
export function expectStatus(res: Response, status: number): any {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  return res.body;
}

/** A 400 VALIDATION_ERROR naming `field`. */
export function expectInvalid(res: Response, field: string): void {
  const body = expectStatus(res, 400);
  assert.equal(body.success, false);
  assert.equal(body.error.code, 'VALIDATION_ERROR', res.text);
  assert.equal(body.error.details?.field, field, res.text);
}

export const create = (m: NativeClient, body: Record<string, unknown> | string, headers?: Record<string, string>) =>
  m.request('POST', '/api/v1/payments', body, headers);

/** Creates a payment (THB 1000.00 unless overridden) and returns the rendered payment. */
export async function createPayment(m: NativeClient, overrides: Record<string, unknown> = {}): Promise<any> {
  const res = await create(m, { amount: '1000.00', currency: 'THB', ...overrides });
  assert.ok(res.status === 201 || res.status === 202, `create: ${res.status} ${res.text}`);
  return res.body.data;
}

export const get = (m: NativeClient, id: string) => m.request('GET', `/api/v1/payments/${id}`);
export const cancel = (m: NativeClient, id: string, body?: unknown, headers?: Record<string, string>) =>
  m.request('POST', `/api/v1/payments/${id}/cancel`, body, headers);
export const confirm = (m: NativeClient, id: string, card?: string) =>
  m.request('POST', `/api/v1/payments/${id}/confirm`, card ? { paymentMethodData: { card: { number: card } } } : {});
export const capture = (m: NativeClient, id: string, amountToCapture?: string) =>
  m.request('POST', `/api/v1/payments/${id}/capture`, amountToCapture ? { amountToCapture } : undefined);
export const refund = (m: NativeClient, id: string, body: Record<string, unknown> = {}) =>
  m.request('POST', `/api/v1/payments/${id}/refunds`, body);
export const buyerPays = (m: NativeClient, id: string, outcome: 'succeeded' | 'failed' = 'succeeded') =>
  m.request('POST', `/api/v1/sandbox/payments/${id}/pay`, { outcome });

/** A card payment confirmed with `card` in one create call. */
export const cardPayment = (m: NativeClient, card: string, overrides: Record<string, unknown> = {}) =>
  createPayment(m, { paymentMethod: 'card', confirm: true, paymentMethodData: { card: { number: card } }, ...overrides });

/**
 * Drives a fresh payment to `status` through the public API only. `expired` moves the harness
 * clock forward past the payment's expiry (61 s).
 */
export async function reach(h: Harness, m: NativeClient, status: Status, overrides: Record<string, unknown> = {}): Promise<any> {
  let p: any;
  switch (status) {
    case 'requires_payment_method': p = await createPayment(m, overrides); break;
    case 'requires_confirmation': p = await createPayment(m, { paymentMethod: 'card', ...overrides }); break;
    case 'requires_action': p = await createPayment(m, { paymentMethod: 'promptpay', confirm: true, ...overrides }); break;
    case 'processing': p = await cardPayment(m, CARDS.timesOut, overrides); break;
    case 'requires_capture': p = await cardPayment(m, CARDS.succeeds, { captureMethod: 'manual', ...overrides }); break;
    case 'succeeded': p = await cardPayment(m, CARDS.succeeds, overrides); break;
    case 'payment_failed': p = await cardPayment(m, CARDS.declined, overrides); break;
    case 'canceled': {
      const created = await createPayment(m, overrides);
      p = expectStatus(await cancel(m, created.id), 200).data;
      break;
    }
    case 'expired': {
      const created = await createPayment(m, { expiresInSeconds: 60, ...overrides });
      h.clock.advance(61_000);
      p = expectStatus(await get(m, created.id), 200).data;
      break;
    }
  }
  assert.equal(p.status, status, `reach(${status}) got ${JSON.stringify(p)}`);
  return p;
}

/** What the database holds, whatever the API said. */
export async function stored(h: Harness, id: string): Promise<Payment> {
  const p = await getPaymentById(h.deps.core.db, id);
  assert.ok(p, `payment ${id} is not stored`);
  return p;
}

export async function eventTypes(h: Harness, id: string): Promise<string[]> {
  return (await listEvents(h.deps.core.db, id)).map((e) => e.type);
}

export async function countEvents(h: Harness, id: string, type: string): Promise<number> {
  const { rows } = await h.deps.core.db.query<{ n: string }>('SELECT count(*) AS n FROM payment_events WHERE payment_id = $1 AND type = $2', [id, type]);
  return Number(rows[0].n);
}

export async function countPayments(h: Harness, merchantId: string): Promise<number> {
  const { rows } = await h.deps.core.db.query<{ n: string }>('SELECT count(*) AS n FROM payments WHERE merchant_id = $1', [merchantId]);
  return Number(rows[0].n);
}

/** Same keys, and each value of the same JSON type (null vs string vs object …), as `example`. */
export function assertSameShape(actual: Record<string, unknown>, example: Record<string, unknown>, path = 'data'): void {
  const type = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(example).sort(), `${path}: keys`);
  for (const [k, v] of Object.entries(example)) assert.equal(type(actual[k]), type(v), `${path}.${k}: ${JSON.stringify(actual[k])}`);
}
