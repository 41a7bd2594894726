// Two Kasirs for the Antom connector tests: `up` is the provider (a test-mode merchant whose Antom
// dialect the connector calls), `down` the Kasir under test (live merchants whose routes send
// payments to connector accounts at `up`). Also: reading the provider's side, and notifications
// forged with the provider's real gateway key or a wrong one.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConnector } from '../../src/core/connectors/accounts.ts';
import { setRoute } from '../../src/core/connectors/routes.ts';
import { createMerchant, findCredential } from '../../src/core/merchants/merchants.ts';
import type { Payment } from '../../src/core/payments/model.ts';
import { listOperations } from '../../src/core/processors/operations.ts';
import { PAYMENT_SELECT, rowToPayment } from '../../src/core/payments/model.ts';
import { antomTime, cachedPrivateKey, formatSignatureHeader, signedText, signRsa256 } from '../../src/dialects/antom/signature.ts';
import { notifyUrlOf } from '../../src/processors/connector.ts';
import { antomConnector } from '../../src/processors/antom/connector.ts';
import { antomClientFor, checkout, type AntomClient } from './antom.ts';
import type { NicepayMerchant } from './nicepay.ts';
import { admin, nativeClientFor, readResponse, startKasir, type Harness, type NativeClient } from './harness.ts';

export interface Provider {
  up: Harness;
  /** The provider's merchant, as its own Antom client sees it (for inquiries on the provider). */
  client: AntomClient;
  clientId: string;
  privateKeyPkcs8: string;
  privateKeyPkcs1: string;
  gatewayPublicKey: string;
}

export async function startProvider(): Promise<Provider> {
  const up = await startKasir({ connectorTimeoutMs: 1500 });
  const res = await admin(up, 'POST', '/merchants', { name: 'Upstream account' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const d = res.body.data;
  const client = antomClientFor(up, { merchant: { id: d.id }, antom: d.antom, native: d.native } as never);
  return { up, client, clientId: d.antom.clientId, privateKeyPkcs8: d.antom.merchantPrivateKeyPkcs8, privateKeyPkcs1: d.antom.merchantPrivateKeyPkcs1, gatewayPublicKey: d.antom.gatewayPublicKey };
}

export interface Shop {
  merchantId: string;
  native: NativeClient;
  antom: AntomClient;
  nicepay: NicepayMerchant;
  /** Connector account ids, in route priority order. */
  connectors: string[];
}

/** A live merchant of `down` routed to accounts at the given base URLs (default: the provider), best first. */
export async function liveShop(down: Harness, provider: Provider, baseUrls: string[] = [provider.up.baseUrl]): Promise<Shop> {
  const created = await createMerchant(down.deps.merchants, 'Live shop', {}, 'live');
  const merchantId = created.merchant.id;
  const connectors: string[] = [];
  for (const [i, baseUrl] of baseUrls.entries()) {
    const parsed = antomConnector.parseSettings({ clientId: provider.clientId, privateKey: provider.privateKeyPkcs8, providerPublicKey: provider.gatewayPublicKey });
    const account = await createConnector(down.deps.merchants, { merchantId, type: 'antom', name: `Antom ${i}`, baseUrl, ...parsed });
    await setRoute(down.deps.merchants, { merchantId, connectorId: account.id, priority: i + 1 });
    connectors.push(account.id);
  }
  const native = nativeClientFor(down, merchantId, created.native.apiKey, created.native.apiSecret);
  return {
    merchantId,
    native,
    antom: antomClientFor(down, created),
    nicepay: { merchantId, iMid: created.nicepay.iMid, merchantKey: created.nicepay.merchantKey, native },
    connectors,
  };
}

/** The provider's payment made for charge `operationId` (its paymentRequestId). */
export const upstreamPayment = (provider: Provider, operationId: string): Promise<Payment> => byPaymentRequestId(provider.up, operationId);

/** `h`'s payment made by Antom pay `paymentRequestId`. */
export async function byPaymentRequestId(h: Harness, paymentRequestId: string): Promise<Payment> {
  const { rows } = await h.deps.core.db.query(`SELECT ${PAYMENT_SELECT} FROM payments WHERE antom_payment_request_id = $1`, [paymentRequestId]);
  assert.ok(rows[0], `no payment for ${paymentRequestId}`);
  return rowToPayment(rows[0]);
}

/** The newest authorization (charge) `down` recorded for a payment. */
export async function lastCharge(down: Harness, paymentId: string) {
  const ops = (await listOperations(down.deps.core.db, paymentId)).filter((o) => o.kind === 'authorize');
  assert.ok(ops.length, `no authorization for ${paymentId}`);
  return ops[ops.length - 1];
}

export async function eventsOf(h: Harness, paymentId: string) {
  const { rows } = await h.deps.core.db.query<{ type: string; data: Record<string, unknown> }>('SELECT type, data FROM payment_events WHERE payment_id = $1 ORDER BY id', [paymentId]);
  return rows;
}

/** The buyer pays on the provider's checkout page (the URL the connector passed back). */
export async function buyerPaysUpstream(url: string): Promise<void> {
  const page = await checkout(url);
  assert.equal(page.status, 200, page.html);
}

export async function upstreamCount(provider: Provider): Promise<number> {
  const { rows } = await provider.up.deps.core.db.query<{ n: string }>('SELECT count(*) AS n FROM payments');
  return Number(rows[0].n);
}

/** A key the provider never had: what an impostor signs with. */
export const impostorKey = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

/**
 * POSTs `body` to an account's notifyUrl at `down`, signed like the provider's notifier (with its
 * real gateway key unless `key` says otherwise). `base`: the public URL the notifyUrl is under, when
 * not `down`'s own address (a proxy in front).
 */
export async function notify(down: Harness, provider: Provider, connectorId: string, body: unknown, o: { key?: ReturnType<typeof impostorKey>; clientId?: string; signature?: string | null; base?: string } = {}) {
  const url = notifyUrlOf(o.base ?? down.baseUrl, connectorId);
  const path = new URL(url).pathname;
  const raw = JSON.stringify(body);
  const time = antomTime(down.clock.now());
  const clientId = o.clientId ?? provider.clientId;
  const credential = await findCredential(provider.up.deps.merchants, 'antom', provider.clientId);
  const key = o.key ?? cachedPrivateKey(credential!.secret!);
  const signature = o.signature === undefined ? formatSignatureHeader(signRsa256(key, signedText('POST', path, clientId, time, raw))) : o.signature;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=UTF-8', 'client-id': clientId, 'request-time': time, ...(signature === null ? {} : { signature }) },
    body: raw,
  });
  return readResponse(res);
}

export const ACK = { result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'success' } };

/** A port nobody listens on (connection refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
