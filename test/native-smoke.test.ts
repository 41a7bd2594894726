import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeMerchant, startKasir } from './helpers/harness.ts';

const h = await startKasir();
const m = await nativeMerchant(h);

test('create → cancel → events, through signed HTTP', async () => {
  const created = await m.request('POST', '/api/v1/payments', { amount: '1000.00', currency: 'THB', paymentMethod: 'promptpay', referenceId: 'order-12345', confirm: true });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.data.status, 'requires_action');
  assert.equal(created.body.data.nextAction.type, 'display_qr_code');
  const id = created.body.data.id;
  const canceled = await m.request('POST', `/api/v1/payments/${id}/cancel`);
  assert.equal(canceled.status, 200, canceled.text);
  assert.equal(canceled.body.data.status, 'canceled');
  assert.equal(canceled.body.data.clientSecret, null);
  assert.equal(canceled.body.data.nextAction, null);
  const again = await m.request('POST', `/api/v1/payments/${id}/cancel`);
  assert.equal(again.status, 400);
  assert.equal(again.body.error.code, 'VALIDATION_ERROR');
  const events = await m.request('GET', `/api/v1/payments/${id}/events`);
  assert.deepEqual(events.body.data.data.map((e: any) => e.type), ['created', 'submitted', 'action_required', 'canceled']);
});
