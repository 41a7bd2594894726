// The provider's notifications at an Antom account's notifyUrl (notifyPayment, notifyCapture,
// notifyRefund). Nothing is believed before the signature verifies with the provider's public key
// and the client id is the account's. A payment result is applied through the core's report of late
// outcomes. A capture or refund result settles its call at once if that call's outcome was unknown
// (through the reconciler's sync: the inquiry, never the notification's word alone); otherwise the
// call that made it already knows its outcome. Providers resend until
// acknowledged, so the same notification again changes nothing and is acknowledged again.
import type { ConnectorAccount } from '../../core/connectors/accounts.ts';
import type { CoreDeps } from '../../core/deps.ts';
import { isUuid } from '../../core/ids.ts';
import { getPaymentById } from '../../core/payments/repo.ts';
import { reportCharge } from '../../core/payments/upstream-report.ts';
import { reconcilePayment } from '../../core/jobs/reconcile.ts';
import { getOperation } from '../../core/processors/operations.ts';
import type { SyncResult } from '../../core/processors/processor.ts';
import { cachedPublicKey, parseSignatureHeader, signedText, verifyRsa256 } from '../../dialects/antom/signature.ts';
import type { InboundNotification, NotificationAnswer } from '../connector.ts';

const JSON_TYPE = { 'content-type': 'application/json; charset=UTF-8' };

const answer = (status: number, resultCode: string, resultStatus: 'S' | 'F' | 'U', resultMessage: string): NotificationAnswer => ({
  status,
  headers: JSON_TYPE,
  body: JSON.stringify({ result: { resultCode, resultStatus, resultMessage } }),
});

/** The acknowledgement Antom's notifier waits for (exactly this body). */
export const ACK = (): NotificationAnswer => answer(200, 'SUCCESS', 'S', 'success');

function header(n: InboundNotification, name: string): string | undefined {
  const v = n.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function verified(account: ConnectorAccount, n: InboundNotification): boolean {
  const clientId = header(n, 'client-id');
  const requestTime = header(n, 'request-time');
  const sig = parseSignatureHeader(header(n, 'signature'));
  if (n.method.toUpperCase() !== 'POST' || clientId !== account.settings.clientId || !requestTime || !sig?.signature) return false;
  if (sig.algorithm !== undefined && sig.algorithm.toUpperCase() !== 'RSA256') return false;
  return verifyRsa256(cachedPublicKey(account.settings.providerPublicKey), signedText('POST', n.path, clientId, requestTime, n.rawBody), sig.signature);
}

/** What a notifyPayment says about the charge (S paid, F failed); null: nothing final. */
async function chargeResult(core: CoreDeps, body: Record<string, unknown>, operationId: string): Promise<SyncResult | null> {
  const result = body.result as { resultStatus?: unknown; resultCode?: unknown } | undefined;
  const processorRef = typeof body.paymentId === 'string' && body.paymentId ? body.paymentId : undefined;
  if (result?.resultStatus === 'F') return { status: 'failed', code: 'PROCESSOR_DECLINED', reason: String(result.resultCode ?? 'FAIL') };
  if (result?.resultStatus !== 'S') return null;
  // Antom's S is the authorization for a manual-capture payment (the capture is reported apart).
  const op = await getOperation(core.db, operationId);
  const p = op ? await getPaymentById(core.db, op.paymentId) : null;
  return { status: p?.captureMethod === 'manual' ? 'authorized' : 'succeeded', ...(processorRef ? { processorRef } : {}) };
}

export async function receiveAntom(account: ConnectorAccount, n: InboundNotification, core: CoreDeps): Promise<NotificationAnswer> {
  if (!verified(account, n)) return answer(200, 'INVALID_SIGNATURE', 'F', 'The signature is not validated.');
  let body: Record<string, unknown>;
  try {
    const parsed = JSON.parse(n.rawBody.toString('utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    body = parsed as Record<string, unknown>;
  } catch {
    return answer(200, 'PARAM_ILLEGAL', 'F', 'The notification body is not a JSON object.');
  }
  const type = body.notifyType;
  const isPayment = type === 'PAYMENT_RESULT' || (type === undefined && typeof body.paymentRequestId === 'string');
  if (type === 'CAPTURE_RESULT' || type === 'REFUND_RESULT') return settleFollowUp(core, account, body[type === 'CAPTURE_RESULT' ? 'captureRequestId' : 'refundRequestId']);
  // Types this connector does not know: nothing to apply.
  if (!isPayment) return ACK();
  if (typeof body.paymentRequestId !== 'string' || body.paymentRequestId === '') return answer(200, 'PARAM_ILLEGAL', 'F', 'paymentRequestId is required.');
  // Kasir's charges are its operation ids (uuids): anything else was not sent by this Kasir.
  if (!isUuid(body.paymentRequestId)) return ACK();
  try {
    const found = await chargeResult(core, body, body.paymentRequestId);
    // An unknown charge is acknowledged too: resending it would never make it known.
    if (found) await reportCharge(core, account.id, body.paymentRequestId, found, 'notification');
  } catch {
    // Cannot be applied yet (a cancel of the payment is in flight): the provider's retry brings it back.
    return answer(500, 'UNKNOWN_EXCEPTION', 'U', 'The notification could not be applied yet; retry later.');
  }
  return ACK();
}

/** A capture or refund result: its call (the operation id is its request id) is settled now if it was unknown. */
async function settleFollowUp(core: CoreDeps, account: ConnectorAccount, requestId: unknown): Promise<NotificationAnswer> {
  if (typeof requestId !== 'string' || !isUuid(requestId)) return ACK();
  const op = await getOperation(core.db, requestId);
  if (!op || op.processor !== account.id) return ACK();
  try {
    await reconcilePayment(core, op.paymentId);
  } catch {
    // The provider could not be asked right now: the reconciler's next pass will.
  }
  return ACK();
}
