// Native notifications: Standard Webhooks. Headers webhook-id, webhook-timestamp (seconds) and
// webhook-signature `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` where the key is the
// base64 part of the endpoint's `whsec_` secret. Any 2xx acknowledges.
import { createHmac } from 'node:crypto';
import type { NotificationFormat } from '../../core/notifications/format.ts';
import { webhookEventFor } from '../../core/notifications/webhook-endpoints.ts';
import { renderPayment } from './render.ts';
import { formatMajor } from '../../core/money.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

export function standardWebhookSignature(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return 'v1,' + createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

export const nativeNotificationFormat: NotificationFormat = {
  // The Standard Webhooks reference schedule after the immediate first attempt.
  retryDelaysMs: [5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H],
  build(item, payment, credential, now) {
    const type = webhookEventFor(item.eventType);
    if (!type || !credential?.secret) return null;
    const id = `msg_${item.id}`;
    const timestamp = Math.floor(now.getTime() / 1000).toString();
    const body = JSON.stringify({
      type,
      timestamp: item.eventAt.toISOString(),
      data: {
        ...renderPayment(payment),
        event: { id: item.eventId, type: item.eventType, amount: item.eventAmount === null ? null : formatMajor(item.eventAmount, payment.currency), data: item.eventData },
      },
    });
    return {
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': timestamp,
        'webhook-signature': standardWebhookSignature(credential.secret, id, timestamp, body),
      },
      body,
    };
  },
  isAcknowledged: (status) => status >= 200 && status < 300,
};
