// An Antom client for the tests, signing like the SDKs do (RSA256 over the raw bytes sent) and
// verifying every response's signature with the merchant's gateway public key. Also: payment
// factories that drive payments through the public API only (pay + the hosted checkout page), and
// readers of what is stored.
import assert from 'node:assert/strict';
import { randomBytes, type KeyObject } from 'node:crypto';
import { readResponse, type Harness } from './harness.ts';
import { createMerchant } from '../../src/core/merchants/merchants.ts';
import type { KasirMerchant } from '../../src/dialects/registry.ts';
import { getPaymentById } from '../../src/core/payments/repo.ts';
import type { Payment } from '../../src/core/payments/model.ts';
import {
  formatSignatureHeader, parsePrivateKey, parsePublicKey, parseSignatureHeader, signedText, signRsa256, verifyRsa256,
} from '../../src/dialects/antom/signature.ts';
import { MESSAGES } from '../../src/dialects/antom/render.ts';

export const PREFIXES = ['/ams/api/v1/payments', '/ams/sandbox/api/v1/payments', '/v1/payments'] as const;

export interface AntomResponse {
  status: number;
  body: any;
  text: string;
  headers: Headers;
  /** The response signature verifies with the merchant's gateway public key. */
  verified: boolean;
}

export interface CallOptions {
  prefix?: string;
  /** Exact path to send (default `<prefix>/<op>`). */
  path?: string;
  /** Exact body bytes to send (default JSON.stringify(body)). */
  raw?: string;
  requestTime?: string;
  /** Signature header to send instead of the computed one (null: none). */
  signature?: string | null;
  clientId?: string;
  headers?: Record<string, string>;
}

export interface AntomClient {
  merchantId: string;
  clientId: string;
  privateKeyPkcs8: string;
  privateKeyPkcs1: string;
  gatewayPublicKey: string;
  /** The same merchant's native API key, for cross-dialect tests. */
  native: { apiKey: string; apiSecret: string };
  call(op: string, body?: unknown, opts?: CallOptions): Promise<AntomResponse>;
}

export function verifyResponse(gatewayKey: KeyObject, path: string, res: { headers: Headers; text: string }): boolean {
  const sig = parseSignatureHeader(res.headers.get('signature') ?? undefined);
  const time = res.headers.get('response-time');
  const client = res.headers.get('client-id');
  if (!sig?.signature || time === null || client === null) return false;
  return verifyRsa256(gatewayKey, signedText('POST', path, client, time, res.text), sig.signature);
}

export async function antomMerchant(h: Harness, name = 'Antom merchant'): Promise<AntomClient> {
  return antomClientFor(h, await createMerchant(h.deps.merchants, name));
}

/** An Antom client for a merchant created elsewhere (cross-dialect tests). */
export function antomClientFor(h: Harness, { merchant, antom, native }: KasirMerchant): AntomClient {
  const privateKey = parsePrivateKey(antom.merchantPrivateKeyPkcs8!);
  const gatewayKey = parsePublicKey(antom.gatewayPublicKey);
  let nonce = 0;
  return {
    merchantId: merchant.id,
    clientId: antom.clientId,
    privateKeyPkcs8: antom.merchantPrivateKeyPkcs8!,
    privateKeyPkcs1: antom.merchantPrivateKeyPkcs1!,
    gatewayPublicKey: antom.gatewayPublicKey,
    native,
    async call(op, body = {}, o = {}) {
      const path = o.path ?? `${o.prefix ?? PREFIXES[0]}/${op}`;
      const raw = o.raw ?? JSON.stringify(body);
      const clientId = o.clientId ?? antom.clientId;
      const requestTime = o.requestTime ?? String(h.clock.now().getTime() + (nonce++ % 1000));
      const signature =
        o.signature === undefined ? formatSignatureHeader(signRsa256(privateKey, signedText('POST', path, clientId, requestTime, raw))) : o.signature;
      const res = await fetch(h.baseUrl + path, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=UTF-8',
          'client-id': clientId,
          'request-time': requestTime,
          ...(signature === null ? {} : { signature }),
          ...o.headers,
        },
        body: raw,
      });
      const answer = await readResponse(res);
      return { ...answer, verified: verifyResponse(gatewayKey, path, answer) };
    },
  };
}

/** HTTP 200, signed, with exactly this Result (message from seed 000's table / render.ts). */
export function expectResult(res: AntomResponse, code: string, status: 'S' | 'F' | 'U'): any {
  assert.equal(res.status, 200, res.text);
  assert.ok(res.verified, `response signature does not verify: ${res.text}`);
  assert.deepEqual(res.body?.result, { resultCode: code, resultStatus: status, resultMessage: MESSAGES[code] }, res.text);
  return res.body;
}

export const requestId = (prefix = 'pay') => `${prefix}_${randomBytes(9).toString('hex')}`;

export function payBody(overrides: Record<string, unknown> = {}): Record<string, any> {
  const id = requestId();
  return {
    productCode: 'CASHIER_PAYMENT',
    paymentRequestId: id,
    paymentAmount: { currency: 'USD', value: '1000' },
    paymentMethod: { paymentMethodType: 'ALIPAY_CN' },
    order: { referenceOrderId: `order_${id}`, orderDescription: 'Cappuccino', orderAmount: { currency: 'USD', value: '1000' } },
    paymentRedirectUrl: 'https://merchant.example/return',
    ...overrides,
  };
}

/** pay, expecting PAYMENT_IN_PROCESS with a checkout page. */
export async function pay(m: AntomClient, overrides: Record<string, unknown> = {}): Promise<any> {
  const body = expectResult(await m.call('pay', payBody(overrides)), 'PAYMENT_IN_PROCESS', 'U');
  assert.match(body.normalUrl, /\/sandbox\/checkout\/[0-9a-f-]{36}\?token=ct_[\w-]{32}$/);
  return body;
}

/** The buyer presses Pay (or Fail) on the hosted checkout page. */
export async function checkout(normalUrl: string, outcome: 'succeeded' | 'failed' = 'succeeded'): Promise<{ status: number; html: string }> {
  const res = await fetch(normalUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `outcome=${outcome}` });
  return { status: res.status, html: await res.text() };
}

/** A paid payment: pay, then the buyer pays on the checkout page. */
export async function paid(m: AntomClient, overrides: Record<string, unknown> = {}): Promise<any> {
  const p = await pay(m, overrides);
  const page = await checkout(p.normalUrl);
  assert.equal(page.status, 200, page.html);
  return p;
}

export const cancel = (m: AntomClient, body: Record<string, unknown>, o?: CallOptions) => m.call('cancel', body, o);
export const inquire = (m: AntomClient, paymentId: string) => m.call('inquiryPayment', { paymentId });

/** What the database holds for an Antom paymentId. */
export async function storedByAntomId(h: Harness, paymentId: string): Promise<Payment> {
  const { rows } = await h.deps.core.db.query<{ id: string }>('SELECT id FROM payments WHERE antom_payment_id = $1', [paymentId]);
  assert.ok(rows[0], `no payment ${paymentId}`);
  return (await getPaymentById(h.deps.core.db, rows[0].id))!;
}

/** Sets a merchant's contract overrides through the admin API (PATCH merges). */
export async function patchContract(h: Harness, merchantId: string, contract: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${h.baseUrl}/admin/v1/merchants/${merchantId}/contract`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(contract),
  });
  assert.equal(res.status, 200, await res.text());
}
