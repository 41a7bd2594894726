// Antom notifications (docs/antom-api.md, docs/architecture.md, notifications): notifyPayment to paymentNotifyUrl when a
// payment reaches a final result (succeeded, card authorized, failed, expired), notifyCapture when
// a capture succeeds, notifyRefund (to refundNotifyUrl, else the payment's URL) when a refund
// succeeds. Each is signed with the gateway key like a request, over the path of the target URL.
// The merchant acknowledges with result SUCCESS/S; anything else is retried at 2 min, 10 min,
// 10 min, 1 h, 2 h, 6 h and 15 h after the first, immediate attempt.
import type { NotificationFormat, OutboxItem } from '../../core/notifications/format.ts';
import type { Payment } from '../../core/payments/model.ts';
import { amount, compact, resultFor, SUCCESS, time, type AntomBody } from './render.ts';
import { CONTENT_TYPE } from './route.ts';
import { antomTime, cachedPrivateKey, formatSignatureHeader, signedText, signRsa256 } from './signature.ts';
import { eventTransactionId } from './transactions.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

function notifyPayment(item: OutboxItem, p: Payment): AntomBody | null {
  const result =
    item.eventType === 'succeeded' || item.eventType === 'authorized'
      ? SUCCESS()
      : item.eventType === 'failed'
        ? resultFor('PROCESSOR_DECLINED')
        : item.eventType === 'expired'
          ? resultFor('PAYMENT_CLOSED')
          : null;
  if (!result) return null;
  return compact({
    notifyType: 'PAYMENT_RESULT',
    result,
    paymentRequestId: p.antomPaymentRequestId ?? undefined,
    paymentId: p.antomPaymentId ?? undefined,
    paymentAmount: amount(p.amount, p.currency),
    paymentCreateTime: time(p.createdAt),
    paymentTime: time(item.eventAt),
  }) as AntomBody;
}

function notifyCapture(item: OutboxItem, p: Payment): AntomBody {
  return compact({
    notifyType: 'CAPTURE_RESULT',
    result: SUCCESS(),
    captureRequestId: item.eventRequestId ?? undefined,
    captureId: eventTransactionId(p, item.eventId),
    paymentId: p.antomPaymentId ?? undefined,
    captureAmount: amount(item.eventAmount ?? p.amountReceived, p.currency),
    captureTime: time(item.eventAt),
  }) as AntomBody;
}

function notifyRefund(item: OutboxItem, p: Payment): AntomBody {
  return compact({
    notifyType: 'REFUND_RESULT',
    result: SUCCESS(),
    refundStatus: 'SUCCESS',
    refundRequestId: item.eventRequestId ?? undefined,
    refundId: (item.eventData.refundId as string) ?? undefined,
    paymentId: p.antomPaymentId ?? undefined,
    refundAmount: amount(item.eventAmount ?? 0n, p.currency),
    refundTime: time(item.eventAt),
  }) as AntomBody;
}

function notificationBody(item: OutboxItem, p: Payment): AntomBody | null {
  if (item.eventType === 'captured') return notifyCapture(item, p);
  if (item.eventType === 'refunded') return notifyRefund(item, p);
  return notifyPayment(item, p);
}

/** The signed path is the target URL's path (and query, if the merchant's URL has one). */
function targetPath(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

export const antomNotificationFormat: NotificationFormat = {
  retryDelaysMs: [2 * MIN, 10 * MIN, 10 * MIN, HOUR, 2 * HOUR, 6 * HOUR, 15 * HOUR],
  build(item, payment, credential, now) {
    if (!credential?.secret) return null; // no gateway key: nothing the merchant could verify
    const body = notificationBody(item, payment);
    if (!body) return null;
    const text = JSON.stringify(body);
    const requestTime = antomTime(now);
    const signature = signRsa256(cachedPrivateKey(credential.secret), signedText('POST', targetPath(item.targetUrl), credential.keyId, requestTime, text));
    return {
      headers: { 'content-type': CONTENT_TYPE, 'client-id': credential.keyId, 'request-time': requestTime, signature: formatSignatureHeader(signature) },
      body: text,
    };
  },
  isAcknowledged(status, body) {
    if (status < 200 || status >= 300) return false;
    try {
      const r = (JSON.parse(body) as { result?: { resultCode?: unknown; resultStatus?: unknown } }).result;
      return r?.resultCode === 'SUCCESS' && r.resultStatus === 'S';
    } catch {
      return false;
    }
  },
};
